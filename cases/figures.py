"""Keeping the dashboard's figures: rollup rows per case × lead unit, problem counts per
case, and a weekly snapshot per case for the trend.

Why rollups kept by the services (and not only a periodic summary): every write already goes
through `cases.services`, and recounting one case (a few hundred measures, on the
`measure_case_state_idx` index) costs a few milliseconds inside the writer's transaction, so
the figures are current at every commit and equal the counts at their links. What the date
changes by itself (overdue, due soon, this week's snapshot) is rewritten by the nightly
`refresh_figures` task; until it has run for today the dashboard counts live (see
`cases.selectors.figures_ready`). See README "Dashboard figures".

A case's rows are rewritten under a lock on the case row, so two writers of one case cannot
both write counts that miss the other's change.
"""

from __future__ import annotations

import datetime
import time

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from .models import (
    Case,
    CaseFigures,
    FiguresRefresh,
    Issue,
    LevelFigures,
    Measure,
    ProgressUpdate,
    TrendWeek,
    UnitFigures,
    awaiting_signoff_condition,
    due_within_condition,
    ongoing_condition,
    overdue_condition,
)
from .states import State

CHUNK = 200  # cases per transaction of a full refresh


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _unit_rows(case_ids, *, on: datetime.date, now: datetime.datetime) -> list[UnitFigures]:
    ongoing = ongoing_condition()
    overdue = overdue_condition(on)
    soon = due_within_condition(settings.REMINDER_DUE_SOON_DAYS, on)
    awaiting = awaiting_signoff_condition()
    counted = (
        Measure.objects.filter(case_id__in=case_ids).order_by()
        .values("case_id", "lead_unit_id")
        .annotate(
            total=Count("pk"), completed=Count("pk", filter=Q(state=State.COMPLETED)),
            ongoing=Count("pk", filter=ongoing), overdue=Count("pk", filter=overdue),
            due_soon=Count("pk", filter=soon), oldest=Min("deadline", filter=overdue),
            last=Max("last_progress_at"), awaiting=Count("pk", filter=awaiting),
            oldest_awaiting=Min("signoff_requested_on", filter=awaiting),
        )
    )
    return [
        UnitFigures(case_id=r["case_id"], lead_unit_id=r["lead_unit_id"], on=on, total=r["total"],
                    completed=r["completed"], ongoing=r["ongoing"], overdue=r["overdue"], due_soon=r["due_soon"],
                    oldest_overdue_deadline=r["oldest"], last_progress_at=r["last"], awaiting=r["awaiting"],
                    oldest_awaiting_request=r["oldest_awaiting"], refreshed_at=now)
        for r in counted
    ]


def _level_rows(case_ids=None) -> list[LevelFigures]:
    """Ongoing items per case and urging level (of these cases, or of every case)."""
    measures = Measure.objects.ongoing().filter(urging_level__isnull=False)
    if case_ids is not None:
        measures = measures.filter(case_id__in=case_ids)
    return [LevelFigures(case_id=case_id, urging_level_id=level_id, ongoing=n)
            for case_id, level_id, n in measures.order_by().values_list("case_id", "urging_level_id")
            .annotate(n=Count("pk"))]


def _case_rows(case_ids, unit_rows: list[UnitFigures], *, on: datetime.date,
               now: datetime.datetime) -> list[CaseFigures]:
    sums: dict[int, CaseFigures] = {
        pk: CaseFigures(case_id=pk, on=on, refreshed_at=now) for pk in case_ids}
    for r in unit_rows:
        row = sums[r.case_id]
        row.measures += r.total
        row.completed += r.completed
        row.ongoing += r.ongoing
        row.overdue += r.overdue
        row.due_soon += r.due_soon
        row.awaiting += r.awaiting
        if r.oldest_awaiting_request and (row.oldest_awaiting_request is None
                                          or r.oldest_awaiting_request < row.oldest_awaiting_request):
            row.oldest_awaiting_request = r.oldest_awaiting_request
        if r.oldest_overdue_deadline and (row.oldest_overdue_deadline is None
                                          or r.oldest_overdue_deadline < row.oldest_overdue_deadline):
            row.oldest_overdue_deadline = r.oldest_overdue_deadline
    problems = {
        r["case_id"]: r
        for r in Issue.objects.filter(case_id__in=case_ids, kind=Issue.Kind.PROBLEM).order_by()
        .values("case_id").annotate(n=Count("pk"), done=Count("pk", filter=Q(state=State.COMPLETED)))
    }
    for pk, row in sums.items():
        row.problems = problems.get(pk, {}).get("n", 0)
        row.problems_completed = problems.get(pk, {}).get("done", 0)
    return list(sums.values())


def _rewrite(case_ids: list[int], *, on: datetime.date, now: datetime.datetime) -> None:
    """Rewrite the rows of these cases (caller holds the transaction)."""
    # The lock: writers of one case queue here, each counting after the previous one committed.
    list(Case.objects.select_for_update().filter(pk__in=case_ids).order_by("pk").values_list("pk", flat=True))
    unit_rows = _unit_rows(case_ids, on=on, now=now)
    UnitFigures.objects.filter(case_id__in=case_ids).delete()
    UnitFigures.objects.bulk_create(unit_rows, batch_size=2000)
    CaseFigures.objects.filter(case_id__in=case_ids).delete()
    CaseFigures.objects.bulk_create(_case_rows(case_ids, unit_rows, on=on, now=now), batch_size=2000)
    LevelFigures.objects.filter(case_id__in=case_ids).delete()
    LevelFigures.objects.bulk_create(_level_rows(case_ids), batch_size=2000)


