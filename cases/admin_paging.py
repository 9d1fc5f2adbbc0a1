"""Admin changelists that page a province without counting it on every view.

`show_full_result_count` is off on the big lists (Django's second, unfiltered count), and their
paginator is `EstimatedCountPaginator`: on PostgreSQL it first asks the planner how many rows the
filtered query returns; above `ESTIMATE_ABOVE` rows it shows that estimate ("about 85,000")
instead of counting them exactly (an exact count of 400,000 rows costs about a second), below it
counts exactly. Either figure is cached for `CACHE_SECONDS` per query, so paging through a list
does not recount it. SQLite counts exactly.
"""

from __future__ import annotations

import hashlib
import json
from functools import cached_property

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connections

ESTIMATE_ABOVE = 20_000
CACHE_SECONDS = 60


def _key(queryset) -> str | None:
    try:
        sql, params = queryset.query.sql_with_params()
    except Exception:  # an empty result set (EmptyResultSet) and the like: no key, count it
        return None
    raw = f"{queryset.db}|{sql}|{params!r}".encode()
    return "rectify:count:" + hashlib.sha1(raw, usedforsecurity=False).hexdigest()


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


class EstimatedCountPaginator(Paginator):
    estimated = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        key = _key(queryset) if hasattr(queryset, "query") else None
        if key is not None:
            cached = cache.get(key)
            if cached is not None:
                self.estimated, n = cached
                return n
        estimate = planner_estimate(queryset) if hasattr(queryset, "query") else None
        if estimate is not None and estimate > ESTIMATE_ABOVE:
            self.estimated, n = True, estimate
        else:
            self.estimated, n = False, super().count
        if key is not None:
            cache.set(key, (self.estimated, n), CACHE_SECONDS)
        return n
