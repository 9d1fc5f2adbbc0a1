"""The reads of look-backs: the queue, lagging 长期坚持 items, and the summaries per case and unit.

Every read starts from querysets the caller scoped with `restrict(user)`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q

from cases import holidays
from cases.models import Case, Measure, ProgressUpdate
from cases.states import Action

from . import schedule
from .models import Lookback

QUEUE_PAGE = 50


def reminder_horizon(on: datetime.date) -> datetime.date:
    """Look-backs due up to this day are in the queue and the reminders (N working days ahead)."""
    return holidays.add_working_days(on, settings.LOOKBACK_REMIND_WORKING_DAYS)


def due_checks(lookbacks, *, on: datetime.date):
    """Pending look-backs of completed items due by the horizon, the most overdue first."""
    return (
        lookbacks.current().filter(due_on__lte=reminder_horizon(on))
        .select_related("measure__case", "measure__issue", "measure__lead_unit")
        .order_by("due_on", "pk")
    )


def _period_entry(start: datetime.date, end: datetime.date):
    """An entry in [start, end]: any progress entry except a moved deadline (not a report)."""
    from django.utils import timezone

    lo = timezone.make_aware(datetime.datetime.combine(start, datetime.time()))
    hi = timezone.make_aware(datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time()))
    return Exists(
        ProgressUpdate.objects.filter(measure=OuterRef("pk"), created_at__gte=lo, created_at__lt=hi)
        .exclude(action=Action.DEADLINE)
    )


def _long_term_groups(measures):
    """(period, the 长期坚持 measures of the cases on that period) for each period in use."""
    long_term = measures.filter(kind=Measure.Kind.LONG_TERM)
    cases = Case.objects.filter(pk__in=long_term.order_by().values("case_id")).values_list("pk", "organisation_id")
    groups = schedule.Resolver().long_term_periods(cases)
    return [(period, long_term.filter(case_id__in=ids)) for period, ids in sorted(groups.items())]


def long_term_without_entry(measures, *, on: datetime.date) -> Q:
    """长期坚持 items with no entry yet in their current period (they are due by its end)."""
    condition = Q(pk__in=[])
    for period, group in _long_term_groups(measures):
        start, end = schedule.period_bounds(period, on)
        condition |= Q(pk__in=group.exclude(_period_entry(start, end)).values("pk"))
    return measures.filter(condition)


def long_term_lagging(measures, *, on: datetime.date):
    """长期坚持 items with no entry in the last period that has ended (落后, 长期坚持未报告).

    Items entered after that period began are not counted: they had no full period to report in.
    """
    from django.utils import timezone

    condition = Q(pk__in=[])
    for period, group in _long_term_groups(measures):
        start, end = schedule.previous_period(period, on)
        began = timezone.make_aware(datetime.datetime.combine(start, datetime.time()))
        condition |= Q(pk__in=group.filter(created_at__lt=began).exclude(_period_entry(start, end)).values("pk"))
    return measures.filter(condition)


@dataclass
class SummaryRow:
    key: int | None
    label: str
    checked: int = 0
    held: int = 0
    relapsed: int = 0
    due: int = 0
    overdue: int = 0
    lagging: int = 0
    extra: dict = field(default_factory=dict)


def summary(lookbacks, measures, *, on: datetime.date, by: str) -> list[SummaryRow]:
    """Per case (`by="case"`) or lead unit (`by="unit"`): checked, held, relapsed, pending
    (due by the horizon), overdue, and 长期坚持 items lagging. Three grouped queries."""
    key, label = ("measure__case", "measure__case__title") if by == "case" else (
        "measure__lead_unit", "measure__lead_unit__name")
    horizon = reminder_horizon(on)
    rows: dict[int, SummaryRow] = {}
    counted = lookbacks.order_by().values(key, label).annotate(
        held=Count("pk", filter=Q(outcome=Lookback.Outcome.HELD)),
        relapsed=Count("pk", filter=Q(outcome=Lookback.Outcome.RELAPSED)),
    )
    for r in counted:
        rows[r[key]] = SummaryRow(key=r[key], label=r[label], held=r["held"], relapsed=r["relapsed"],
                                  checked=r["held"] + r["relapsed"])
    due = lookbacks.current().filter(due_on__lte=horizon).order_by().values(key, label).annotate(
        due=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=on)))
    for r in due:
        row = rows.setdefault(r[key], SummaryRow(key=r[key], label=r[label]))
        row.due, row.overdue = r["due"], r["overdue"]
    mkey, mlabel = key.removeprefix("measure__"), label.removeprefix("measure__")
    for r in long_term_lagging(measures, on=on).order_by().values(mkey, mlabel).annotate(n=Count("pk")):
        row = rows.setdefault(r[mkey], SummaryRow(key=r[mkey], label=r[mlabel]))
        row.lagging = r["n"]
    return sorted(rows.values(), key=lambda r: (-r.relapsed, -r.overdue, -r.lagging, r.label or ""))


def totals(rows: list[SummaryRow]) -> SummaryRow:
    total = SummaryRow(key=None, label="")
    for r in rows:
        for name in ("checked", "held", "relapsed", "due", "overdue", "lagging"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
    return total
