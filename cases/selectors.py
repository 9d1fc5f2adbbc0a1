"""The reads behind the dashboard, the "my items" page and the sign-off queue.

Every figure is computed from a measure queryset the caller has already scoped with
`Measure.objects.restrict(user)` and narrowed with `MeasureFilterSet`, through the same
queryset methods (`ongoing`, `overdue`, `due_within`, `counts_by_unit`) the API and the
admin use, so a figure and the list behind its link agree to the item. Each selector runs
a fixed number of aggregate queries whatever the size of the data: the rows they return
are bounded by units, cases or days, never by measures.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Case as When_
from django.db.models import Count, F, IntegerField, Max, Min, OuterRef, Prefetch, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import Organisation, Unit
from accounts.scoping import scope_of

from .models import (
    Case,
    CaseFigures,
    FiguresRefresh,
    Issue,
    LevelFigures,
    Measure,
    ProgressUpdate,
    SignOff,
    TrendWeek,
    UnitFigures,
    awaiting_signoff_condition,
    due_within_condition,
    ongoing_condition,
    overdue_condition,
)
from .states import State

# How many rows the dashboard draws before it offers "all": enough to show who lags, few
# enough to read on a projector.
TOP_CASES = 12
TOP_UNITS = 15
OVERDUE_LIST = 20
# The trend chart shows at most this many weeks back from today (a province's history is long).
MAX_WEEKS = 52


def due_soon_days() -> int:
    return settings.REMINDER_DUE_SOON_DAYS


# --- Headline ---------------------------------------------------------------------------


@dataclass
class Headline:
    problems: int
    problems_completed: int
    measures: int
    completed: int
    ongoing: int
    overdue: int
    due_soon: int
    # Waiting for a signature: the supervisors' lag, shown apart from the units' overdue.
    awaiting: int = 0
    longest_wait_days: int = 0

    @property
    def problem_rate(self) -> float | None:
        """As the notices print it: completed problem-level issues over all, one decimal."""
        return round(100 * self.problems_completed / self.problems, 1) if self.problems else None

    @property
    def measure_rate(self) -> float | None:
        return round(100 * self.completed / self.measures, 1) if self.measures else None


def headline(measures, problems, *, on: datetime.date) -> Headline:
    """The headline figures, each through the queryset method the API and admin filter by.

    Seven small counts rather than one clever aggregate: the point is that "overdue" here is
    `Measure.objects.overdue()` itself, so it cannot drift from the list behind the link.
    """
    days = due_soon_days()
    return Headline(
        problems=problems.count(),
        problems_completed=problems.filter(state=State.COMPLETED).count(),
        measures=measures.count(),
        completed=measures.completed().count(),
        ongoing=measures.ongoing().count(),
        overdue=measures.overdue(on=on).count(),
        due_soon=measures.due_within(days, on=on).count(),
        **awaiting_signoff(measures, on=on),
    )


def unit_summary(measures, *, on: datetime.date, due_soon_days: int) -> dict[str, int]:
    """The figures of "my items" in one aggregate: all items, overdue, due soon, ongoing and
    awaiting sign-off, each by the condition its link's filter applies."""
    return measures.order_by().aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=overdue_condition(on)),
        due_soon=Count("pk", filter=due_within_condition(due_soon_days, on)),
        ongoing=Count("pk", filter=ongoing_condition()),
        submitted=Count("pk", filter=awaiting_signoff_condition()),
    )


def awaiting_signoff(measures, *, on: datetime.date) -> dict:
    """How many items wait for a signature, and for how many days the oldest request has waited."""
    row = measures.awaiting_signoff().order_by().aggregate(n=Count("pk"), oldest=Min("signoff_requested_on"))
    return {"awaiting": row["n"], "longest_wait_days": max((on - row["oldest"]).days, 0) if row["oldest"] else 0}


