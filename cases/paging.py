"""Pages of a long ordered list that cost what the page shows, not what the list holds.

Used by the API's lists and by the pages (/my/, /items/). The admin's changelists have their
own estimated counts (`cases.admin_paging`).
"""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.db import connections


class DeferredJoinPaginator(Paginator):
    """Pages whose rows are chosen by id first, then loaded: in one query, `WHERE id IN (the
    page's ids, ordered and cut) ORDER BY …`.

    The inner query sorts and cuts the list on the measure's own columns only: from the
    ordering's index where one serves it (`measure_ongoing_dl_id_idx`, an index-only scan for
    the overdue list), and otherwise (a staff scope's `id = ANY(…)`, a rank computed per row such
    as `selectors.overdue_first`) by a top-N sort of the ids. The outer query joins case, issue,
    unit and leader, computes the annotations' subqueries and runs the prefetches for the page's
    rows alone. Before, `OFFSET 84,000` walked and joined every skipped row, and even a first
    page joined all of a unit's 5,282 rows (/my/) or 1,037 overdue ones (the API as staff) before
    the sort kept 20 or 50.

    A page nearer the end than the start is read from the end: the ids in the reversed ordering,
    skipping `count - top` rows (the same index walked backwards), so the last page costs what
    the first does and none walks more than half the list. That needs a total ordering (ending
    with the primary key, as `cases.filters.TotalOrderingFilter` makes every list's), else the
    two directions could order tied rows differently; a partial ordering is read from the start.

    `count`, when the caller already has it (e.g. from an aggregate that counts several
    figures at once), saves the paginator its own COUNT query.
    """

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, count: int | None = None):
        super().__init__(object_list, per_page, orphans=orphans, allow_empty_first_page=allow_empty_first_page)
        if count is not None:
            self.__dict__["count"] = count  # `count` is a cached_property

    def page(self, number):
        number = self.validate_number(number)
        queryset = self.object_list
        if not hasattr(queryset, "values_list") or not queryset.query.order_by or queryset.query.combinator:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if _is_total(queryset.query.order_by) and self.count - top < bottom:
            ids = queryset.reverse().values("pk")[self.count - top:self.count - bottom]
        else:
            ids = queryset.values("pk")[bottom:top]
        return self._get_page(_rows_of(queryset, ids), number, self)


def _rows_of(queryset, ids) -> list:
    """The list's rows for the page's `ids`: its joins, annotations, ordering and prefetches, and
    not its filters, which chose the ids already: kept, they were evaluated a second time (a
    staff scope's 5,282 ids gathered and filtered twice in one query). A filter through a
    multi-valued relation stays, since clearing it would leave its join to repeat rows."""
    outer = queryset.all()
    if not _multi_valued_join(outer.query):
        outer.query.clear_where()
    return list(outer.filter(pk__in=ids))


def _multi_valued_join(query) -> bool:
    for join in query.alias_map.values():
        field = getattr(join, "join_field", None)
        if getattr(field, "one_to_many", False) or getattr(field, "many_to_many", False):
            return True
    return False


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
