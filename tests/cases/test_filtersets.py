"""One test per filter of every FilterSet (cases/filters.py and notices/api/filters.py), on a
queryset already scoped by `restrict`: each filter keeps exactly the rows it names, and a choice
the user may not see is refused rather than applied."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.test import RequestFactory
from django.utils import timezone

from cases import services
from cases.filters import (
    CaseFilterSet,
    IssueFilterSet,
    MeasureFilterSet,
    ProgressUpdateFilterSet,
    ReminderFilterSet,
)
from cases.models import Case, Issue, Measure, ProgressUpdate, Reminder
from cases.states import Action, State
from notices.api.filters import NoticeFilterSet
from notices.models import Notice
from tests import factories

TODAY = datetime.date(2026, 3, 4)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2026, 3, 4, 10, tzinfo=datetime.UTC), tick=False):
        yield


def _pks(filterset_class, data, queryset, user):
    request = RequestFactory().get("/")
    request.user = user
    filterset = filterset_class(data, queryset=queryset, request=request)
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


def _errors(filterset_class, data, queryset, user):
    request = RequestFactory().get("/")
    request.user = user
    filterset = filterset_class(data, queryset=queryset, request=request)
    return filterset.errors if not filterset.is_valid() else {}


# --- Measures ---------------------------------------------------------------------------------


@pytest.fixture
def measures(unit, other_unit, case, supervisor):
    sub = factories.UnitFactory(parent=unit, name="下级单位")
    leader = factories.UserFactory(name="赵领导")
    second = factories.CaseFactory(title="第二个案件")
    parent_issue = factories.IssueFactory(case=case, kind=Issue.Kind.GROUP, title="方面一")
    child_issue = factories.IssueFactory(case=case, parent=parent_issue, title="问题一")
    m = {
        "late": factories.MeasureFactory(lead_unit=unit, issue=child_issue, state=State.IN_PROGRESS,
                                         deadline=TODAY - datetime.timedelta(days=5), text="建立整改台账制度"),
        "soon": factories.MeasureFactory(lead_unit=other_unit, issue__case=case, state=State.PHASED,
                                         deadline=TODAY + datetime.timedelta(days=3), lead_leader=leader),
        "done": factories.MeasureFactory(lead_unit=sub, issue__case=second, state=State.COMPLETED,
                                         deadline=TODAY - datetime.timedelta(days=30), completed_at=timezone.now()),
        "later": factories.MeasureFactory(lead_unit=other_unit, issue__case=second, state=State.PLANNED,
                                          deadline=TODAY + datetime.timedelta(days=60), kind=Measure.Kind.IMMEDIATE),
    }
    m["later"].supporting_units.add(unit)
    m.update(unit=unit, sub=sub, other_unit=other_unit, leader=leader, case=case, second=second,
             parent_issue=parent_issue, supervisor=supervisor)
    return m


def _measures(m, data):
    user = m["supervisor"]
    return _pks(MeasureFilterSet, data, Measure.objects.restrict(user), user)


def _ids(m, *names):
    return {m[n].pk for n in names}


def test_measure_state(measures):
    assert _measures(measures, {"state": [State.PHASED, State.PLANNED]}) == _ids(measures, "soon", "later")


def test_measure_ongoing(measures):
    assert _measures(measures, {"ongoing": "true"}) == _ids(measures, "late", "soon", "later")
    assert _measures(measures, {"ongoing": "false"}) == _ids(measures, "done")


def test_measure_overdue(measures):
    assert _measures(measures, {"overdue": "true"}) == _ids(measures, "late")
    assert _measures(measures, {"overdue": "false"}) == _ids(measures, "soon", "done", "later")


def test_measure_overdue_on(measures):
    assert _measures(measures, {"overdue_on": "2026-03-10"}) == _ids(measures, "late", "soon")


def test_measure_due_within(measures):
    assert _measures(measures, {"due_within": "7"}) == _ids(measures, "soon")


def test_measure_due_before(measures):
    assert _measures(measures, {"due_before": "2026-03-04"}) == _ids(measures, "late", "done")


def test_measure_due_after(measures):
    assert _measures(measures, {"due_after": "2026-03-04"}) == _ids(measures, "soon", "later")


def test_measure_unit_includes_sub_units_and_supporting(measures):
    assert _measures(measures, {"unit": [measures["unit"].pk]}) == _ids(measures, "late", "done", "later")


def test_measure_lead_unit(measures):
    assert _measures(measures, {"lead_unit": [measures["other_unit"].pk]}) == _ids(measures, "soon", "later")


def test_measure_case(measures):
    assert _measures(measures, {"case": [measures["second"].pk]}) == _ids(measures, "done", "later")


def test_measure_issue_includes_sub_issues(measures):
    assert _measures(measures, {"issue": measures["parent_issue"].pk}) == _ids(measures, "late")


def test_measure_kind(measures):
    assert _measures(measures, {"kind": [Measure.Kind.IMMEDIATE]}) == _ids(measures, "later")


def test_measure_lead_leader(measures):
    assert _measures(measures, {"lead_leader": measures["leader"].pk}) == _ids(measures, "soon")


def test_measure_q_every_word(measures):
    assert _measures(measures, {"q": "整改台账 建立"}) == _ids(measures, "late")


@pytest.mark.parametrize("term, names", [
    ("台账", ("late",)), ("账", ("late",)),  # the measure's text
    ("题一", ("late",)), ("下级", ("done",)), ("赵", ("soon",)),  # its issue's title, its unit's, its leader's name
    ("台账 建立", ("late",)), ("账台", ()),  # every term must match; two characters that never stand together
])
def test_measure_q_one_or_two_characters(measures, term, names):
    """Terms too short for a trigram: on PostgreSQL the text through the short-grams index
    (migration cases 0023), with the same answers as SQLite's LIKE."""
    assert _measures(measures, {"q": term}) == _ids(measures, *names)