def problems_of(measures, *, cases=None, narrowed: bool = False):
    """The problem-level issues the figures count, as the notices count them.

    Without a unit or kind filter these are all problems of the selected (or visible)
    cases, exactly what `Case.objects.with_progress()` counts. Narrowed to a unit or kind,
    they are the problems holding at least one selected measure, directly or through a
    sub-problem up to two levels down. Written as IN-subqueries on indexed ids: a
    correlated path-prefix match took most of a minute on a province's SQLite file.
    """
    problems = Issue.objects.problems()
    if not narrowed:
        return problems.filter(case__in=cases if cases is not None else measures.order_by().values("case_id"))
    issue_ids = measures.order_by().values("issue_id")
    details = Issue.objects.filter(pk__in=issue_ids, kind=Issue.Kind.DETAIL)
    return problems.filter(
        Q(pk__in=issue_ids) | Q(pk__in=details.values("parent_id")) | Q(pk__in=details.values("parent__parent_id"))
    )


# --- By case, by category --------------------------------------------------------------


@dataclass
class Row:
    """One bar of a chart: a label, the counts, and the filter that lists its items."""

    key: int | str | None
    label: str
    total: int = 0
    completed: int = 0
    ongoing: int = 0
    overdue: int = 0
    due_soon: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        return round(100 * self.completed / self.total, 1) if self.total else None

    @property
    def ongoing_not_overdue(self) -> int:
        return self.ongoing - self.overdue


def _counts(measures, group_by: str, *, on: datetime.date):
    return (
        measures.order_by()
        .values(group_by)
        .annotate(
            total=Count("pk"),
            completed=Count("pk", filter=Q(state=State.COMPLETED)),
            ongoing=Count("pk", filter=ongoing_condition()),
            overdue=Count("pk", filter=overdue_condition(on)),
        )
    )


def by_case(measures, *, on: datetime.date, limit: int = TOP_CASES) -> tuple[list[Row], int]:
    """Cases with the most overdue items first (then lowest completion): who lags.

    Two queries: the counts per case, then titles and problem progress of the shown ones.
    Returns the rows shown and how many cases there are in all.
    """
    counted = list(_counts(measures, "case", on=on))
    counted.sort(key=lambda r: (-r["overdue"], r["completed"] / r["total"] if r["total"] else 1, r["case"]))
    shown = counted[:limit]
    cases = {c.pk: c for c in Case.objects.with_progress().filter(pk__in=[r["case"] for r in shown])}
    rows = []
    for r in shown:
        case = cases[r["case"]]
        rows.append(Row(
            key=case.pk, label=case.title, total=r["total"], completed=r["completed"], ongoing=r["ongoing"],
            overdue=r["overdue"],
            extra={"case": case, "problem_total": case.problem_total or 0,
                   "problem_completed": case.problem_completed or 0, "problem_rate": case.completion_rate},
        ))
    return rows, len(counted)


def by_category(measures, case: Case, *, on: datetime.date) -> list[Row]:
    """One case's top-level categories (方面/大类): two queries, rows bounded by the case's size."""
    issues = list(Issue.objects.filter(case=case).order_by("position", "pk").values("pk", "path", "label", "title",
                                                                                     "parent_id"))
    roots = {i["pk"]: i for i in issues if i["parent_id"] is None}
    rows = {pk: Row(key=pk, label=f"{i['label']}{i['title']}") for pk, i in roots.items()}
    root_of = {i["pk"]: int(i["path"].strip("/").split("/")[0]) for i in issues if i["path"]}
    for r in _counts(measures.filter(case=case), "issue", on=on):
        row = rows.get(root_of.get(r["issue"]))
        if row is None:
            continue
        row.total += r["total"]
        row.completed += r["completed"]
        row.ongoing += r["ongoing"]
        row.overdue += r["overdue"]
    return [row for row in rows.values() if row.total]


# --- By unit ---------------------------------------------------------------------------

LIGHT_RED, LIGHT_YELLOW, LIGHT_GREEN = "red", "yellow", "green"
LIGHT_ORDER = {LIGHT_RED: 0, LIGHT_YELLOW: 1, LIGHT_GREEN: 2}
UNIT_SORTS = ("light", "name", "ongoing", "overdue", "longest", "rate")


