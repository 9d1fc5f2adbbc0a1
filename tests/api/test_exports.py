"""Exports of any filtered measure list, as CSV and as an Excel ledger."""

from __future__ import annotations

import csv
import datetime
import io
from urllib.parse import quote

import openpyxl

from tests import factories


def _csv_rows(response):
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")  # so Excel reads the Chinese correctly
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_csv_has_chinese_headers_and_the_filtered_rows(supervisor_api, unit):
    early = factories.MeasureFactory(lead_unit=unit, text="建立台账", deadline=datetime.date(2026, 2, 1))
    factories.MeasureFactory(lead_unit=unit, text="后期措施", deadline=datetime.date(2026, 9, 1))
    response = supervisor_api.get("/api/v1/measures/export.csv?due_before=2026-03-01")
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv_rows(response)
    assert rows[0][:4] == ["ID", "序号", "反馈问题", "整改措施"]
    assert [r[0] for r in rows[1:]] == [str(early.pk)]
    assert "建立台账" in rows[1][3]


def _bulk_measures(unit, supporting, count: int) -> None:
    from cases.models import Measure

    case = factories.CaseFactory(organisation=unit.organisation)
    issue = factories.IssueFactory(case=case)
    made = Measure.objects.bulk_create([
        Measure(case=case, issue=issue, lead_unit=unit, text=f"批量措施{n}", position=n,
                deadline=datetime.date(2026, 2, 1), original_deadline=datetime.date(2026, 2, 1))
        for n in range(count)
    ])
    through = Measure.supporting_units.through
    through.objects.bulk_create([through(measure_id=m.pk, unit_id=supporting.pk) for m in made])


def test_csv_export_streams_in_queries_that_do_not_grow_with_its_rows(supervisor_api, unit, other_unit):
    """The API's queryset arrives with prefetches; run per chunk of the iterator they made 344
    queries for 85,000 rows. The export walks the supporting units beside the measures instead."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def export_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            rows = _csv_rows(supervisor_api.get("/api/v1/measures/export.csv?due_before=2026-03-01"))
        return len(queries), len(rows) - 1

    _bulk_measures(unit, other_unit, 3)
    few, three = export_queries()
    _bulk_measures(unit, other_unit, 1_200)  # more than two chunks of the iterator
    many, all_rows = export_queries()
    assert (three, all_rows) == (3, 1_203)
    assert many == few


def test_a_large_api_export_answers_202_with_a_job_to_poll_and_download(
    staff_api, supervisor_api, staff, unit, other_unit, settings, django_capture_on_commit_callbacks,
):
    settings.EXPORT_CSV_BACKGROUND_ROWS = 1
    mine = [factories.MeasureFactory(lead_unit=unit, deadline=datetime.date(2026, 2, 1)) for _ in range(2)]
    factories.MeasureFactory(lead_unit=other_unit, deadline=datetime.date(2026, 2, 1))  # not the staff's
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_api.get("/api/v1/measures/export.csv?due_before=2026-03-01")
    assert response.status_code == 202
    body = response.json()
    assert body["rows"] == 2 and body["status"].rstrip("/").endswith(f"/api/v1/export-jobs/{body['job']}")

    status = staff_api.get(body["status"]).json()
    assert status["state"] == "done" and status["download"]
    rows = _csv_rows(staff_api.get(status["download"]))
    assert sorted(int(r[0]) for r in rows[1:]) == sorted(m.pk for m in mine)  # the starter's scope, the filter
    assert supervisor_api.get(body["status"]).status_code == 404  # another person's job is not found


def test_filename_is_utf8_per_rfc_5987(supervisor_api):
    disposition = supervisor_api.get("/api/v1/measures/export.csv")["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''" + quote("整改台账") in disposition


def test_xlsx_is_a_workbook_with_the_ledger(supervisor_api, unit):
    measure = factories.MeasureFactory(lead_unit=unit, text="整改措施甲")
    response = supervisor_api.get("/api/v1/measures/export.xlsx", {"q": "整改措施甲"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert ".xlsx" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:4] == ("ID", "序号", "反馈问题", "整改措施")
    assert rows[2][0] == measure.pk and len(rows) == 3


def test_export_with_a_bad_filter_is_a_json_error(supervisor_api):
    response = supervisor_api.get("/api/v1/measures/export.csv?overdue_on=yesterday")
    assert response.status_code == 400
    assert "overdue_on" in response.json()["error"]["fields"]


def test_empty_export_still_has_headers(staff_api):
    rows = _csv_rows(staff_api.get("/api/v1/measures/export.csv"))
    assert len(rows) == 1 and rows[0][1] == "序号"


def test_api_csv_neutralises_formula_like_cells(supervisor_api, unit):
    texts = ['=HYPERLINK("http://evil","点击")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "\tx", "\rx"]
    for text in texts:
        factories.MeasureFactory(lead_unit=unit, text=text)
    rows = _csv_rows(supervisor_api.get("/api/v1/measures/export.csv"))
    column = rows[0].index("整改措施")
    cells = sorted(row[column] for row in rows[1:])
    assert all(cell.startswith("'") for cell in cells), cells
    assert sorted(cell[1:] for cell in cells) == sorted(texts)


def test_every_csv_goes_through_the_one_guarded_writer():
    """No module writes CSV with its own csv.writer: cases.csvexport is the one writer."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root))
        for app in ("accounts", "cases", "notices", "config")
        for path in (root / app).rglob("*.py")
        if "csv.writer(" in path.read_text(encoding="utf-8") and path.name != "csvexport.py"
    ]
    assert offenders == []


def test_csv_lines_streams_guarded_cells():
    import datetime as dt

    from cases.csvexport import csv_lines

    lines = csv_lines(["a", "b"], [["=1+1", dt.date(2026, 1, 2)], [None, 3]])
    assert next(lines) == "\ufeff"
    assert list(lines) == ["a,b\r\n", "'=1+1,2026-01-02\r\n", ",3\r\n"]
