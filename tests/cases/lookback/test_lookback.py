"""Look-backs: the schedule per kind and where it is set, both outcomes through the services,
the lagging rule of 长期坚持 items, the summaries, the queue page and the weekly reminders."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases.lookback import reminders, schedule, selectors, services
from cases.lookback.models import Lookback, LookbackPolicy, LookbackReminder, Period
from cases.models import Measure, ProgressUpdate
from cases.states import Action, State
from tests import factories

TODAY = datetime.date(2026, 6, 10)  # a Wednesday
PDF = b"%PDF-1.4\n% evidence\n"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2026, 6, 10, 2, tzinfo=datetime.UTC), tick=False):
        yield


def aware(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def completed(unit, case, *, on: datetime.date, kind=Measure.Kind.BY_DEADLINE, **kw) -> Measure:
    return factories.MeasureFactory(lead_unit=unit, issue__case=case, kind=kind, state=State.COMPLETED,
                                    completed_at=aware(on), deadline=on, **kw)


# --- The schedule ----------------------------------------------------------------------


def test_it_adds_months_clamping_to_the_month_end():
    assert schedule.add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert schedule.add_months(datetime.date(2025, 11, 30), 3) == datetime.date(2026, 2, 28)


def test_a_look_back_due_on_a_holiday_moves_to_the_next_working_day(db):
    # 2026-05-01 to 05-05 is the Labour Day holiday (chinese_calendar): 05-02 moves to 05-06.
    assert schedule.due_after_completion(datetime.date(2026, 3, 2), 2) == datetime.date(2026, 5, 6)
    assert schedule.due_after_completion(datetime.date(2026, 3, 4), 3) == datetime.date(2026, 6, 4)


def test_periods():
    day = datetime.date(2026, 6, 10)
    assert schedule.period_bounds(Period.WEEK, day) == (datetime.date(2026, 6, 8), datetime.date(2026, 6, 14))
    assert schedule.period_bounds(Period.MONTH, day) == (datetime.date(2026, 6, 1), datetime.date(2026, 6, 30))
    assert schedule.period_bounds(Period.QUARTER, day) == (datetime.date(2026, 4, 1), datetime.date(2026, 6, 30))
    assert schedule.previous_period(Period.MONTH, day) == (datetime.date(2026, 5, 1), datetime.date(2026, 5, 31))


def test_default_rules_per_kind(db, unit, case):
    immediate = completed(unit, case, on=datetime.date(2026, 3, 2), kind=Measure.Kind.IMMEDIATE)
    by_deadline = completed(unit, case, on=datetime.date(2026, 3, 2))
    assert services.plan_lookbacks().created == 2
    assert Lookback.objects.get(measure=immediate).due_on == datetime.date(2026, 6, 2)
    assert Lookback.objects.get(measure=by_deadline).due_on == datetime.date(2026, 9, 2)


def test_rules_come_from_the_case_then_the_organisation_then_above_it(db):
    province = factories.OrganisationFactory(name="省")
    county = factories.OrganisationFactory(name="县", parent=province)
    unit = factories.UnitFactory(organisation=county)
    case = factories.CaseFactory(organisation=county)
    other_case = factories.CaseFactory(organisation=county)
    LookbackPolicy.objects.create(organisation=province, kind="by_deadline", months_after_completion=2)
    a = completed(unit, case, on=datetime.date(2026, 3, 2))
    b = completed(unit, other_case, on=datetime.date(2026, 3, 2))
    services.plan_lookbacks()
    assert Lookback.objects.get(measure=a).due_on == datetime.date(2026, 5, 6)  # 5-2..5-5 is 劳动节
    LookbackPolicy.objects.create(organisation=county, kind="by_deadline", months_after_completion=4)
    LookbackPolicy.objects.create(case=case, kind="by_deadline", months_after_completion=1)
    result = services.plan_lookbacks()
    assert result.rescheduled == 2 and result.created == 0
    assert Lookback.objects.get(measure=a).due_on == datetime.date(2026, 4, 2)
    assert Lookback.objects.get(measure=b).due_on == datetime.date(2026, 7, 2)


def test_a_policy_needs_its_rule_and_one_owner(db, case):
    with pytest.raises(ValidationError) as err:
        LookbackPolicy(case=case, kind="long_term").full_clean()
    assert "period" in err.value.message_dict
    with pytest.raises(ValidationError):
        LookbackPolicy(kind="immediate", months_after_completion=3).full_clean()


def test_planning_twice_plans_once_and_a_reopened_item_loses_its_pending_check(db, unit, case, supervisor):
    m = completed(unit, case, on=datetime.date(2026, 3, 2))
    assert services.plan_lookbacks().created == 1
    assert services.plan_lookbacks().created == 0
    from cases import services as case_services

    case_services.transition_measure(measure=m, to_state=State.RELAPSED, by=supervisor, note="群众反映问题复发")
    assert services.plan_lookbacks().dropped == 1
    assert not Lookback.objects.exists()


def test_long_term_items_are_not_planned_after_completion(db, unit, case):
    completed(unit, case, on=datetime.date(2026, 3, 2), kind=Measure.Kind.LONG_TERM)
    assert services.plan_lookbacks().created == 0


# --- Outcomes --------------------------------------------------------------------------


def test_held_is_a_progress_entry_with_its_evidence(db, unit, case, supervisor):
    m = completed(unit, case, on=datetime.date(2026, 3, 2), kind=Measure.Kind.IMMEDIATE)
    services.plan_lookbacks()
    row = services.record_lookback(measure=m, by=supervisor, outcome=Lookback.Outcome.HELD, note="实地核查,未反弹",
                                   files=[SimpleUploadedFile("核查记录.pdf", PDF)])
    m.refresh_from_db()
    assert m.state == State.COMPLETED
    assert row.outcome == Lookback.Outcome.HELD and row.by == supervisor and row.checked_at
    assert row.progress.action == Action.NOTE and "实地核查,未反弹" in row.progress.note
    assert row.progress.evidence.get().original_name == "核查记录.pdf"
    with pytest.raises(ValidationError):
        services.record_lookback(measure=m, by=supervisor, outcome=Lookback.Outcome.HELD, note="再次")


def test_relapsed_reopens_the_item_with_the_finding_as_reason(db, unit, case, supervisor):
    m = completed(unit, case, on=datetime.date(2026, 3, 2))
    services.plan_lookbacks()
    row = services.record_lookback(measure=m, by=supervisor, outcome=Lookback.Outcome.RELAPSED,
                                   note="违规收费问题再次出现")
    m.refresh_from_db()
    assert m.state == State.RELAPSED
    assert row.progress.action == Action.REOPEN and "违规收费问题再次出现" in row.progress.note
    assert m.signoffs.get().decision == "reopen"
    assert Lookback.objects.get().outcome == Lookback.Outcome.RELAPSED


def test_a_look_back_needs_a_finding_a_completed_item_and_a_supervisor(db, unit, case, supervisor, staff, measure):
    m = completed(unit, case, on=datetime.date(2026, 3, 2))
    with pytest.raises(ValidationError) as err:
        services.record_lookback(measure=m, by=supervisor, outcome=Lookback.Outcome.RELAPSED, note=" ")
    assert "note" in err.value.message_dict
    with pytest.raises(PermissionDenied):
        services.record_lookback(measure=m, by=staff, outcome=Lookback.Outcome.HELD, note="好")
    with pytest.raises(ValidationError):
        services.record_lookback(measure=measure, by=supervisor, outcome=Lookback.Outcome.HELD, note="好")
    assert not Lookback.objects.exists() and not ProgressUpdate.objects.exists()


# --- 长期坚持: every period ---------------------------------------------------------------


def test_a_long_term_item_without_an_entry_last_period_is_lagging(db, unit, case, supervisor):
    created = aware(datetime.date(2026, 1, 5))
    quiet = factories.MeasureFactory(lead_unit=unit, issue__case=case, kind=Measure.Kind.LONG_TERM, deadline=None)
    reported = factories.MeasureFactory(lead_unit=unit, issue__case=case, kind=Measure.Kind.LONG_TERM, deadline=None)
    new = factories.MeasureFactory(lead_unit=unit, issue__case=case, kind=Measure.Kind.LONG_TERM, deadline=None)
    Measure.objects.filter(pk__in=[quiet.pk, reported.pk]).update(created_at=created)
    ProgressUpdate.objects.create(measure=reported, action=Action.NOTE, note="5月坚持情况", from_state="planned",
                                  to_state="planned", created_at=aware(datetime.date(2026, 5, 20)))
    # A moved deadline is not a report.
    ProgressUpdate.objects.create(measure=quiet, action=Action.DEADLINE, note="延期", from_state="planned",
                                  to_state="planned", created_at=aware(datetime.date(2026, 5, 20)))
    lagging = set(selectors.long_term_lagging(Measure.objects.all(), on=TODAY).values_list("pk", flat=True))
    assert lagging == {quiet.pk}  # `new` came after May began
    due = set(selectors.long_term_without_entry(Measure.objects.all(), on=TODAY).values_list("pk", flat=True))
    assert due == {quiet.pk, reported.pk, new.pk}
    services.record_lookback(measure=reported, by=supervisor, outcome=Lookback.Outcome.HELD, note="6月坚持")
    due = set(selectors.long_term_without_entry(Measure.objects.all(), on=TODAY).values_list("pk", flat=True))
    assert due == {quiet.pk, new.pk}
    assert Lookback.objects.get(measure=reported).period_start == datetime.date(2026, 6, 1)


def test_a_weekly_rule_on_the_case_makes_last_week_the_period(db, unit, case):
    LookbackPolicy.objects.create(case=case, kind="long_term", period=Period.WEEK)
    m = factories.MeasureFactory(lead_unit=unit, issue__case=case, kind=Measure.Kind.LONG_TERM, deadline=None)
    Measure.objects.filter(pk=m.pk).update(created_at=aware(datetime.date(2026, 5, 1)))
    ProgressUpdate.objects.create(measure=m, action=Action.NOTE, note="5月", from_state="planned",
                                  to_state="planned", created_at=aware(datetime.date(2026, 5, 29)))
    assert list(selectors.long_term_lagging(Measure.objects.all(), on=TODAY)) == [m]


# --- Summaries and the page -----------------------------------------------------------------


def test_summary_per_case_and_unit(db, unit, other_unit, case, supervisor):
    a = completed(unit, case, on=datetime.date(2026, 1, 5), kind=Measure.Kind.IMMEDIATE)
    b = completed(unit, case, on=datetime.date(2026, 1, 5), kind=Measure.Kind.IMMEDIATE)
    completed(other_unit, case, on=datetime.date(2026, 2, 2), kind=Measure.Kind.IMMEDIATE)
    services.plan_lookbacks()
    services.record_lookback(measure=a, by=supervisor, outcome="held", note="巩固")
    services.record_lookback(measure=b, by=supervisor, outcome="relapsed", note="反弹")
    by_unit = {r.key: r for r in selectors.summary(Lookback.objects.all(), Measure.objects.all(), on=TODAY,
                                                    by="unit")}
    assert (by_unit[unit.pk].checked, by_unit[unit.pk].held, by_unit[unit.pk].relapsed) == (2, 1, 1)
    assert (by_unit[other_unit.pk].due, by_unit[other_unit.pk].overdue) == (1, 1)
    [row] = selectors.summary(Lookback.objects.all(), Measure.objects.all(), on=TODAY, by="case")
    assert (row.key, row.checked, row.held, row.relapsed, row.due) == (case.pk, 2, 1, 1, 1)


def test_the_queue_page_records_an_outcome(client, db, unit, case, supervisor):
    m = completed(unit, case, on=datetime.date(2026, 2, 2))
    LookbackPolicy.objects.create(case=case, kind="by_deadline", months_after_completion=3)
    services.plan_lookbacks()
    client.force_login(supervisor)
    page = client.get(reverse("cases:lookback-queue"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert [r["measure"].pk for r in page.context["due_rows"]] == [m.pk]
    assert "回头看" in page.content.decode()
    # No finding: refused, nothing written, the reason beside the field.
    data = {f"lb{m.pk}-version": m.version, f"lb{m.pk}-outcome": "relapsed", f"lb{m.pk}-note": ""}
    refused = client.post(reverse("cases:lookback-record", args=[m.pk]), data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400 and Lookback.objects.get().outcome == "pending"
    data[f"lb{m.pk}-note"] = "回访发现问题复发"
    done = client.post(reverse("cases:lookback-record", args=[m.pk]), data)
    assert done.status_code == 302
    m.refresh_from_db()
    assert m.state == State.RELAPSED


def test_staff_cannot_open_the_queue_and_another_organisation_is_invisible(client, db, staff, unit, case):
    client.force_login(staff)
    assert client.get(reverse("cases:lookback-queue")).status_code == 403
    other_org = factories.OrganisationFactory()
    elsewhere = completed(factories.UnitFactory(organisation=other_org), factories.CaseFactory(organisation=other_org),
                          on=datetime.date(2026, 1, 5), kind=Measure.Kind.IMMEDIATE)
    services.plan_lookbacks()
    sup = factories.UserFactory(role="supervisor")  # supervises the default organisation only
    client.force_login(sup)
    assert client.get(reverse("cases:lookback-queue")).context["due_rows"] == []
    response = client.post(reverse("cases:lookback-record", args=[elsewhere.pk]),
                           {f"lb{elsewhere.pk}-outcome": "held", f"lb{elsewhere.pk}-note": "x",
                            f"lb{elsewhere.pk}-version": 1})
    assert response.status_code == 404


# --- Reminders -------------------------------------------------------------------------------


def test_reminders_go_once_a_week_to_the_unit_its_liaison_and_the_supervisor(db, unit, case, staff, supervisor):
    completed(unit, case, on=datetime.date(2026, 3, 6), kind=Measure.Kind.IMMEDIATE)  # due 6-8: overdue
    completed(unit, case, on=datetime.date(2026, 1, 5))  # due 7-6: not yet
    services.plan_lookbacks()
    result = reminders.send_week(on=TODAY)
    assert result["sent"] == 3
    addresses = sorted(m.to[0] for m in mail.outbox)
    assert addresses == sorted([unit.email, staff.email, supervisor.email])
    body = mail.outbox[0].body
    assert "回头看" in mail.outbox[0].subject and "/items/" in body
    assert reminders.send_week(on=TODAY + datetime.timedelta(days=1))["sent"] == 0
    assert LookbackReminder.objects.filter(status="sent").count() == 3


def test_saving_a_rule_in_the_admin_moves_the_pending_due_dates(client, db, unit, case, supervisor):
    m = completed(unit, case, on=datetime.date(2026, 3, 2))
    services.plan_lookbacks()
    assert Lookback.objects.get(measure=m).due_on == datetime.date(2026, 9, 2)
    client.force_login(supervisor)
    response = client.post(reverse("admin:cases_lookbackpolicy_add"), {
        "case": case.pk, "kind": "by_deadline", "months_after_completion": 1, "period": "", "organisation": ""})
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Lookback.objects.get(measure=m).due_on == datetime.date(2026, 4, 2)
