"""The importer: a parsed notice becomes a case in one transaction; later notices update it."""

from __future__ import annotations

import datetime
import json
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command

from accounts.models import Unit
from cases import services
from cases.models import Case, Issue, Measure, ProgressUpdate
from cases.states import Action, State, roll_up
from notices.importer import find_case, import_notice, normalise_key, preview_notice
from notices.models import Notice
from notices.parser import parse_file, parse_text
from tests import factories
from tests.notices.import_helpers import README_TREES, notice_path, notice_text

pytestmark = pytest.mark.django_db

SNAPSHOTS = Path(__file__).parent / "snapshots"


def _levels(case: Case) -> list[int]:
    counts: list[int] = []
    for issue in Issue.objects.filter(case=case):
        while len(counts) <= issue.depth:
            counts.append(0)
        counts[issue.depth] += 1
    return counts


@pytest.mark.parametrize("name", sorted(README_TREES))
def test_each_shared_notice_imports_into_a_case_whose_tree_matches_the_readme(name):
    levels, problems = README_TREES[name]
    parsed = parse_file(notice_path(name))

    result = import_notice(parsed, source=name)

    case = result.case
    assert result.case_created and not result.duplicate
    assert _levels(case)[: len(levels)] == levels
    if problems is not None:
        assert Issue.objects.filter(case=case, kind=Issue.Kind.PROBLEM).count() == problems
    # The whole tree goes in, deeper levels included, each measure under its own issue.
    assert _levels(case) == parsed.level_counts()
    assert Measure.objects.filter(case=case).count() == len(parsed.measures())
    notice = result.notice
    assert notice.case == case and notice.content_hash == parsed.content_hash
    assert notice.parser_version == parsed.parser_version
    assert notice.parsed["issues"] and notice.raw_text == parsed.text
    assert case.inspection_team == parsed.header.inspection_team
    assert case.feedback_on == parsed.header.feedback_on


def test_states_the_notice_reports_are_recorded_with_the_notice_as_source():
    parsed = parse_file(notice_path("zhengxiang-2024.txt"))

    result = import_notice(parsed)

    proposed = [m.proposed_state for m in parsed.measures()]
    stored = list(Measure.objects.filter(case=result.case).order_by("position").values_list("state", flat=True))
    assert stored == proposed
    imported = ProgressUpdate.objects.filter(measure__case=result.case, action=Action.IMPORT)
    assert imported.count() == sum(1 for s in proposed if s != State.PLANNED)
    assert set(imported.values_list("source_notice", flat=True)) == {result.notice.pk}
    # The state is dated when the notice reported it, not when it was typed in.
    assert {p.created_at.date() for p in imported} == {parsed.header.signed_on}
    assert imported.filter(author__isnull=False).count() == 0
    # Issue states roll up from the measures written, as if each had been logged alone.
    for issue in Issue.objects.filter(case=result.case).prefetch_related("measures"):
        own = {m.state for m in Measure.objects.filter(issue__path__startswith=issue.path)}
        assert issue.state == roll_up(own)


def test_measures_get_the_issuers_unit_created_if_missing():
    parsed = parse_file(notice_path("wanzhi-2024.txt"))

    result = import_notice(parsed)

    unit = Unit.objects.get(name="中共湾沚区委")
    assert result.unit_created and unit.kind == Unit.Kind.PARTY
    assert set(Measure.objects.filter(case=result.case).values_list("lead_unit", flat=True)) == {unit.pk}


def test_an_existing_unit_chosen_by_the_administrator_is_used_and_none_created(unit):
    parsed = parse_file(notice_path("wanzhi-2024.txt"))
    before = Unit.objects.count()

    plan = preview_notice(parsed, unit=unit)
    result = import_notice(parsed, unit=unit)

    assert not plan.unit_created and not result.unit_created
    assert Unit.objects.count() == before
    assert set(Measure.objects.filter(case=result.case).values_list("lead_unit", flat=True)) == {unit.pk}


def test_measures_without_a_deadline_default_to_two_months_after_feedback_or_long_term():
    parsed = parse_file(notice_path("wanzhi-2024.txt"))

    result = import_notice(parsed)

    assert result.case.rectification_deadline == datetime.date(2023, 9, 10)
    measures = Measure.objects.filter(case=result.case)
    for measure, read in zip(measures.order_by("position"), parsed.measures(), strict=True):
        if read.deadline:
            assert measure.deadline == read.deadline
        elif measure.kind == Measure.Kind.LONG_TERM:
            assert measure.deadline is None
            assert "长期" in read.text or "久久为功" in read.text
        else:
            assert measure.deadline == datetime.date(2023, 9, 10)