def unit_labels(units) -> dict[int, str]:
    """Names to show for units (a queryset or ids): the bare name when they all belong to one
    organisation; "县财政局（白溪县）" when they span several, since each county has its own 县财政局."""
    if not hasattr(units, "values_list"):
        units = Unit.objects.filter(pk__in=list(units))
    return qualified_unit_labels(units.order_by().values_list("pk", "name", "organisation__name"))


def qualified_unit_labels(rows) -> dict[int, str]:
    """`unit_labels` from (pk, name, organisation name) rows already at hand."""
    rows = list(rows)
    if len({org for _pk, _name, org in rows}) <= 1:
        return {pk: name for pk, name, _org in rows}
    return {pk: f"{name}（{org}）" for pk, name, org in rows}


def by_unit(measures, *, on: datetime.date, sort: str = "light") -> list[Row]:
    """Per lead unit (`counts_by_unit`, as the admin and API count): ongoing, overdue, the
    longest overdue in days, items due soon, and a traffic light — red when anything is
    overdue, yellow when something falls due within the due-soon window, else green.

    Two queries: `counts_by_unit` and `due_within` grouped by unit.
    """
    due_soon = dict(
        measures.due_within(due_soon_days(), on=on).order_by().values_list("lead_unit").annotate(n=Count("pk"))
    )
    rows = []
    counted = list(measures.counts_by_unit(on=on))
    labels = qualified_unit_labels(
        (r["lead_unit"], r["lead_unit__name"], r["lead_unit__organisation__name"]) for r in counted
    )
    for r in counted:
        oldest = r["oldest_overdue_deadline"]
        longest = (on - oldest).days if oldest else 0
        soon = due_soon.get(r["lead_unit"], 0)
        light = LIGHT_RED if r["overdue"] else LIGHT_YELLOW if soon else LIGHT_GREEN
        rows.append(Row(
            key=r["lead_unit"], label=labels.get(r["lead_unit"], r["lead_unit__name"]), total=r["total"],
            completed=r["completed"],
            ongoing=r["ongoing"], overdue=r["overdue"], due_soon=soon,
            extra={"longest": longest, "light": light, "last_progress_at": r["last_progress_at"]},
        ))
    return sort_units(rows, sort)