@pytest.mark.parametrize("term, names", [
    ("台账", ("late",)), ("整改台账", ("late",)), ("题一", ("late",)), ("下级", ("done",)), ("赵", ("soon",)),
    ("下级单位", ("done",)), ("赵领导", ("soon",)), ("台账 建立", ("late",)), ("账台", ()),
])
def test_a_common_term_is_one_or_with_the_same_answers(measures, monkeypatch, term, names):
    """A term the planner expects in more than COMMON_TERM_ROWS measures is matched row by row
    (one OR, no UNION gathering every match): here every term counts as common, and each still
    finds what the UNION form finds, by its text, issue title, unit or leader."""
    from django.db import connection

    from cases import filters

    monkeypatch.setattr(filters, "COMMON_TERM_ROWS", -1)
    assert _measures(measures, {"q": term}) == _ids(measures, *names)
    sql = str(filters.search_measures(Measure.objects.all(), term).query)
    assert ("UNION" in sql) is (connection.vendor != "postgresql")
    monkeypatch.setattr(filters, "COMMON_TERM_ROWS", 10**9)
    assert "UNION" in str(filters.search_measures(Measure.objects.all(), term).query)


def test_short_terms_use_the_short_grams_index_on_postgresql(measures):
    from django.db import connection

    from cases.filters import search_measures

    if connection.vendor != "postgresql":
        # Nothing to show on SQLite, which has no such index: the answers above are its test.
        assert "rectify_short_grams" not in str(search_measures(Measure.objects.all(), "台账").query)
        return
    sql = str(search_measures(Measure.objects.all(), "台账").query)
    assert "rectify_short_grams" in sql
    with connection.cursor() as cur:
        cur.execute("SELECT rectify_short_grams('一是', '建立台账')")
        grams = set(cur.fetchone()[0])
    assert {"一", "一是", "台账", "建立", "账"} <= grams and not any(" " in g for g in grams)


def test_measure_ordering(measures):
    user = measures["supervisor"]
    request = RequestFactory().get("/")
    request.user = user
    ordered = MeasureFilterSet({"ordering": "-deadline"}, queryset=Measure.objects.restrict(user), request=request).qs
    assert [m.pk for m in ordered] == [measures[n].pk for n in ("later", "soon", "late", "done")]


def test_measure_organisation_includes_those_below(measures, supervisor):
    county = factories.OrganisationFactory(name="上级县")
    town = factories.OrganisationFactory(name="下属镇", parent=county)
    there = factories.MeasureFactory(issue__case=factories.CaseFactory(organisation=town),
                                     lead_unit=factories.UnitFactory(organisation=town))
    admin = factories.UserFactory(role="admin", organisations=[county])
    assert _pks(MeasureFilterSet, {"organisation": county.pk}, Measure.objects.restrict(admin), admin) == {there.pk}


def test_measure_urging_level_of_ongoing_items(measures):
    from cases.urging.models import Ladder, LadderLevel

    ladder = Ladder.objects.create(name="测试阶梯")
    yellow = LadderLevel.objects.create(ladder=ladder, rank=1, name="黄色预警", threshold_days=-3, colour="orange")
    red = LadderLevel.objects.create(ladder=ladder, rank=2, name="红色督办", threshold_days=5, colour="red")
    Measure.objects.filter(pk__in=_ids(measures, "soon", "done")).update(urging_level=yellow)
    Measure.objects.filter(pk=measures["late"].pk).update(urging_level=red)
    assert _measures(measures, {"urging_level": [yellow.pk]}) == _ids(measures, "soon")  # "done" is not ongoing
    assert _measures(measures, {"urging_level": [yellow.pk, red.pk]}) == _ids(measures, "late", "soon")


