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
from functools import cached_property

from django.core.cache import cache
from django.core.paginator import Paginator

from .paging import planner_estimate

ESTIMATE_ABOVE = 20_000
CACHE_SECONDS = 60


def _key(queryset) -> str | None:
    try:
        sql, params = queryset.query.sql_with_params()
    except Exception:  # an empty result set (EmptyResultSet) and the like: no key, count it
        return None
    raw = f"{queryset.db}|{sql}|{params!r}".encode()
    return "rectify:count:" + hashlib.sha1(raw, usedforsecurity=False).hexdigest()


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