def sort_units(rows: list[Row], sort: str) -> list[Row]:
    """Sort the unit table; a leading "-" reverses. Ties fall back to the unit name."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in UNIT_SORTS:
        key, descending = "light", False
    keys = {
        # Worst first by default: red before yellow, then the longest and most overdue.
        "light": lambda r: (LIGHT_ORDER[r.extra["light"]], -r.extra["longest"], -r.overdue, r.label),
        "name": lambda r: r.label,
        "ongoing": lambda r: (-r.ongoing, r.label),
        "overdue": lambda r: (-r.overdue, r.label),
        "longest": lambda r: (-r.extra["longest"], r.label),
        "rate": lambda r: (r.rate if r.rate is not None else 101, r.label),
    }
    return sorted(rows, key=keys[key], reverse=descending)


# --- Week by week ------------------------------------------------------------------------


@dataclass
class Week:
    start: datetime.date
    completed: int
    remaining: int

    @property
    def end(self) -> datetime.date:
        return self.start + datetime.timedelta(days=6)


def monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def weekly_trend(measures, *, on: datetime.date, completed_now: int, ongoing_now: int,
                 max_weeks: int = MAX_WEEKS) -> list[Week]:
    """Completed against remaining at the end of each week, up to this week.

    Anchored on today's figures and walked backwards, so the last point always equals the
    headline: a week's completed count is today's minus the net completions logged after
    that week (a completion counts +1, a reopening −1), and its remaining count is today's
    plus those completions minus the items that only entered the ledger later. An item
    enters the ledger on its case's feedback date (or when it was created, if the case has
    none). Two queries, grouped by day.
    """
    start_day = Coalesce("case__feedback_on", TruncDate("created_at"))
    entered = dict(
        measures.order_by().annotate(day=start_day).values_list("day").annotate(n=Count("pk"))
    )
    events = (
        ProgressUpdate.objects.filter(measure__in=measures.order_by().values("pk"))
        .exclude(from_state=F("to_state"))
        .filter(Q(to_state=State.COMPLETED) | Q(from_state=State.COMPLETED))
        .annotate(day=TruncDate("created_at"))
        .order_by()
        .values("day")
        .annotate(
            net=Count("pk", filter=Q(to_state=State.COMPLETED))
            - Count("pk", filter=Q(from_state=State.COMPLETED))
        )
    )
    net_by_day = {e["day"]: e["net"] for e in events}
    if not entered and not net_by_day:
        return []
    this_week = monday(on)
    first_day = min([*entered, *net_by_day]) if (entered or net_by_day) else on
    first = max(monday(first_day), this_week - datetime.timedelta(weeks=max_weeks - 1))
    weeks = []
    week = this_week
    completed, remaining = completed_now, ongoing_now
    # Walk back from this week; each step undoes what happened after the earlier week's end.
    after_days_net = {}
    after_days_entered = {}
    for day, n in net_by_day.items():
        after_days_net[monday(day)] = after_days_net.get(monday(day), 0) + n
    for day, n in entered.items():
        after_days_entered[monday(day)] = after_days_entered.get(monday(day), 0) + n
    while week >= first:
        weeks.append(Week(start=week, completed=completed, remaining=max(remaining, 0)))
        net = after_days_net.get(week, 0)
        new = after_days_entered.get(week, 0)
        completed -= net
        remaining += net - new
        week -= datetime.timedelta(weeks=1)
    weeks.reverse()
    return weeks


# --- Organisations below ----------------------------------------------------------------


def organisation_choices(user) -> list[tuple[int, str, str]]:
    """The organisations a user may filter by, in tree order: (pk, name, path)."""
    return list(Organisation.objects.restrict(user).order_by("path").values_list("pk", "name", "path"))


def organisation_of_view(user, selected: Organisation | None, choices) -> Organisation | None:
    """The organisation whose children the ranking compares: the one chosen in the filter, else
    the highest one the user supervises (None when they supervise none, or several at the top).
    `choices` are the user's `organisation_choices`, so this costs no query."""
    if selected is not None:
        return selected
    scope = scope_of(user)
    supervised = [(pk, name, path) for pk, name, path in choices
                  if scope.everything or pk in scope.organisation_ids]
    top = [row for row in supervised if not any(row[2] != other[2] and row[2].startswith(other[2])
                                                for other in supervised)]
    if len(top) != 1:
        return None
    pk, name, path = top[0]
    return Organisation(pk=pk, name=name, path=path)


def organisation_ranking(figures, measures, parent: Organisation | None, *, on: datetime.date) -> list[Row]:
    """The organisations below `parent` compared (none when it has none below it), from the
    rollups when `figures` is given, else counted from `measures`."""
    if parent is None:
        return []
    children = list(Organisation.objects.filter(parent=parent).order_by("name").only("pk", "name", "path"))
    if not children:
        return []
    if figures is not None:
        return by_organisation_from(figures, parent, on=on, children=children)
    return by_organisation(measures, parent, on=on, children=children)


