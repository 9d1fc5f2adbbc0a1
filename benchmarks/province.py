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

    try:
        from django.utils import timezone
        from rest_framework.authtoken.models import Token

        from cases.models import Measure

        today = timezone.localdate()
        token, _ = Token.objects.get_or_create(user=province)
        api = Client(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="zh-hans")
        last = max(1, -(-Measure.objects.overdue(on=today).count() // 50))
        row(f"API overdue list, last page ({last:,}), province supervisor", api,
            f"/api/v1/measures/?overdue_on={today.isoformat()}&ordering=deadline&page={last}", runs)
    except Exception as exc:
        rows.append(("API overdue list, last page", None, None, f"failed: {exc!r}"[:200]))

    started = time.perf_counter()
    done = figures.refresh_all()
    ms = (time.perf_counter() - started) * 1000
    rows.append(("nightly figures recount (all cases)", ms, ms, f"1 run; {done.seconds:.1f} s inside refresh_all"))
    try:
        rows.extend(staff_rows(runs, timed, count_queries, ratios))
    except Exception as exc:  # a failed row is reported, not allowed to lose the whole run
        rows.append(("staff rows", None, None, f"failed: {exc!r}"[:200]))
    return rows, ratios


def _old_units_condition(unit_ids):
    """The staff scope before issue 12: "lead IN (…) OR EXISTS (supporting)" (the baseline)."""
    from django.db.models import Exists, OuterRef, Q

    from cases.models import Measure

    supporting = Measure.supporting_units.through.objects.filter(measure_id=OuterRef("pk"), unit_id__in=unit_ids)
    return Q(lead_unit_id__in=sorted(unit_ids)) | Exists(supporting)


def top_staff():
    """A staff member of the top unit with the most sub-units, and a label naming them."""
    from django.db.models import Count

    from accounts.models import Membership, Unit

    best = None
    for root in Unit.objects.filter(parent=None).annotate(n=Count("children")).order_by("-n")[:20]:
        n = Unit.objects.filter(path__startswith=root.path).count()
        if best is None or n > best[0]:
            best = (n, root)
    if best is None:
        return None, ""
    n_units, unit = best
    membership = Membership.objects.filter(unit=unit).select_related("user").order_by("pk").first()
    if membership is None:
        return None, ""
    return membership.user, f"staff of {unit.name[:12]}… ({n_units} units)"


def staff_rows(runs: int, timed, count_queries, ratios) -> list:
    """Staff of the top unit with the most sub-units: /my/, /items/?overdue=true, the API's
    overdue list, and the scope's overdue page + count with the old and the new condition."""
    from django.test import Client
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from cases.models import Measure, MeasureQuerySet

    rows = []
    staff, label = top_staff()
    if staff is None:
        return rows

    def row(name, client, path, n):
        def fetch():
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
        queries = count_queries(fetch)
        median, p95 = timed(fetch, n, warmup=1)
        rows.append((name, median, p95, f"{queries} queries"))

    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    browser.force_login(staff)
    row(f"/my/, {label}", browser, "/my/", max(3, runs // 2))
    row(f"/items/?overdue=true, {label}", browser, "/items/?overdue=true", max(3, runs // 2))
    token, _ = Token.objects.get_or_create(user=staff)
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    today = timezone.localdate()
    row(f"API overdue list, {label}", api, f"/api/v1/measures/?overdue_on={today.isoformat()}&ordering=deadline",
        runs)

    unit_ids = staff.unit_ids
    samples = {}
    for name, condition in (("old: lead IN (…) OR EXISTS", _old_units_condition(unit_ids)),
                            ("new: UNION of two index scans", MeasureQuerySet._units_condition(unit_ids))):
        qs = Measure.objects.filter(condition).overdue(on=today).order_by("deadline", "pk")

        def page(qs=qs):
            qs.count()
            list(qs.values_list("pk", flat=True)[:50])
        median, p95 = timed(page, max(3, runs // 2), warmup=1)
        samples[name] = median
        rows.append((f"staff scope, overdue count + page of 50 ({name})", median, p95, "2 queries"))
    old, new = samples.values()
    ratios.append(f"staff scope old/new: {old / new:.1f}x")
    return rows