def test_measure_hidden_case_is_refused_not_applied(measures, staff):
    hidden = factories.CaseFactory(organisation=factories.OrganisationFactory())
    assert "case" in _errors(MeasureFilterSet, {"case": [hidden.pk]}, Measure.objects.restrict(staff), staff)


# --- Issues ----------------------------------------------------------------------------------


@pytest.fixture
def issues(case, supervisor):
    group = factories.IssueFactory(case=case, kind=Issue.Kind.GROUP, title="落实主体责任方面", parent=None)
    problem = factories.IssueFactory(case=case, kind=Issue.Kind.PROBLEM, title="责任传导不到位", parent=group,
                                     state=State.PHASED, text="压力层层递减")
    other = factories.IssueFactory(case=factories.CaseFactory(), kind=Issue.Kind.PROBLEM, title="其他问题",
                                   label="（九）")
    return {"group": group, "problem": problem, "other": other, "case": case, "user": supervisor}


def _issues(i, data):
    return _pks(IssueFilterSet, data, Issue.objects.restrict(i["user"]), i["user"])


def test_issue_case(issues):
    assert _issues(issues, {"case": [issues["case"].pk]}) == {issues["group"].pk, issues["problem"].pk}


def test_issue_kind(issues):
    assert _issues(issues, {"kind": [Issue.Kind.GROUP]}) == {issues["group"].pk}


def test_issue_state(issues):
    assert _issues(issues, {"state": [State.PHASED]}) == {issues["problem"].pk}


def test_issue_parent(issues):
    assert _issues(issues, {"parent": issues["group"].pk}) == {issues["problem"].pk}


def test_issue_root(issues):
    assert _issues(issues, {"root": "true"}) == {issues["group"].pk, issues["other"].pk}


def test_issue_q_in_title_text_or_label(issues):
    assert _issues(issues, {"q": "层层"}) == {issues["problem"].pk}
    assert _issues(issues, {"q": "（九）"}) == {issues["other"].pk}


# --- Cases -----------------------------------------------------------------------------------


@pytest.fixture
def cases(supervisor):
    a = factories.CaseFactory(kind=Case.Kind.INSPECTION, feedback_on=datetime.date(2025, 6, 1),
                              inspection_team="省委第二巡视组")
    b = factories.CaseFactory(kind=Case.Kind.AUDIT, feedback_on=datetime.date(2026, 2, 1), inspected_body="某某局")
    return {"a": a, "b": b, "user": supervisor}


def _cases(c, data):
    return _pks(CaseFilterSet, data, Case.objects.restrict(c["user"]), c["user"])


def test_case_kind(cases):
    assert _cases(cases, {"kind": [Case.Kind.AUDIT]}) == {cases["b"].pk}


def test_case_feedback_after(cases):
    assert _cases(cases, {"feedback_after": "2026-01-01"}) == {cases["b"].pk}


def test_case_feedback_before(cases):
    assert _cases(cases, {"feedback_before": "2025-12-31"}) == {cases["a"].pk}


def test_case_q(cases):
    assert _cases(cases, {"q": "第二巡视组"}) == {cases["a"].pk}
    assert _cases(cases, {"q": "某某局"}) == {cases["b"].pk}


# --- Progress log ----------------------------------------------------------------------------


@pytest.fixture
def log(measure, other_measure, staff, supervisor):
    first = services.log_progress(measure=measure, by=staff, note="第一次", to_state=State.IN_PROGRESS)
    with time_machine.travel(datetime.datetime(2026, 3, 6, 10, tzinfo=datetime.UTC), tick=False):
        second = services.log_progress(measure=other_measure, by=supervisor, note="督办意见")
    return {"first": first, "second": second, "measure": measure, "other": other_measure, "staff": staff,
            "user": supervisor}


def _log(entry, data):
    return _pks(ProgressUpdateFilterSet, data, ProgressUpdate.objects.restrict(entry["user"]), entry["user"])


def test_progress_measure(log):
    assert _log(log, {"measure": log["measure"].pk}) == {log["first"].pk}


def test_progress_case(log):
    other_case = factories.CaseFactory()
    assert _log(log, {"case": log["measure"].case_id}) == {log["first"].pk, log["second"].pk}
    assert _log(log, {"case": other_case.pk}) == set()