def _rank_rows(counted, parent: Organisation, *, on: datetime.date, children=None) -> list[Row]:
    """Fold per-organisation counts into one row per child of `parent` (its subtree), plus a
    row for `parent`'s own cases; worst first: most overdue, then the longest overdue."""
    if children is None:
        children = list(Organisation.objects.filter(parent=parent).order_by("name").only("pk", "name", "path"))
    rows = {parent.pk: Row(key=parent.pk, label=parent.name, extra={"own": True, "oldest": None})}
    for child in children:
        rows[child.pk] = Row(key=child.pk, label=child.name, extra={"own": False, "oldest": None})
    paths = dict(Organisation.objects.filter(path__startswith=parent.path).values_list("pk", "path"))
    for r in counted:
        path = paths.get(r["org"])
        if path is None:
            continue
        below = path[len(parent.path):].strip("/")
        target = int(below.split("/")[0]) if below else parent.pk
        row = rows.get(target)
        if row is None:
            continue
        row.total += r["total"] or 0
        row.completed += r["completed"] or 0
        row.ongoing += r["ongoing"] or 0
        row.overdue += r["overdue"] or 0
        if r["oldest"] and (row.extra["oldest"] is None or r["oldest"] < row.extra["oldest"]):
            row.extra["oldest"] = r["oldest"]
    shown = [row for row in rows.values() if row.total or not row.extra["own"]]
    for row in shown:
        row.extra["longest"] = (on - row.extra["oldest"]).days if row.extra["oldest"] else 0
    return sorted(shown, key=lambda r: (-r.overdue, -r.extra["longest"], r.rate if r.rate is not None else 101,
                                        r.label))


def by_organisation(measures, parent: Organisation, *, on: datetime.date, children=None) -> list[Row]:
    """The ranking of the organisations below `parent`, counted from measures (one query)."""
    overdue = overdue_condition(on)
    counted = (
        measures.order_by().values(org=F("case__organisation"))
        .annotate(total=Count("pk"), completed=Count("pk", filter=Q(state=State.COMPLETED)),
                  ongoing=Count("pk", filter=ongoing_condition()), overdue=Count("pk", filter=overdue),
                  oldest=Min("deadline", filter=overdue))
    )
    return _rank_rows(counted, parent, on=on, children=children)


# --- From the figures tables (cases.figures) ---------------------------------------------

# The dashboard filters the figures tables can answer; any other filter counts live.
FIGURES_FILTERS = {"case", "organisation"}


@dataclass
class Figures:
    """The figures rows a supervisor's dashboard sums, already scoped and filtered."""

    units: object  # UnitFigures queryset
    cases: object  # CaseFigures queryset
    weeks: object  # TrendWeek queryset
    refresh: FiguresRefresh
    levels: object = None  # LevelFigures queryset


def figures_ready(user, params, *, cases=(), organisation=None, on: datetime.date) -> Figures | None:
    """The scoped figures rows when they can answer this dashboard, else None (count live).

    They can when the figures are for today, only case and organisation filters are set, and
    the user's scope is whole organisations (a supervisor who also works for a unit of an
    organisation they do not supervise reaches items the organisation rows do not hold).
    """
    if any(key not in FIGURES_FILTERS for key, _value in params):
        return None
    refresh = FiguresRefresh.objects.filter(on=on).order_by("-finished_at").first()
    if refresh is None:
        return None
    scope = scope_of(user)
    if not scope.everything and scope.unit_ids and Unit.objects.filter(pk__in=sorted(scope.unit_ids)).exclude(
            organisation_id__in=sorted(scope.organisation_ids)).exists():
        return None
    querysets = []
    for model in (UnitFigures, CaseFigures, TrendWeek, LevelFigures):
        qs = model.objects.restrict(user)
        if cases:
            qs = qs.filter(case__in=[c.pk for c in cases])
        if organisation is not None:
            qs = qs.filter(case__organisation__path__startswith=organisation.path)
        querysets.append(qs)
    units, case_rows, weeks, levels = querysets
    return Figures(units=units.filter(on=on), cases=case_rows.filter(on=on, measures__gt=0), weeks=weeks,
                   refresh=refresh, levels=levels)


def headline_from(figures: Figures) -> Headline:
    """The headline from the per-case rollups: one aggregate query, whatever the size of the province."""
    sums = figures.cases.aggregate(total=Sum("measures"), completed=Sum("completed"), ongoing=Sum("ongoing"),
                                   overdue=Sum("overdue"), due_soon=Sum("due_soon"), problems=Sum("problems"),
                                   done=Sum("problems_completed"), awaiting=Sum("awaiting"),
                                   oldest=Min("oldest_awaiting_request"))
    oldest = sums["oldest"]
    return Headline(problems=sums["problems"] or 0, problems_completed=sums["done"] or 0,
                    measures=sums["total"] or 0, completed=sums["completed"] or 0, ongoing=sums["ongoing"] or 0,
                    overdue=sums["overdue"] or 0, due_soon=sums["due_soon"] or 0, awaiting=sums["awaiting"] or 0,
                    longest_wait_days=max((figures.refresh.on - oldest).days, 0) if oldest else 0)


