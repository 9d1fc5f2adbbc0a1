"""责任人 (Measure.responsible_person): written by the plan import, edited as a ledger column, shown."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases import services
from cases.models import Measure

pytestmark = pytest.mark.django_db


def test_it_is_edited_through_the_service_with_history(supervisor, measure):
    services.update_measure(measure=measure, by=supervisor, responsible_person="张伟（综合科科长）")
    measure.refresh_from_db()
    assert measure.responsible_person == "张伟（综合科科长）"
    assert measure.history.first().responsible_person == "张伟（综合科科长）"


def test_the_item_page_shows_it(client, staff, measure):
    Measure.objects.filter(pk=measure.pk).update(responsible_person="李娜")
    client.force_login(staff)
    page = client.get(reverse("cases:measure-detail", args=[measure.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "责任人" in page.content.decode() and "李娜" in page.content.decode()


def test_the_admin_form_has_it_for_supervisors(client, supervisor, measure):
    client.force_login(supervisor)
    page = client.get(reverse("admin:cases_measure_change", args=[measure.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert 'name="responsible_person"' in page.content.decode()


def test_the_api_list_and_detail_carry_it_and_a_patch_changes_it(client, supervisor, measure):
    Measure.objects.filter(pk=measure.pk).update(responsible_person="李娜")
    client.force_login(supervisor)
    listed = client.get("/api/v1/measures/", {"case": measure.case_id}).json()["results"]
    assert [row["responsible_person"] for row in listed if row["id"] == measure.pk] == ["李娜"]
    detail = client.get(f"/api/v1/measures/{measure.pk}/")
    assert detail.json()["responsible_person"] == "李娜"
    patched = client.patch(f"/api/v1/measures/{measure.pk}/", {"responsible_person": "王强"},
                           content_type="application/json", HTTP_IF_MATCH=detail["ETag"])
    assert patched.status_code == 200, patched.content
    assert patched.json()["responsible_person"] == "王强"
    assert Measure.objects.get(pk=measure.pk).responsible_person == "王强"


def test_my_items_and_the_item_list_show_it(client, staff, measure):
    Measure.objects.filter(pk=measure.pk).update(responsible_person="李娜")
    client.force_login(staff)
    for url in (reverse("cases:my-items"), reverse("cases:items") + f"?case={measure.case_id}"):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "责任人 李娜" in page, url


def _export(measures) -> bytes:
    import io

    from cases.ledger import write_ledger_xlsx

    stream = io.BytesIO()
    write_ledger_xlsx(measures, stream)
    return stream.getvalue()


def _cell(data: bytes, row: int, header: str):
    import io

    from openpyxl import load_workbook

    from cases.ledger import HEADERS

    return load_workbook(io.BytesIO(data))["整改台账"].cell(row=row, column=HEADERS.index(header) + 1)


def test_the_ledger_exports_it_and_its_import_changes_it(supervisor, measure):
    import io

    from openpyxl import load_workbook

    from cases.ledger import HEADERS, import_ledger, read_ledger, write_ledger_csv

    Measure.objects.filter(pk=measure.pk).update(responsible_person="李娜")
    data = _export(Measure.objects.filter(pk=measure.pk))
    header_row = 2  # row 1 is the title
    assert _cell(data, header_row, "责任人").value == "责任人"
    assert _cell(data, header_row + 1, "责任人").value == "李娜"
    stream = io.StringIO()
    write_ledger_csv(Measure.objects.filter(pk=measure.pk), stream)
    assert "责任人" in stream.getvalue().splitlines()[0] and "李娜" in stream.getvalue()

    workbook = load_workbook(io.BytesIO(data))
    workbook["整改台账"].cell(row=header_row + 1, column=HEADERS.index("责任人") + 1, value="王强")
    out = io.BytesIO()
    workbook.save(out)
    preview = read_ledger(out.getvalue(), file_name="l.xlsx", user=supervisor, case=measure.case)
    assert preview.ok, preview.errors
    assert any("李娜 → 王强" in change for change in preview.rows[0].changes)
    import_ledger(out.getvalue(), file_name="l.xlsx", user=supervisor, case=measure.case)
    assert Measure.objects.get(pk=measure.pk).responsible_person == "王强"


def test_a_ledger_without_the_column_leaves_it_as_it_is(supervisor, measure):
    import io

    from openpyxl import load_workbook

    from cases.ledger import HEADERS, import_ledger

    Measure.objects.filter(pk=measure.pk).update(responsible_person="李娜")
    data = _export(Measure.objects.filter(pk=measure.pk))
    workbook = load_workbook(io.BytesIO(data))
    workbook["整改台账"].delete_cols(HEADERS.index("责任人") + 1)
    out = io.BytesIO()
    workbook.save(out)
    result = import_ledger(out.getvalue(), file_name="l.xlsx", user=supervisor, case=measure.case)
    assert result.summary["unchanged"] == 1
    assert Measure.objects.get(pk=measure.pk).responsible_person == "李娜"