def test_progress_author(log):
    assert _log(log, {"author": log["staff"].pk}) == {log["first"].pk}


def test_progress_action(log):
    assert _log(log, {"action": Action.NOTE}) == {log["second"].pk}


def test_progress_since(log):
    assert _log(log, {"since": "2026-03-05T00:00"}) == {log["second"].pk}


def test_progress_until(log):
    assert _log(log, {"until": "2026-03-05T00:00"}) == {log["first"].pk}


def test_progress_of_a_hidden_measure_is_refused(log, other_staff, staff):
    assert "measure" in _errors(ProgressUpdateFilterSet, {"measure": log["other"].pk},
                                ProgressUpdate.objects.restrict(staff), staff)


# --- Reminders -------------------------------------------------------------------------------


@pytest.fixture
def reminders(unit, other_unit, supervisor):
    week = datetime.date(2026, 3, 2)
    a = Reminder.objects.create(kind=Reminder.Kind.UNIT_DIGEST, level=Reminder.Level.OVERDUE, period=week,
                                recipient_email="a@example.cn", unit=unit, status=Reminder.Status.SENT,
                                sent_at=timezone.now())
    b = Reminder.objects.create(kind=Reminder.Kind.ESCALATION, level=Reminder.Level.ESCALATED,
                                period=week - datetime.timedelta(weeks=1), recipient_email="b@example.cn",
                                unit=other_unit, status=Reminder.Status.FAILED)
    return {"a": a, "b": b, "unit": unit, "user": supervisor}


def _reminders(r, data):
    return _pks(ReminderFilterSet, data, Reminder.objects.restrict(r["user"]), r["user"])


def test_reminder_period(reminders):
    assert _reminders(reminders, {"period": "2026-03-02"}) == {reminders["a"].pk}


def test_reminder_status(reminders):
    assert _reminders(reminders, {"status": Reminder.Status.FAILED}) == {reminders["b"].pk}


def test_reminder_kind(reminders):
    assert _reminders(reminders, {"kind": Reminder.Kind.ESCALATION}) == {reminders["b"].pk}


def test_reminder_level(reminders):
    assert _reminders(reminders, {"level": Reminder.Level.OVERDUE}) == {reminders["a"].pk}


def test_reminder_unit(reminders):
    assert _reminders(reminders, {"unit": reminders["unit"].pk}) == {reminders["a"].pk}


# --- Notices ---------------------------------------------------------------------------------


@pytest.fixture
def notices(case, rectify_admin):
    a = Notice.objects.create(kind=Notice.Kind.FEEDBACK, title="巡视反馈意见", issuer="省委巡视办", case=case,
                              published_on=datetime.date(2025, 5, 1), raw_text="甲", content_hash="a" * 64)
    b = Notice.objects.create(kind=Notice.Kind.PROGRESS, title="整改进展情况通报", issuer="中共湾沚区委",
                              published_on=datetime.date(2026, 1, 5), raw_text="乙", content_hash="b" * 64)
    return {"a": a, "b": b, "case": case, "user": rectify_admin}


def _notices(n, data):
    return _pks(NoticeFilterSet, data, Notice.objects.restrict(n["user"]), n["user"])


def test_notice_kind(notices):
    assert _notices(notices, {"kind": Notice.Kind.PROGRESS}) == {notices["b"].pk}


def test_notice_case(notices):
    assert _notices(notices, {"case": notices["case"].pk}) == {notices["a"].pk}


def test_notice_published_after(notices):
    assert _notices(notices, {"published_after": "2026-01-01"}) == {notices["b"].pk}


def test_notice_published_before(notices):
    assert _notices(notices, {"published_before": "2025-12-31"}) == {notices["a"].pk}


def test_notice_q_in_title_or_issuer(notices):
    assert _notices(notices, {"q": "湾沚"}) == {notices["b"].pk}
    assert _notices(notices, {"q": "反馈"}) == {notices["a"].pk}


def test_every_filter_has_a_test():
    """A new filter without a test here fails this one."""
    import inspect
    import sys

    source = inspect.getsource(sys.modules[__name__])
    prefixes = {MeasureFilterSet: "measure", IssueFilterSet: "issue", CaseFilterSet: "case",
                ProgressUpdateFilterSet: "progress", ReminderFilterSet: "reminder", NoticeFilterSet: "notice"}
    missing = []
    for filterset, prefix in prefixes.items():
        for name in filterset.base_filters:
            if not any(line.startswith(f"def test_{prefix}_{name}") for line in source.splitlines()):
                missing.append(f"{filterset.__name__}.{name}")
    assert not missing, missing