def test_a_default_deadline_chosen_by_the_administrator_wins():
    parsed = parse_file(notice_path("zhengxiang-2024.txt"))
    chosen = datetime.date(2024, 12, 31)

    result = import_notice(parsed, default_deadline=chosen)

    undated = [r for r in parsed.measures() if not r.deadline]
    assert Measure.objects.filter(case=result.case, deadline=chosen).count() >= len(undated) - sum(
        1 for r in undated if "长期" in r.text
    )
    assert result.case.rectification_deadline == chosen


def test_a_failure_half_way_writes_nothing(monkeypatch):
    parsed = parse_file(notice_path("leizhou-2021.txt"))
    written = {}

    def fails_after_the_measures(objs, **kwargs):
        # The issues and measures are in by now: the failure must undo them too.
        written["measures"] = Measure.objects.count()
        raise RuntimeError("disk full")

    monkeypatch.setattr(ProgressUpdate.objects, "bulk_create", fails_after_the_measures)

    with pytest.raises(RuntimeError, match="disk full"):
        import_notice(parsed)

    assert written["measures"] == len(parsed.measures())  # it did get half way before failing
    assert not Notice.objects.exists()
    assert not Case.objects.exists()
    assert not Issue.objects.exists()
    assert not Measure.objects.exists()
    assert not ProgressUpdate.objects.exists()
    assert not Unit.objects.filter(name="中共雷州市委").exists()


def test_importing_the_same_text_twice_is_a_no_op_that_says_so():
    text = notice_text("laishan-2020.txt")
    first = import_notice(parse_text(text))
    counts = (Case.objects.count(), Issue.objects.count(), Measure.objects.count(), ProgressUpdate.objects.count())

    # The same notice pasted again, with Windows line ends and full-width spaces, is the same text.
    again = import_notice(parse_text(text.replace("\n", "\r\n").replace(" ", "\u3000")))

    assert again.duplicate and again.notice == first.notice and again.case == first.case
    assert "already imported" in again.message or "已导入" in again.message
    assert again.counts == {}
    assert (Case.objects.count(), Issue.objects.count(), Measure.objects.count(),
            ProgressUpdate.objects.count()) == counts
    assert Notice.objects.count() == 1
    assert preview_notice(parse_text(text)).is_duplicate


def _later_zhengxiang() -> str:
    """The same round's next notice: two items have moved on, one has new wording."""
    text = notice_text("zhengxiang-2024.txt")
    later = text.replace("1个问题正按计划推进", "1个问题已完成整改", 1).replace("正有序推进", "已全部整改到位", 1)
    later = later.replace("2024年8月26日", "2024年12月20日")
    assert later != text
    return later


def test_a_later_notice_of_the_same_round_updates_the_case_instead_of_creating_one():
    first = import_notice(parse_file(notice_path("zhengxiang-2024.txt")))
    before = dict(Measure.objects.filter(case=first.case).values_list("pk", "state"))
    issues_before = Issue.objects.count()

    later = parse_text(_later_zhengxiang())
    plan = preview_notice(later)
    result = import_notice(later)

    assert plan.case == first.case and not plan.creates_case
    assert result.case == first.case and not result.case_created and not result.duplicate
    assert Case.objects.count() == 1 and Notice.objects.count() == 2
    assert Issue.objects.count() == issues_before
    assert result.counts["issues_matched"] == issues_before and result.counts["measures_created"] == 0
    after = dict(Measure.objects.filter(case=first.case).values_list("pk", "state"))
    moved = {pk for pk in after if after[pk] != before[pk]}
    assert len(moved) == 2 and {after[pk] for pk in moved} == {State.COMPLETED}
    assert result.counts["measures_state_changed"] == 2
    updates = ProgressUpdate.objects.filter(source_notice=result.notice)
    assert set(updates.values_list("measure", flat=True)) >= moved
    for update in updates.filter(measure__in=moved):
        assert update.from_state == before[update.measure_id] and update.to_state == State.COMPLETED
        assert update.created_at.date() == datetime.date(2024, 12, 20)
    # Nothing else was touched: every other measure reads as the first notice left it.
    assert result.counts["measures_unchanged"] == len(after) - 2 - result.counts["measures_noted"]


