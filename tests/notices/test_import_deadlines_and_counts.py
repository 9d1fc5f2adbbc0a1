"""What the preview says before an import: default deadlines that make sense, the measures that
would start overdue, problems counted as the notice counts them, and a dry run that reports
what would stop the import instead of failing."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Organisation
from cases.models import Case, Measure
from notices.drafter import draft_notice
from notices.importer import NoticeImportError, import_notice, preview_notice
from notices.models import Notice
from notices.parser import parse_text
from tests.notices.corpus_scoring import CORPUS
from tests.notices.import_helpers import notice_path, notice_text

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 1)


def _corpus(name: str) -> str:
    return (CORPUS / f"{name}.txt").read_text(encoding="utf-8")


def _nameless() -> str:
    """A notice pasted without title and signature whose intro names no inspected body either."""
    return _corpus("11-pasted-no-title-no-signature").replace("对市卫生健康委党组开展", "开展").replace(
        "向市卫生健康委党组反馈", "反馈")


def test_without_a_feedback_date_the_default_deadline_is_two_months_ahead_not_today():
    text = _corpus("05-audit-report").replace("2023年7月26日，市审计局向市人民政府报送了审计结果。", "")
    parsed = parse_text(text)
    assert parsed.header.feedback_on is None

    plan = preview_notice(parsed, today=TODAY)

    assert plan.default_deadline == datetime.date(2026, 5, 1) > TODAY
    assert "two months from today" in plan.default_deadline_reason or "两个月" in plan.default_deadline_reason


def test_an_old_notice_counts_and_names_the_measures_that_would_start_overdue():
    parsed = parse_text(notice_text("wanzhi-2024.txt"))

    plan = preview_notice(parsed, today=TODAY)

    counts = plan.counts()
    created = [m for m in plan.measure_plans() if m.action == "create"]
    late = [m for m in created if m.deadline is not None and m.deadline < TODAY]
    assert counts["starting_overdue"] == len(late) > 100
    assert any(str(len(late)) in note for note in plan.notes)


def test_a_chosen_future_default_deadline_leaves_only_the_stated_past_ones_overdue():
    parsed = parse_text(notice_text("wanzhi-2024.txt"))

    plan = preview_notice(parsed, today=TODAY, default_deadline=datetime.date(2026, 6, 30))

    late = plan.starting_overdue()
    assert all(m.deadline_source == "notice" for m in late)
    assert plan.counts()["starting_overdue"] < preview_notice(parsed, today=TODAY).counts()["starting_overdue"]


def test_the_preview_counts_problems_as_the_notice_does_and_nodes_apart():
    parsed = parse_text(notice_text("wanzhi-2024.txt"))

    plan = preview_notice(parsed, today=TODAY)

    counts, found = plan.counts(), plan.found()
    assert counts["problems_created"] == found["problems"] == 39
    assert counts["nodes_created"] == found["nodes"] == 4 + 16 + 39


def test_a_notice_without_issuer_previews_with_a_blocker_and_refuses_to_import():
    Organisation.objects.create(name="市卫生健康委")
    parsed = parse_text(_nameless())
    header = parsed.header
    assert header.issuer is None and header.signed_by is None and header.inspected_body is None

    plan = preview_notice(parsed, unit_name=None, today=TODAY)
    assert len(plan.blockers) == 1 and plan.counts()["measures_created"] == 6
    assert plan.as_dict()["blockers"] == plan.blockers

    with pytest.raises(NoticeImportError):
        import_notice(parsed, today=TODAY)
    assert not Case.objects.exists() and not Notice.objects.exists()


def test_dry_run_of_a_notice_without_issuer_reports_and_exits_cleanly(tmp_path):
    Organisation.objects.create(name="市卫生健康委")
    path = tmp_path / "pasted.txt"
    path.write_text(_nameless(), encoding="utf-8")
    out = StringIO()

    call_command("import_notice", str(path), "--dry-run", stdout=out, stderr=StringIO())

    assert "5" in out.getvalue() and not Case.objects.exists()
    with pytest.raises(CommandError):
        call_command("import_notice", str(path), stdout=StringIO(), stderr=StringIO())
    call_command("import_notice", str(path), "--unit", "市卫生健康委", stdout=StringIO(), stderr=StringIO())
    assert Measure.objects.count() == 6


def test_field_lines_give_each_measure_its_deadline_and_long_term_kind():
    parsed = parse_text(_corpus("04-environment-field-lines"))

    plan = preview_notice(parsed, today=TODAY)

    created = [m for m in plan.measure_plans() if m.action == "create"]
    assert [m.deadline_source for m in created].count("notice") == 7
    long_term = [m for m in created if m.kind == Measure.Kind.LONG_TERM]
    assert len(long_term) == 1 and long_term[0].deadline is None


def test_a_drafted_notice_signs_as_the_issuer_prints_each_measure_once_and_updates_the_same_case(rectify_admin):
    text = notice_text("zhengxiang-2024.txt")
    first = import_notice(parse_text(text), by=rectify_admin, raw_text=text, source="zhengxiang-2024.txt")
    case = first.case

    draft = draft_notice(case, on=TODAY)

    assert draft.text.endswith("中共蒸湘区委\n2026年3月1日\n")
    measure = Measure.objects.filter(case=case).order_by("position", "pk").first()
    body = measure.text.rstrip("。")[:40]
    assert draft.text.count(body) == 1
    again = import_notice(parse_text(draft.text), by=rectify_admin, source="draft.txt")
    assert not again.case_created and again.case == case
    assert Case.objects.count() == 1
    assert again.counts["issues_created"] == 0 and again.counts["measures_created"] == 0


def test_the_drafted_notice_of_an_imported_case_names_the_inspected_body_in_its_opening(rectify_admin):
    text = notice_text("wanzhi-2024.txt")
    case = import_notice(parse_text(text), by=rectify_admin, raw_text=text).case

    parsed = parse_text(draft_notice(case, on=TODAY).text)

    assert parsed.header.issuer == "中共湾沚区委"
    assert parsed.header.inspected_body == case.inspected_body == "湾沚区"


def test_case_matching_ignores_the_party_committee_forms_of_a_name():
    from cases.names import body_key

    assert body_key("中共湾沚区委") == body_key("湾沚区委") == body_key("湾沚区") == body_key("中共湾沚区委员会")
    assert body_key("中共江南理工大学委员会") == body_key("江南理工大学党委") == body_key("江南理工大学")
    assert body_key("湾沚区") != body_key("鄂城区")
    assert notice_path("zhengxiang-2024.txt").exists()
