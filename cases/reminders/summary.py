"""The supervisors' weekly summary: the dashboard's own figures, per organisation, human-sized.

A province's 整改办 follows 2,000 units in dozens of organisations: one row per unit made a
1.3 MB mail that mail clients clip. The summary instead says what the dashboard says, read
through the same selectors (`cases.selectors`: the rollups when they are current for the
day, else counted live), so its figures equal the dashboard's:

* the headline — measures, completed, ongoing, overdue, due soon, awaiting sign-off;
* the organisations below the supervisor's organisation, ranked worst first (most overdue,
  then the longest overdue), at most `SUMMARY_ROWS`; where nothing lies below, the lead units
  with overdue items, ranked the same way; the rest are counted and linked to the dashboard;
* the longest-overdue items (`SUMMARY_WORST`), each linked, and a link to the full list.

Supervisors of the same organisations read the same summary: it is computed once per scope
and day and shared through the cache.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib

from django.core.cache import cache

from accounts.models import Organisation, User

from .. import selectors
from ..models import Measure

SUMMARY_ROWS = 15
SUMMARY_WORST = 10
CACHE_SECONDS = 3600


@dataclasses.dataclass
class SupervisorSummary:
    """What one supervisor's summary shows; `rows` are `selectors.Row`s of organisations or units."""

    head: selectors.Headline
    by: str  # "organisation" or "unit"
    parent: Organisation | None
    rows: list[selectors.Row]
    row_total: int
    worst: list[Measure]
    from_rollups: bool

    @property
    def more_rows(self) -> int:
        return self.row_total - len(self.rows)


def _scope_key(user: User) -> str:
    scope = user.scope
    if scope.everything:
        return "all"
    ids = ",".join(map(str, sorted(scope.organisation_ids | {-u for u in scope.unit_ids})))
    return hashlib.sha1(ids.encode()).hexdigest()[:16]


def supervisor_summary(user: User, *, on: datetime.date) -> SupervisorSummary:
    """The summary of everything `user` may see on `on` (see the module's docstring)."""
    key = f"reminders:supervisor-summary:v2:{on.isoformat()}:{selectors.due_soon_days()}:{_scope_key(user)}"
    summary = cache.get_or_set(key, lambda: _compute(user, on=on), CACHE_SECONDS)
    return summary if summary is not None else _compute(user, on=on)


def _compute(user: User, *, on: datetime.date) -> SupervisorSummary:
    measures = Measure.objects.restrict(user)
    figures = selectors.figures_ready(user, [], on=on)
    if figures is not None:
        head = dataclasses.replace(selectors.headline_from(figures), **selectors.awaiting_signoff(measures, on=on))
    else:
        head = selectors.headline(measures, selectors.problems_of(measures), on=on)
    parent = selectors.organisation_of_view(user, None, selectors.organisation_choices(user))
    rows = selectors.organisation_ranking(figures, measures, parent, on=on)
    by = "organisation"
    if not rows:
        by = "unit"
        units = (selectors.by_unit_from(figures, on=on) if figures is not None
                 else selectors.by_unit(measures, on=on))
        rows = [r for r in units if r.ongoing]
        rows.sort(key=lambda r: (-r.overdue, -r.extra["longest"], -r.due_soon, r.label))
    worst = selectors.overdue_items(measures, on=on, limit=SUMMARY_WORST) if head.overdue else []
    return SupervisorSummary(head=head, by=by, parent=parent, rows=rows[:SUMMARY_ROWS], row_total=len(rows),
                             worst=worst, from_rollups=figures is not None)
