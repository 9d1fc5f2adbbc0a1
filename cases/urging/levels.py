"""Which ladder applies to which case, and the level each ongoing item is at on a day.

An item's level is the highest level whose threshold it has reached: a level of threshold
-10 is reached when the deadline is at most 10 working days away (or passed); 0 once the
deadline has passed; 10 once it is overdue by 10 working days. Every count is in working
days (`cases.holidays`). A threshold turns into the latest deadline that reaches it on a
given day (`cutoff`), so the whole refresh is a few set-based UPDATEs per ladder, whatever
the number of items.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q

from accounts.models import Organisation

from .. import holidays
from .models import Ladder, LadderLevel

ONE_DAY = datetime.timedelta(days=1)


def cutoff(threshold: int, on: datetime.date) -> datetime.date:
    """The latest deadline that has reached a level of `threshold` working days on `on`."""
    if threshold < 0:
        # working_days_between(on, deadline) <= n: up to the day before the (n+1)-th working day.
        return holidays.add_working_days(on, -threshold + 1) - ONE_DAY
    if threshold == 0:
        return on - ONE_DAY  # overdue: the deadline has passed
    day, count = on, 0
    while True:
        count += holidays.is_working_day(day)
        if count == threshold:
            # (deadline, on] then holds `threshold` working days.
            return day - ONE_DAY
        day -= ONE_DAY


def reached(threshold: int, *, deadline: datetime.date | None, on: datetime.date) -> bool:
    """One item in memory: the same rule as `cutoff`."""
    return deadline is not None and deadline <= cutoff(threshold, on)


def default_ladder() -> Ladder | None:
    return Ladder.objects.filter(organisation__isnull=True).order_by("pk").first()


def organisation_ladders() -> dict[int, int | None]:
    """Organisation id → id of the ladder that applies to it: its own, the nearest above, the default."""
    own = dict(Ladder.objects.filter(organisation__isnull=False).values_list("organisation_id", "pk"))
    default = default_ladder()
    result = {}
    for pk, path in Organisation.objects.values_list("pk", "path"):
        ids = [int(p) for p in path.strip("/").split("/") if p]
        result[pk] = next((own[i] for i in reversed(ids) if i in own), default.pk if default else None)
    return result


def ladder_for_case(case) -> Ladder | None:
    if case.urging_ladder_id:
        return case.urging_ladder
    ladder_id = organisation_ladders().get(case.organisation_id)
    return Ladder.objects.filter(pk=ladder_id).first() if ladder_id else None


@dataclass(frozen=True)
class Band:
    level: LadderLevel
    after: datetime.date | None  # deadlines after this (exclusive) …
    upto: datetime.date  # … up to this (inclusive) are at `level`


def bands(ladder: Ladder, on: datetime.date) -> list[Band]:
    """The ladder's levels as deadline ranges on `on`, the most severe first."""
    levels = sorted(ladder.levels.all(), key=lambda lv: (-lv.threshold_days, -lv.rank))
    result, previous = [], None
    for level in levels:
        upto = cutoff(level.threshold_days, on)
        if previous is not None and upto <= previous:
            continue  # a level outranked by one with an equal or later reach
        result.append(Band(level=level, after=previous, upto=upto))
        previous = upto
    return result


def level_of(ladder: Ladder | None, *, deadline: datetime.date | None, on: datetime.date) -> LadderLevel | None:
    if ladder is None or deadline is None:
        return None
    for band in bands(ladder, on):
        if deadline <= band.upto:
            return band.level
    return None


def _cases_of(ladder_id: int, org_ladders: dict[int, int | None]) -> Q:
    organisations = sorted(pk for pk, lid in org_ladders.items() if lid == ladder_id)
    return Q(case__urging_ladder_id=ladder_id) | Q(case__urging_ladder__isnull=True,
                                                    case__organisation_id__in=organisations)


def refresh(*, on: datetime.date, measures=None) -> int:
    """Store every ongoing item's level on `on` (completed items have none). Returns the rows changed.

    `measures` narrows the refresh (e.g. to one item after its deadline moved).
    """
    from ..models import Measure

    base = Measure.objects.all() if measures is None else measures
    changed = base.completed().filter(urging_level__isnull=False).update(urging_level=None, urging_level_since=None)
    org_ladders = organisation_ladders()
    ladder_ids = set(org_ladders.values()) | set(
        base.exclude(case__urging_ladder__isnull=True).values_list("case__urging_ladder_id", flat=True).distinct()
    )
    covered = Q(pk__in=[])
    for ladder in Ladder.objects.filter(pk__in=[i for i in ladder_ids if i]).prefetch_related("levels"):
        scope = base.ongoing().filter(_cases_of(ladder.pk, org_ladders))
        covered |= _cases_of(ladder.pk, org_ladders)
        lowest = None
        for band in bands(ladder, on):
            rows = scope.filter(deadline__lte=band.upto)
            if band.after is not None:
                rows = rows.filter(deadline__gt=band.after)
            changed += rows.exclude(urging_level=band.level).update(urging_level=band.level, urging_level_since=on)
            lowest = band.upto
        unlevelled = scope.filter(Q(deadline__isnull=True) | Q(deadline__gt=lowest)) if lowest else scope
        changed += unlevelled.filter(urging_level__isnull=False).update(urging_level=None, urging_level_since=None)
    # Cases no ladder covers (no default ladder at all) have no levels.
    changed += base.ongoing().exclude(covered).filter(urging_level__isnull=False).update(
        urging_level=None, urging_level_since=None)
    if measures is None and changed:
        # Items moved between levels without a service write: recount the dashboard's level
        # figures (a narrowed refresh is followed by its service's recount of the case).
        from .. import figures

        figures.refresh_levels()
    return changed