def by_case_from(figures: Figures, *, limit: int = TOP_CASES) -> tuple[list[Row], int]:
    """As `by_case`, from the per-case rollups: one row per case, then the shown cases' titles."""
    counted = list(figures.cases.values_list("case_id", "measures", "completed", "ongoing", "overdue", "problems",
                                             "problems_completed"))
    counted.sort(key=lambda r: (-r[4], r[2] / r[1] if r[1] else 1, r[0]))
    shown = counted[:limit]
    cases = Case.objects.in_bulk([r[0] for r in shown])
    rows = []
    for pk, total, completed, ongoing, overdue, problems, done in shown:
        case = cases[pk]
        case.problem_total, case.problem_completed = problems, done
        rows.append(Row(
            key=case.pk, label=case.title, total=total, completed=completed, ongoing=ongoing, overdue=overdue,
            extra={"case": case, "problem_total": problems, "problem_completed": done,
                   "problem_rate": case.completion_rate},
        ))
    return rows, len(counted)


def by_unit_from(figures: Figures, *, on: datetime.date, sort: str = "light") -> list[Row]:
    """As `by_unit`, from the rollups: grouped by unit id (a hash aggregate), then the names."""
    counted = list(figures.units.order_by().values("lead_unit").annotate(
        total=Sum("total"), completed=Sum("completed"), ongoing=Sum("ongoing"), overdue=Sum("overdue"),
        due_soon=Sum("due_soon"), oldest=Min("oldest_overdue_deadline"), last=Max("last_progress_at")))
    names = unit_labels([r["lead_unit"] for r in counted])
    rows = []
    for r in counted:
        longest = (on - r["oldest"]).days if r["oldest"] else 0
        light = LIGHT_RED if r["overdue"] else LIGHT_YELLOW if r["due_soon"] else LIGHT_GREEN
        rows.append(Row(
            key=r["lead_unit"], label=names.get(r["lead_unit"], ""), total=r["total"], completed=r["completed"],
            ongoing=r["ongoing"], overdue=r["overdue"], due_soon=r["due_soon"],
            extra={"longest": longest, "light": light, "last_progress_at": r["last"]},
        ))
    return sort_units(rows, sort)


def by_organisation_from(figures: Figures, parent: Organisation, *, on: datetime.date, children=None) -> list[Row]:
    counted = (figures.cases.order_by().values(org=F("case__organisation"))
               .annotate(total=Sum("measures"), completed=Sum("completed"), ongoing=Sum("ongoing"),
                         overdue=Sum("overdue"), oldest=Min("oldest_overdue_deadline")))
    return _rank_rows(counted, parent, on=on, children=children)


def weekly_trend_from(figures: Figures, *, on: datetime.date, completed_now: int, ongoing_now: int,
                      max_weeks: int = MAX_WEEKS) -> list[Week]:
    """The trend from the weekly snapshots (one query), this week from the headline."""
    this_week = monday(on)
    first = this_week - datetime.timedelta(weeks=max_weeks - 1)
    sums = {r["week"]: r for r in figures.weeks.filter(week__gte=first, week__lt=this_week).order_by()
            .values("week").annotate(completed=Sum("completed"), remaining=Sum("remaining"))}
    weeks = []
    if sums:
        week = min(sums)
        while week < this_week:
            r = sums.get(week)
            if r is not None:
                weeks.append(Week(start=week, completed=r["completed"], remaining=r["remaining"]))
            week += datetime.timedelta(weeks=1)
    weeks.append(Week(start=this_week, completed=completed_now, remaining=ongoing_now))
    return weeks


# --- Lists ---------------------------------------------------------------------------