def test_a_later_notice_does_not_let_the_parsers_default_undo_a_sign_off(supervisor, staff, unit):
    first = import_notice(parse_file(notice_path("zhengxiang-2024.txt")), unit=unit)
    # A measure people carried to completion since the notice, which the next notice
    # mentions without any state wording.
    measure = Measure.objects.filter(case=first.case, state=State.IN_PROGRESS).order_by("position").first()
    services.transition_measure(measure=measure, to_state=State.SUBMITTED, by=staff, note="已整改")
    services.transition_measure(measure=measure, to_state=State.COMPLETED, by=supervisor, note="同意销号")
    later = parse_text(_later_zhengxiang())
    read = next(m for m in later.measures() if normalise_key(m.text) == normalise_key(measure.text))

    import_notice(later)

    measure.refresh_from_db()
    if read.state_basis == "default":
        assert measure.state == State.COMPLETED
    else:  # the notice says so in words: it is the authority
        assert measure.state == read.proposed_state


def test_a_notice_of_another_round_creates_its_own_case():
    import_notice(parse_file(notice_path("zhengxiang-2024.txt")))
    other = _later_zhengxiang().replace("2023年12月21日", "2025年3月3日").replace("2023年9月6日", "2025年1月6日")
    parsed = parse_text(other)
    assert parsed.header.feedback_on != datetime.date(2023, 12, 21)

    result = import_notice(parsed)

    assert result.case_created and Case.objects.count() == 2


def test_a_round_is_matched_on_body_team_and_dates():
    parsed = parse_file(notice_path("wanzhi-2024.txt"))
    header = parsed.header
    same = factories.CaseFactory(inspected_body=header.inspected_body, inspection_team=header.inspection_team,
                                 feedback_on=header.feedback_on, inspection_start=None, inspection_end=None)
    factories.CaseFactory(inspected_body=header.inspected_body, inspection_team=header.inspection_team,
                          feedback_on=datetime.date(2019, 1, 1))
    factories.CaseFactory(inspected_body="别的区", inspection_team=header.inspection_team,
                          feedback_on=header.feedback_on)

    case, reason = find_case(parsed, organisation=same.organisation)

    assert case == same and reason


def test_issue_matching_ignores_width_spaces_and_punctuation():
    assert normalise_key("（三）关于 意识形态问题。") == normalise_key("(三)关于意识形态问题")
    assert normalise_key("1．关于……问题") == normalise_key("1.关于问题")
    assert normalise_key("（1）甲") != normalise_key("（2）甲")


@time_machine.travel(datetime.datetime(2025, 1, 1, 9, tzinfo=datetime.UTC))
def test_the_preview_writes_nothing_and_says_what_would_happen():
    parsed = parse_file(notice_path("leizhou-2021.txt"))

    plan = preview_notice(parsed)

    assert plan.creates_case and plan.unit_created and plan.unit_name == "中共雷州市委"
    counts = plan.counts()
    assert counts["issues_created"] == sum(parsed.level_counts())
    assert counts["measures_created"] == len(parsed.measures())
    assert plan.found()["problems"] == len(parsed.problems())
    assert plan.parsed.header.declared == {"measures": 62}
    assert any("中共雷州市委" in note for note in plan.notes)
    data = plan.as_dict()
    json.dumps(data)  # the API returns it as it is
    assert data["case"]["action"] == "create" and data["unit"]["created"]
    assert not (Notice.objects.exists() or Case.objects.exists() or Unit.objects.exists())


@pytest.mark.parametrize("name", sorted(README_TREES))
def test_the_dry_run_json_of_each_notice_is_the_parsers_tree(name):
    path = notice_path(name)
    out = StringIO()

    call_command("import_notice", str(path), "--dry-run", "--json", stdout=out)

    data = json.loads(out.getvalue())
    snapshot = SNAPSHOTS / f"{Path(name).stem}.json"
    if snapshot.exists():
        assert data == json.loads(snapshot.read_text(encoding="utf-8"))
    for key in ("title", "issuer", "signed_on", "inspection_team", "inspection_start", "inspection_end",
                "feedback_on", "declared", "warnings", "issues"):
        assert key in data
    levels, _problems = README_TREES[name]
    assert len(data["issues"]) == levels[0]
    node = data["issues"][0]
    assert {"label", "title", "children", "measures"} <= set(node)
    for key in ("signed_on", "inspection_start", "feedback_on"):
        assert data[key] is None or datetime.date.fromisoformat(data[key])
    assert not Notice.objects.exists() and not Case.objects.exists()
