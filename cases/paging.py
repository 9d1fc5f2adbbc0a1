"""Pages of a long ordered list that cost what the page shows, not what the list holds.

Used by the API's lists and by the pages (/my/, /items/). The admin's changelists have their
own estimated counts (`cases.admin_paging`).
"""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.db import connections

# Up to this many skipped rows a page is loaded in one query (LIMIT/OFFSET over the list's own
# query, which stops after the page); past it the skipped rows are read as ids only.
DIRECT_UP_TO = 1_000


class DeferredJoinPaginator(Paginator):
    """Pages by id first, then loads the page's rows: a late page costs what an early one does.

    `OFFSET 84,000` over the list's query walks (and joins case, issue, unit, leader for) every
    skipped row; here the skipped rows are read as ids only, from the ordering's index
    (`measure_ongoing_dl_id_idx`, an index-only scan for the overdue list), and only the rows of
    the page are loaded with their related rows and annotations, in the same order. An early
    page is one query, as the list's own LIMIT stops after the page.

    A page nearer the end than the start is read from the end: the ids in the reversed ordering,
    skipping `count - top` rows (the same index walked backwards), so the last page costs what
    the first does and none walks more than half the list. That needs a total ordering (ending
    with the primary key, as `cases.filters.TotalOrderingFilter` makes every list's), else the
    two directions could order tied rows differently; a partial ordering is read from the start.

    `computed_ordering`: no index serves the ordering (e.g. `selectors.overdue_first`, a rank
    computed per row), so even the first page is a sort of every row in the list; then every
    page reads its ids first, sorting only the measure's own columns, and the joins, the
    subqueries of annotations and the prefetches run for the page's rows alone (on /my/ at
    province scale they ran for all 5,282 rows of a unit's list before the sort kept 20).

    `count`, when the caller already has it (e.g. from an aggregate that counts several
    figures at once), saves the paginator its own COUNT query.
    """

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, count: int | None = None,
                 computed_ordering: bool = False):
        super().__init__(object_list, per_page, orphans=orphans, allow_empty_first_page=allow_empty_first_page)
        self.direct_up_to = -1 if computed_ordering else DIRECT_UP_TO
        if count is not None:
            self.__dict__["count"] = count  # `count` is a cached_property

    def page(self, number):
        number = self.validate_number(number)
        queryset = self.object_list
        bottom = (number - 1) * self.per_page
        if not hasattr(queryset, "values_list") or not queryset.query.order_by or bottom <= self.direct_up_to:
            return super().page(number)
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if _is_total(queryset.query.order_by) and self.count - top < bottom:
            ids = list(queryset.reverse().values_list("pk", flat=True)[self.count - top:self.count - bottom])
            ids.reverse()
        else:
            ids = list(queryset.values_list("pk", flat=True)[bottom:top])
        loaded = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
        rows = [loaded[pk] for pk in ids if pk in loaded]
        return self._get_page(rows, number, self)


def total_ordering(ordering):
    """`ordering` ending with the primary key (in the direction of its first term), so that pages
    of it neither repeat nor skip tied rows (and may be read from either end)."""
    ordering = list(ordering or ())
    if not ordering or _is_total(ordering):
        return ordering
    first = ordering[0]
    descending = first.startswith("-") if isinstance(first, str) else bool(getattr(first, "descending", False))
    return [*ordering, "-pk" if descending else "pk"]


def _is_total(ordering) -> bool:
    """Whether an `order_by()` ends with the primary key, so that no two rows tie."""
    last = ordering[-1] if ordering else None
    return isinstance(last, str) and last.lstrip("-") in ("pk", "id")


def planner_estimate(queryset) -> int | None:
    """The PostgreSQL planner's row estimate of `queryset` (None elsewhere or on error)."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    try:
        sql, params = queryset.order_by().query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
    except Exception:
        return None
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])
