"""Benchmark rows of the province-speed work (issue 12), each beside its baseline in one run.

Called by `benchmarks/run` after the API rows, in the same process and database:

- the dashboard as the province supervisor (`load_supervisor1`, reads everything) and as the
  supervisor of the largest county (`load_orgsup<n>`, the county and its townships), from the
  rollups (today's path) and counted live from the measures (the old way: what the dashboard
  does when the rollups are not for today or a filter they cannot answer is set);
- the admin measure list: plain, `?due=overdue`, `?unit=` (a top unit with sub-units), search
  `?q=整改` (two characters: no trigram) and a unit name (trigram index), each with the count
  cache cleared before every request (the worst case: a first view);
- `cases.figures.refresh_all` (the nightly recount) once.

Returns rows (name, median ms, p95 ms, notes) and ratios for the summary line.
"""

from __future__ import annotations

import time


def largest_county_supervisor():
    from django.db.models import Count

    from accounts.models import Organisation, User
    from cases.models import Measure

    sizes = dict(Measure.objects.order_by().values_list("case__organisation").annotate(n=Count("pk")))
    best = None
    for org in Organisation.objects.filter(kind=Organisation.Kind.COUNTY):
        below = Organisation.objects.filter(path__startswith=org.path).values_list("pk", flat=True)
        n = sum(sizes.get(pk, 0) for pk in below)
        if best is None or n > best[0]:
            best = (n, org)
    if best is None:
        return None, None, 0
    n, org = best
    user = User.objects.filter(organisation_memberships__organisation=org, is_active=True).order_by("pk").first()
    return user, org, n


def province_rows(runs: int, timed, count_queries) -> tuple[list, list[str]]:
    from django.core.cache import cache
    from django.test import Client

    from accounts.models import Unit, User
    from cases import figures, selectors

    rows, ratios = [], []
    province = User.objects.get(username="load_supervisor1")
    county_user, county, county_measures = largest_county_supervisor()
    people = [("province supervisor", province)]
    if county_user is not None:
        people.append((f"county supervisor, {county.name} ({county_measures:,} measures)", county_user))

    def row(name, client, path, n, *, before=None):
        def fetch():
            if before:
                before()
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
        queries = count_queries(fetch)
        median, p95 = timed(fetch, n, warmup=1)
        rows.append((name, median, p95, f"{queries} queries"))
        return median

    live_reader = selectors.figures_ready
    for who, user in people:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)
        fast = row(f"dashboard, {who}: rollups", client, "/dashboard/", max(5, runs // 2))
        selectors.figures_ready = lambda *a, **k: None  # the old way: count every measure
        try:
            slow = row(f"dashboard, {who}: counted live (old way)", client, "/dashboard/", 3)
        finally:
            selectors.figures_ready = live_reader
        ratios.append(f"dashboard {who.split(',')[0]} live/rollups: {slow / fast:.1f}x")

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(province)
    top = (Unit.objects.filter(parent=None, led_measures__isnull=False).order_by("pk").first()
           or Unit.objects.order_by("pk").first())
    named = Unit.objects.filter(led_measures__isnull=False).order_by("-pk").first()
    for label, query in [("plain", ""), ("?due=overdue", "?due=overdue"), ("?unit= (a top unit)", f"?unit={top.pk}"),
                         ("search ?q=整改", "?q=整改"), ("search a unit name", f"?q={named.name}")]:
        row(f"admin measure list, {label}", client, f"/admin/cases/measure/{query}", max(3, runs // 3),
            before=cache.clear)

    started = time.perf_counter()
    done = figures.refresh_all()
    rows.append(("nightly figures recount (all cases)", (time.perf_counter() - started) * 1000, None,
                 f"1 run; {done.seconds:.1f} s inside refresh_all"))
    return rows, ratios
