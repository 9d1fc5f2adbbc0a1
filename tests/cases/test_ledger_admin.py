"""The ledger buttons on the case page: export, import with preview then confirm, notice draft."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cases.ledger import write_ledger_xlsx
from cases.models import DeadlineChange, Measure

pytestmark = pytest.mark.django_db


def _edited(measure) -> io.BytesIO:
    stream = io.BytesIO()
    write_ledger_xlsx(Measure.objects.filter(pk=measure.pk), stream)
    wb = load_workbook(io.BytesIO(stream.getvalue()))
    wb["整改台账"]["G3"] = "2027-03-31"
    out = io.BytesIO()
    wb.save(out)
    out.name = "台账.xlsx"
    out.seek(0)
    return out


def test_case_page_shows_the_ledger_buttons(client, supervisor, measure):
    client.force_login(supervisor)
    page = client.get(reverse("admin:cases_case_change", args=[measure.case_id]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    for name in ("cases_case_ledger_export", "cases_case_ledger_import", "cases_case_notice_draft"):
        assert reverse(f"admin:{name}", args=[measure.case_id]) in page.content.decode()
    for label in ("导出台账", "导入台账", "起草通报"):
        assert label in page.content.decode()
    form = client.get(reverse("admin:cases_case_ledger_import", args=[measure.case_id]),
                      HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "校验文件" in form and "下载当前台账作为模板" in form


def test_export_button_downloads_xlsx(client, supervisor, measure):
    client.force_login(supervisor)
    response = client.get(reverse("admin:cases_case_ledger_export", args=[measure.case_id]))
    assert response.status_code == 200 and response["Content-Type"].endswith("spreadsheetml.sheet")


def test_import_previews_then_writes_on_confirm(client, supervisor, measure):
    client.force_login(supervisor)
    url = reverse("admin:cases_case_ledger_import", args=[measure.case_id])
    preview = client.post(url, {"file": _edited(measure)})
    assert preview.status_code == 200
    assert "2027-03-31" in preview.content.decode() and not DeadlineChange.objects.exists()
    token = preview.context["token"]
    done = client.post(url, {"token": token, "file_name": "台账.xlsx"})
    assert done.status_code == 302
    assert DeadlineChange.objects.get(measure=measure).reason == "台账导入:台账.xlsx"


def test_import_shows_the_report_of_a_bad_file(client, supervisor, measure):
    client.force_login(supervisor)
    bad = io.BytesIO(b"not a workbook")
    bad.name = "x.xlsx"
    page = client.post(reverse("admin:cases_case_ledger_import", args=[measure.case_id]), {"file": bad})
    assert "文件不是有效的 Excel 工作簿" in page.content.decode() and "token" not in page.context


def test_staff_cannot_open_the_import_page(client, staff, measure):
    client.force_login(staff)
    assert client.get(reverse("admin:cases_case_ledger_import", args=[measure.case_id])).status_code == 403


def test_notice_draft_page_and_docx(client, supervisor, measure):
    client.force_login(supervisor)
    url = reverse("admin:cases_case_notice_draft", args=[measure.case_id])
    assert "整改进展情况的通报" in client.get(url).content.decode()
    assert client.get(url + "?format=docx")["Content-Type"].endswith("wordprocessingml.document")


def test_export_selected_measures_action(client, supervisor, measure, other_measure):
    client.force_login(supervisor)
    response = client.post(reverse("admin:cases_measure_changelist"),
                           {"action": "action_export_ledger", "_selected_action": [measure.pk]})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["整改台账"]
    assert [r[0] for r in sheet.iter_rows(min_row=3, values_only=True)] == [measure.pk]