def overdue_items(measures, *, on: datetime.date, limit: int = OVERDUE_LIST) -> list[Measure]:
    """The longest-overdue items first, with what a row renders loaded up front."""
    return list(measures.overdue(on=on).with_related().order_by("deadline", "pk")[:limit])


def overdue_first(measures, *, on: datetime.date):
    """Ongoing-and-overdue first (longest first), then ongoing by deadline, completed last."""
    rank = When_(
        When(overdue_condition(on), then=Value(0)),
        When(ongoing_condition(), then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return measures.annotate(urgency=rank).order_by("urgency", "deadline", "position", "pk")


RECENT_UPDATES = 3


def with_recent_progress(measures, *, limit: int = RECENT_UPDATES):
    """Each measure's latest few progress entries with their files, in two extra queries
    (a windowed prefetch), so a page of items costs the same however long their logs are."""
    recent = (
        ProgressUpdate.objects.select_related("author").prefetch_related("evidence").order_by("-created_at", "-pk")
    )
    return measures.with_related().prefetch_related(
        Prefetch("progress_updates", queryset=recent[:limit], to_attr="recent_updates")
    )


def signoff_queue(measures):
    """Submitted items with the current round's approvals and the evidence of the round.

    The round's entries are those since the last submission; the prefetch takes every
    entry at or after the submission that opened the round, which the view then narrows.
    """
    approvals = SignOff.objects.filter(decision=SignOff.Decision.APPROVE).select_related("by")
    updates = ProgressUpdate.objects.select_related("author").prefetch_related("evidence").order_by("-created_at",
                                                                                                   "-pk")
    return (
        measures.filter(state=State.SUBMITTED)
        .with_related()
        .select_related("signoff_requested_by")
        .prefetch_related(
            Prefetch("signoffs", queryset=approvals, to_attr="approvals"),
            Prefetch("progress_updates", queryset=updates[:10], to_attr="recent_updates"),
        )
        .order_by("last_progress_at", "pk")
    )


def today() -> datetime.date:
    return timezone.localdate()


@dataclass
class LevelRow:
    name: str
    colour: str
    rank: int
    count: int
    level_ids: list[int]


def by_urging_level(measures) -> list[LevelRow]:
    """Ongoing items per urging level (levels of the same name across ladders counted together), worst first."""
    rows = (measures.ongoing().filter(urging_level__isnull=False).order_by()
            .values("urging_level", "urging_level__name", "urging_level__colour", "urging_level__rank")
            .annotate(n=Count("pk")))
    return _merge_levels(rows)


def _merge_levels(rows) -> list[LevelRow]:
    merged: dict[str, LevelRow] = {}
    for row in rows:
        entry = merged.setdefault(row["urging_level__name"], LevelRow(
            name=row["urging_level__name"], colour=row["urging_level__colour"], rank=row["urging_level__rank"],
            count=0, level_ids=[]))
        entry.count += row["n"]
        entry.rank = max(entry.rank, row["urging_level__rank"])
        entry.level_ids.append(row["urging_level"])
    return sorted(merged.values(), key=lambda r: (-r.rank, r.name))


def by_urging_level_from(figures: Figures) -> list[LevelRow]:
    """As `by_urging_level`, from the per-case level rollups (one grouped query)."""
    rows = (figures.levels.order_by()
            .values("urging_level", "urging_level__name", "urging_level__colour", "urging_level__rank")
            .annotate(n=Sum("ongoing")))
    return _merge_levels(rows)


def with_last_state_change(measures):
    """Each measure's latest state change (action, note, time) as annotations, in the same query:
    /my/ marks an item a supervisor sent back, with the reason, until it is submitted again."""
    changes = (
        ProgressUpdate.objects.filter(measure=OuterRef("pk")).exclude(from_state=F("to_state"))
        .order_by("-created_at", "-pk")
    )
    return measures.annotate(
        last_change_action=Subquery(changes.values("action")[:1]),
        last_change_note=Subquery(changes.values("note")[:1]),
        last_change_at=Subquery(changes.values("created_at")[:1]),
    )