def refresh_levels() -> int:
    """Recount every case's urging-level figures: after the levels of the whole ledger were
    refreshed (`cases.urging.levels.refresh`), which moves items without a service write.
    In chunks of cases under the same lock as a service's recount; returns the rows written."""
    case_ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    written = 0
    for start in range(0, len(case_ids), CHUNK):
        chunk = case_ids[start:start + CHUNK]
        with transaction.atomic():
            list(Case.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("pk", flat=True))
            rows = _level_rows(chunk)
            LevelFigures.objects.filter(case_id__in=chunk).delete()
            LevelFigures.objects.bulk_create(rows, batch_size=2000)
        written += len(rows)
    return written


def refresh_case(case_id: int) -> None:
    """Recount one case after a write to it (called by `cases.services` in its transaction)."""
    with transaction.atomic():
        _rewrite([case_id], on=timezone.localdate(), now=timezone.now())


def refresh_all(*, on: datetime.date | None = None) -> FiguresRefresh:
    """Rewrite every case's figures for `on` (default today), in chunks of cases, then record
    this week's snapshot and mark the figures as being for `on`."""
    started = time.perf_counter()
    on = on or timezone.localdate()
    now = timezone.now()
    case_ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(case_ids), CHUNK):
        with transaction.atomic():
            _rewrite(case_ids[start:start + CHUNK], on=on, now=now)
    snapshot_week(on - datetime.timedelta(days=1))
    if connection.vendor == "postgresql":
        # Rewritten tables need fresh statistics, or the planner sorts 35,000 rows on disk.
        with connection.cursor() as cursor:
            for model in (UnitFigures, CaseFigures, LevelFigures, TrendWeek):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    with transaction.atomic():
        FiguresRefresh.objects.all().delete()
        return FiguresRefresh.objects.create(on=on, finished_at=timezone.now(), seconds=time.perf_counter() - started)


def snapshot_week(day: datetime.date) -> int:
    """Store each case's completed and remaining items as they stand now, as the snapshot of the
    week holding `day`. Run just after midnight for the day that ended, so the last run of a
    week leaves the state at the end of its Sunday."""
    week = _monday(day)
    rows = [
        TrendWeek(case_id=r["case_id"], week=week, completed=r["completed"], remaining=r["ongoing"])
        for r in Measure.objects.order_by().values("case_id").annotate(
            completed=Count("pk", filter=Q(state=State.COMPLETED)), ongoing=Count("pk", filter=ongoing_condition()))
    ]
    with transaction.atomic():
        TrendWeek.objects.filter(week=week).delete()
        TrendWeek.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def backfill_trend(*, on: datetime.date | None = None, weeks: int = 52) -> int:
    """Rebuild the weekly snapshots of the weeks before this one from the progress log.

    The way the trend used to be computed on every request, done once: today's counts per
    case, walked back week by week by the completions and reopenings logged after each week
    and by the items that entered the ledger later (on their case's feedback date, else when
    created). Three grouped queries over the whole log.
    """
    on = on or timezone.localdate()
    this_week = _monday(on)
    first = this_week - datetime.timedelta(weeks=weeks - 1)
    now = {r["case_id"]: r for r in Measure.objects.order_by().values("case_id").annotate(
        completed=Count("pk", filter=Q(state=State.COMPLETED)), ongoing=Count("pk", filter=ongoing_condition()))}
    entered: dict[tuple[int, datetime.date], int] = {}
    for case_id, day, n in (Measure.objects.order_by()
                            .annotate(day=Coalesce("case__feedback_on", TruncDate("created_at")))
                            .values_list("case_id", "day").annotate(n=Count("pk"))):
        key = (case_id, _monday(day))
        entered[key] = entered.get(key, 0) + n
    net: dict[tuple[int, datetime.date], int] = {}
    events = (
        ProgressUpdate.objects.exclude(from_state=F("to_state"))
        .filter(Q(to_state=State.COMPLETED) | Q(from_state=State.COMPLETED))
        .annotate(day=TruncDate("created_at")).order_by()
        .values_list("measure__case_id", "day")
        .annotate(n=Count("pk", filter=Q(to_state=State.COMPLETED)) - Count("pk", filter=Q(from_state=State.COMPLETED)))
    )
    for case_id, day, n in events:
        key = (case_id, _monday(day))
        net[key] = net.get(key, 0) + n
    # Each case goes back to the week it entered the ledger or first logged a completion.
    starts: dict[int, datetime.date] = {}
    for case_id, week in [*entered, *net]:
        starts[case_id] = min(week, starts.get(case_id, week))
    rows = []
    for case_id, r in now.items():
        completed, remaining = r["completed"], r["ongoing"]
        week = this_week
        while week >= max(first, starts.get(case_id, this_week)):
            if week < this_week:
                rows.append(TrendWeek(case_id=case_id, week=week, completed=max(completed, 0),
                                      remaining=max(remaining, 0)))
            n, new = net.get((case_id, week), 0), entered.get((case_id, week), 0)
            completed -= n
            remaining += n - new
            week -= datetime.timedelta(weeks=1)
    with transaction.atomic():
        TrendWeek.objects.filter(week__lt=this_week).delete()
        TrendWeek.objects.bulk_create(rows, batch_size=5000)
    return len(rows)
