"""The ledger and notice-draft endpoints of a case."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from cases.models import Measure
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for():
    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client
    return make


def test_staff_export_holds_only_their_measures(client_for, staff, measure, other_measure):
    response = client_for(staff).get(f"/api/v1/cases/{measure.case_id}/ledger.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["整改台账"]
    assert [r[0] for r in sheet.iter_rows(min_row=3, values_only=True)] == [measure.pk]


def test_csv_export(client_for, supervisor, measure):
    response = client_for(supervisor).get(f"/api/v1/cases/{measure.case_id}/ledger.csv")
    assert response.status_code == 200 and response.content.decode("utf-8-sig").startswith("ID,序号,反馈问题")


def test_import_dry_run_then_import(client_for, supervisor, measure):
    stream = io.BytesIO()
    from cases.ledger import write_ledger_xlsx

    write_ledger_xlsx(Measure.objects.filter(pk=measure.pk), stream)
    wb = load_workbook(io.BytesIO(stream.getvalue()))
    wb["整改台账"]["J3"] = "推进中"
    out = io.BytesIO()
    wb.save(out)
    url = f"/api/v1/cases/{measure.case_id}/ledger/"
    client = client_for(supervisor)
    dry = client.post(url, {"file": io.BytesIO(out.getvalue()), "dry_run": True}, format="multipart")
    assert dry.status_code == 200 and dry.json()["summary"]["states_changed"] == 1
    measure.refresh_from_db()
    assert measure.state == "planned"
    out.name = "台账.xlsx"
    out.seek(0)
    done = client.post(url, {"file": out}, format="multipart")
    assert done.status_code == 200
    measure.refresh_from_db()
    assert measure.state == "in_progress"


def test_bad_import_is_refused_with_errors(client_for, supervisor, measure):
    response = client_for(supervisor).post(f"/api/v1/cases/{measure.case_id}/ledger/",
                                           {"file": io.BytesIO(b"not excel")}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"row": 0, "column": "", "message": "文件不是有效的 Excel 工作簿(.xlsx)。"}]


def test_staff_cannot_import(client_for, staff, measure):
    response = client_for(staff).post(f"/api/v1/cases/{measure.case_id}/ledger/",
                                      {"file": io.BytesIO(b"x")}, format="multipart")
    assert response.status_code == 403


def test_notice_draft_as_text_and_docx(client_for, supervisor, measure):
    client = client_for(supervisor)
    text = client.get(f"/api/v1/cases/{measure.case_id}/notice-draft/?format=txt")
    assert text.status_code == 200 and "整改进展情况的通报" in text.content.decode()
    docx = client.get(f"/api/v1/cases/{measure.case_id}/notice-draft/?format=docx")
    assert docx.status_code == 200 and b"".join(docx.streaming_content)[:2] == b"PK"


def test_staff_cannot_draft_the_notice(client_for, staff, measure):
    assert client_for(staff).get(f"/api/v1/cases/{measure.case_id}/notice-draft/").status_code == 403


def test_hidden_case_is_not_found(client_for, staff):
    other = factories.MeasureFactory()
    assert client_for(staff).get(f"/api/v1/cases/{other.case_id}/ledger.xlsx").status_code == 404
