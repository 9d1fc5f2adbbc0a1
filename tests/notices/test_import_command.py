"""`manage.py import_notice`: import, dry run, JSON, unit choice, and clear errors."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Unit
from cases.models import Case, Measure
from notices.models import Notice
from tests.notices.import_helpers import notice_path

pytestmark = pytest.mark.django_db


def _run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_notice", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_imports_a_notice_and_reports_the_case():
    out, _err = _run(str(notice_path("zhengxiang-2024.txt")))

    case = Case.objects.get()
    assert "已新建案件" in out and f"案件 {case.pk}" in out
    assert Notice.objects.get().source == "zhengxiang-2024.txt"


def test_a_second_run_says_it_was_already_imported():
    path = str(notice_path("zhengxiang-2024.txt"))
    _run(path)

    out, _err = _run(path)

    assert "已导入过" in out and Notice.objects.count() == 1 and Case.objects.count() == 1


def test_dry_run_reports_the_plan_and_writes_nothing():
    out, _err = _run(str(notice_path("wanzhi-2024.txt")), "--dry-run")

    assert "试运行" in out and "将新建案件" in out and "中共湾沚区委" in out
    assert "4/16/39" in out
    assert not Notice.objects.exists() and not Case.objects.exists() and not Unit.objects.exists()


def test_json_goes_alone_to_stdout_as_utf8_text():
    out, err = _run(str(notice_path("wanzhi-2024.txt")), "--dry-run", "--json")

    data = json.loads(out)
    assert data["issuer"] == "中共湾沚区委" and "中共湾沚区委" in out  # not \\u-escaped
    assert data["feedback_on"] == "2023-07-10"
    assert "试运行" in err


def test_unit_option_assigns_the_measures_to_that_unit(unit):
    _run(str(notice_path("zhengxiang-2024.txt")), "--unit", unit.name)

    assert set(Measure.objects.values_list("lead_unit", flat=True)) == {unit.pk}


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="文件不存在"):
        _run(str(tmp_path / "nope.txt"))


def test_text_that_is_not_a_notice_is_refused_with_the_parsers_reason(tmp_path):
    path = tmp_path / "weather.txt"
    path.write_text("今天天气很好。" * 20, encoding="utf-8")

    with pytest.raises(CommandError, match="不像整改通报"):
        _run(str(path))
    assert not Notice.objects.exists()


def test_a_bad_deadline_is_refused(tmp_path):
    with pytest.raises(CommandError, match="2025-06-30"):
        _run(str(notice_path("zhengxiang-2024.txt")), "--deadline", "明年")


def test_errors_exit_with_status_1(tmp_path):
    from django.core.management import execute_from_command_line

    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "import_notice", str(tmp_path / "nope.txt")])
    assert exit_info.value.code == 1
