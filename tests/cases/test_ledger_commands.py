"""export_ledger, import_ledger and draft_notice on the command line."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from cases.models import DeadlineChange

pytestmark = pytest.mark.django_db


def test_export_edit_import_round(tmp_path, measure, rectify_admin, capsys):
    path = tmp_path / "ledger.xlsx"
    call_command("export_ledger", measure.case_id, str(path))
    wb = load_workbook(path)
    wb["整改台账"]["G3"] = datetime.datetime(2027, 1, 15)
    wb.save(path)
    call_command("import_ledger", str(path), "--dry-run", "--user", rectify_admin.username)
    assert "完成时限" in capsys.readouterr().out and not DeadlineChange.objects.exists()
    call_command("import_ledger", str(path), "--case", str(measure.case_id), "--user", rectify_admin.username)
    measure.refresh_from_db()
    assert measure.deadline == datetime.date(2027, 1, 15)


def test_import_of_a_bad_file_fails_with_the_report(tmp_path, measure, rectify_admin):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"plain text")
    with pytest.raises(CommandError, match="文件不是有效的 Excel 工作簿"):
        call_command("import_ledger", str(path), "--case", str(measure.case_id), "--user", rectify_admin.username)


def test_draft_notice_prints_text_and_writes_docx(tmp_path, measure, capsys):
    call_command("draft_notice", measure.case_id, "--date", "2026-03-01")
    out = capsys.readouterr().out
    assert "整改进展情况的通报" in out and out.endswith("2026年3月1日\n")
    call_command("draft_notice", measure.case_id, "--docx", str(tmp_path / "n.docx"))
    assert (tmp_path / "n.docx").read_bytes()[:2] == b"PK"


def test_unknown_case_is_an_error():
    with pytest.raises(CommandError, match="不存在"):
        call_command("draft_notice", 999999)
