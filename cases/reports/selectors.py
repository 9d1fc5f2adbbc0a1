"""The figures of a periodic report, from the dashboard's selectors over the same measures.

The caller passes measures already scoped (`Measure.objects.restrict(user)`, narrowed to an
organisation's cases or one case); "now" is `cases.selectors.headline` exactly as the
dashboard computes it, so the report and the dashboard agree to the item, and the change over
the period is walked back from it through the progress log as the dashboard's trend is.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from cases import selectors as case_selectors
from cases.lookback import selectors as lookback_selectors
from cases.lookback.models import Lookback
from cases.models import Measure, ProgressUpdate
from cases.outcomes import selectors as outcome_selectors
from cases.outcomes.models import OutcomeFigure
from cases.states import State

from . import letters
from .periods import Period

LIST_LIMIT = 30


@dataclass
class Snapshot:
    completed: int
    remaining: int

    @property
    def total(self) -> int:
        return self.completed + self.remaining

    @property
    def rate(self) -> float | None:
        return round(100 * self.completed / self.total, 1) if self.total else None


@dataclass
class Report:
    title: str
    scope: str
    period: Period
    on: datetime.date
    head: case_selectors.Headline
    at_start: Snapshot
    at_end: Snapshot
    completed_count: int
    completed: list
    newly_overdue_count: int
    newly_overdue: list
    longest_overdue: list
    units: list
    ladder: list
    letters: list
    outcomes: outcome_selectors.Totals
    outcomes_in_period: outcome_selectors.Totals
    rules: list
    lookbacks: lookback_selectors.SummaryRow
    weeks: list = field(default_factory=list)
    deadline: datetime.date | None = None

    @property
    def change_completed(self) -> int:
        return self.at_end.completed - self.at_start.completed

    @property
    def change_remaining(self) -> int:
        return self.at_end.remaining - self.at_start.remaining

    def outcome_rows(self) -> list[tuple[str, object, object, bool]]:
        """(label, in all, in the period, is money) per kind with a figure."""
        period = self.outcomes_in_period
        return [(label, value, period.amount(kind) if money else period.count(kind), money)
                for kind, label, value, money in self.outcomes.rows()]

    @property
    def change_rate(self) -> float | None:
        if self.at_end.rate is None or self.at_start.rate is None:
            return None
        return round(self.at_end.rate - self.at_start.rate, 1)


def _cutoff(day: datetime.date) -> datetime.datetime:
    """The first moment after `day` (Asia/Shanghai)."""
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time()))


def as_of(measures, day: datetime.date, *, completed_now: int, ongoing_now: int) -> Snapshot:
    """Completed and remaining at the end of `day`, walked back from now as `weekly_trend` does:
    completions logged later are undone (a reopening counts −1), items entered later left out."""
    cutoff = _cutoff(day)
    events = ProgressUpdate.objects.filter(measure__in=measures.order_by().values("pk"), created_at__gte=cutoff) \
        .exclude(from_state=F("to_state")).aggregate(
            done=Count("pk", filter=Q(to_state=State.COMPLETED)),
            undone=Count("pk", filter=Q(from_state=State.COMPLETED)))
    net = events["done"] - events["undone"]
    entered_later = measures.order_by().annotate(
        day=Coalesce("case__feedback_on", TruncDate("created_at"))).filter(day__gt=day).count()
    return Snapshot(completed=completed_now - net, remaining=max(ongoing_now + net - entered_later, 0))


def build(measures, problems, *, period: Period, on: datetime.date, title: str, scope: str,
          deadline: datetime.date | None = None) -> Report:
    head = case_selectors.headline(measures, problems, on=on)
    start_snapshot = as_of(measures, period.start - datetime.timedelta(days=1), completed_now=head.completed,
                           ongoing_now=head.ongoing)
    end_snapshot = as_of(measures, period.end, completed_now=head.completed, ongoing_now=head.ongoing) \
        if period.end < on else Snapshot(head.completed, head.ongoing)
    lo, hi = _cutoff(period.start - datetime.timedelta(days=1)), _cutoff(period.end)
    completed = measures.completed().filter(completed_at__gte=lo, completed_at__lt=hi)
    # Became overdue during the period (the day after its deadline fell in it) and still ongoing.
    newly = measures.overdue(on=on).filter(deadline__gte=period.start - datetime.timedelta(days=1),
                                           deadline__lt=period.end)
    figures = OutcomeFigure.objects.filter(measure__in=measures.order_by().values("pk"), created_at__gte=lo,
                                           created_at__lt=hi)
    in_period = outcome_selectors.totals_of(figures)
    lookbacks = Lookback.objects.filter(measure__in=measures.order_by().values("pk"))
    units = case_selectors.by_unit(measures, on=on)
    done_by_unit = dict(completed.order_by().values_list("lead_unit").annotate(n=Count("pk")))
    for row in units:
        row.extra["completed_in_period"] = done_by_unit.get(row.key, 0)
    ranking = sorted(units, key=lambda r: (-(r.rate or 0), r.overdue, -r.extra["completed_in_period"], r.label))
    return Report(
        title=title, scope=scope, period=period, on=on, head=head, at_start=start_snapshot, at_end=end_snapshot,
        completed_count=completed.count(),
        completed=list(completed.with_related().order_by("-completed_at", "pk")[:LIST_LIMIT]),
        newly_overdue_count=newly.count(),
        newly_overdue=list(newly.with_related().order_by("deadline", "pk")[:LIST_LIMIT]),
        longest_overdue=case_selectors.overdue_items(measures, on=on, limit=10),
        units=ranking,
        ladder=letters.escalations_of(measures, period),
        letters=letters.letters_of(measures, period),
        outcomes=outcome_selectors.totals(measures),
        outcomes_in_period=in_period,
        rules=list(outcome_selectors.rule_documents(measures, 50)),
        lookbacks=lookback_selectors.totals(lookback_selectors.summary(lookbacks, measures, on=on, by="case")),
        # The trend up to the period's last full week (a week's point is its end): a report on an
        # earlier period shows no later weeks; a period still running ends with this week.
        weeks=[week for week in case_selectors.weekly_trend(measures, on=on, completed_now=head.completed,
                                                            ongoing_now=head.ongoing, max_weeks=26)
               if week.end <= period.end or (week.start <= period.end and period.end >= on)],
        deadline=deadline,
    )


def measures_for(user, *, organisation=None, case=None):
    """The measures a report covers, as `user` may see them: an organisation with those below it, or one case."""
    measures = Measure.objects.restrict(user) if user is not None else Measure.objects.all()
    if case is not None:
        return measures.filter(case=case)
    if organisation is not None:
        return measures.filter(case__organisation__path__startswith=organisation.path)
    return measures
