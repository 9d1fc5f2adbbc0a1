"""Demo data for look-backs, outcome figures and the periodic reports (called by `cases.demo`).

Everything goes through the services: the county's look-back rules, the checks of its items
(one held, one relapsed, the rest waiting in the queue), outcome figures on some progress
entries spread over the last month, and the county leaders' weekly and monthly reports.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from accounts.models import User
from cases.lookback import schedule
from cases.lookback import services as lookback_services
from cases.lookback.models import Lookback, LookbackPolicy, Period
from cases.models import Measure
from cases.outcomes import services as outcome_services
from cases.outcomes.models import OutcomeFigure
from cases.states import State

from .models import ReportSubscription


def _sign_off_earlier(lookback: Lookback, signed_on: datetime.date, months: int) -> None:
    """Move an item's history back so that it was signed off on `signed_on`: its entries and
    sign-off records shift together (their order kept, none before the feedback), then its
    completion and its pending look-back follow."""
    from django.db.models import Max

    from cases.models import ProgressUpdate, SignOff

    measure = Measure.objects.select_related("case").get(pk=lookback.measure_id)
    old = measure.completed_at
    shift = timezone.make_aware(datetime.datetime.combine(signed_on, timezone.localtime(old).time())) - old
    floor = timezone.make_aware(datetime.datetime.combine(measure.case.feedback_on, datetime.time(9)))
    for model in (ProgressUpdate, SignOff):
        for pk, created in model.objects.filter(measure=measure).values_list("pk", "created_at"):
            model.objects.filter(pk=pk).update(created_at=max(created + shift, floor))
    completed = max(old + shift, floor)
    last = ProgressUpdate.objects.filter(measure=measure).aggregate(last=Max("created_at"))["last"]
    Measure.objects.filter(pk=measure.pk).update(completed_at=completed, last_progress_at=last)
    Lookback.objects.filter(pk=lookback.pk).update(
        completed_at=completed, due_on=schedule.due_after_completion(timezone.localdate(completed), months))


FIGURES = [
    ("给予党纪政务处分", [{"kind": "discipline", "count": "2"}, {"kind": "organisational", "count": "1"}]),
    ("约谈提醒,开展批评教育", [{"kind": "admonition", "count": "3"}, {"kind": "criticism", "count": "6"}]),
    ("追缴违规发放补贴资金", [{"kind": "recovered", "amount": "36.8", "money_unit": "wan"}]),
    ("督促退还多收取的费用", [{"kind": "returned", "amount": "125600", "money_unit": "yuan"}]),
    ("挽回经济损失", [{"kind": "retrieved", "amount": "210", "money_unit": "wan"}]),
    ("制定完善制度", [
        {"kind": "rule_made", "title": "《青禾县公务接待管理办法》", "doc_number": "青办发〔2026〕7号"},
        {"kind": "rule_revised", "title": "《青禾县政府投资项目管理办法》", "doc_number": "青政办发〔2026〕3号"},
    ]),
    ("立案审查调查", [{"kind": "investigation", "count": "2"}]),
]


def load(case, *, supervisor: User, staff: list[User], today: datetime.date) -> None:
    organisation = case.organisation
    LookbackPolicy.objects.get_or_create(organisation=organisation, kind="immediate",
                                         defaults={"months_after_completion": 1})
    LookbackPolicy.objects.get_or_create(organisation=organisation, kind="by_deadline",
                                         defaults={"months_after_completion": 2})
    LookbackPolicy.objects.get_or_create(organisation=organisation, kind="long_term",
                                         defaults={"period": Period.MONTH})
    lookback_services.plan_lookbacks()  # every case, so the first daily run finds nothing new
    due = list(Lookback.objects.current().filter(measure__case=case)
               .select_related("measure__case").order_by("due_on", "pk")[:5])
    if len(due) < 5:
        raise RuntimeError("the demo case has fewer than five items to look back on")
    # The earliest checks came due a few days ago in the demo's story: two are recorded below (one
    # held, one relapsed), three stay in the queue (two overdue, one due about now). The rest come
    # due later, outside the queue's horizon.
    for days, lookback in zip((5, 2), due[:2], strict=True):
        if lookback.due_on > today - datetime.timedelta(days=days):
            Lookback.objects.filter(pk=lookback.pk).update(due_on=today - datetime.timedelta(days=days))
    # The queued three are signed off earlier instead, so that their due dates follow from the rule
    # and the daily planner, which recomputes pending due dates, leaves them where they are.
    resolver = schedule.Resolver()
    for days, lookback in zip((8, 4, 0), due[2:], strict=True):
        m = lookback.measure
        months = resolver.rule(case_id=m.case_id, organisation_id=m.case.organisation_id, kind=m.kind).months
        signed_on = schedule.add_months(today - datetime.timedelta(days=days), -months)
        if schedule.due_after_completion(signed_on, months) < lookback.due_on:
            _sign_off_earlier(lookback, signed_on, months)
    lookback_services.record_lookback(
        measure=due[0].measure, by=supervisor, outcome=Lookback.Outcome.HELD,
        note="实地回访和抽查台账,整改成果巩固,未发现反弹。")
    lookback_services.record_lookback(
        measure=due[1].measure, by=supervisor, outcome=Lookback.Outcome.RELAPSED,
        note="回头看抽查发现,个别村仍存在违规发放补贴问题,整改不彻底。")
    # Outcome figures on progress entries of the last month.
    measures = list(Measure.objects.filter(case=case).exclude(state=State.PLANNED).order_by("position", "pk"))
    staff_of = {}
    for user in staff:
        for unit_id in user.unit_ids:
            staff_of.setdefault(unit_id, user)
    for i, (note, rows) in enumerate(FIGURES):
        measure = measures[(i * 7) % len(measures)]
        author = staff_of.get(measure.lead_unit_id, supervisor)
        entry = outcome_services.log_progress_with_figures(
            measure=measure, by=author, note=note, figures=outcome_services.clean_figures(rows))
        when = timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=28 - 4 * i),
                                                             datetime.time(10)))
        type(entry).objects.filter(pk=entry.pk).update(created_at=when)
        OutcomeFigure.objects.filter(progress=entry).update(created_at=when)
    leaders = list(User.objects.filter(username__in=["leader_li", "leader_zhao"]))
    for name, kind in (("青禾县委巡察整改周汇总", "week"), ("青禾县委巡察整改月调度", "month")):
        subscription, created = ReportSubscription.objects.get_or_create(
            name=name, defaults={"organisation": organisation, "kind": kind, "created_by": supervisor,
                                 "extra_emails": "zgb@qinghe.example.cn"})
        if created:
            subscription.recipients.set(leaders)
