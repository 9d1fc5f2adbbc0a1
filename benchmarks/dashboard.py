#!/usr/bin/env python
"""Render time and query count of /dashboard/ on the demo and on a synthetic province.

    .venv/bin/python benchmarks/dashboard.py [--measures 40000] [--repeat 7] [--database URL]

It builds its own database (default: a fresh SQLite file under /tmp; pass
--database postgres://postgres@127.0.0.1:5432/rectify_bench_dashboard for PostgreSQL, whose
database is created if missing and emptied first), loads the demo, times the dashboard
as the demo supervisor, then adds a synthetic province with `manage.py generate_load` and
times it again, unfiltered and filtered to one case and one unit. Each figure is the median
of --repeat renders after one warm-up; the query count must not move with the data.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _prepare_database(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(url.split("sqlite:///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--measures", type=int, default=40_000, help="measures of the synthetic province")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database", default="sqlite:////tmp/rectify_bench_dashboard.sqlite3")
    args = parser.parse_args()

    _prepare_database(args.database)
    os.environ["DATABASE_URL"] = args.database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Timings should not include SQL logging or debug-toolbar style overhead.
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import Role, User
    from cases.models import Case, Measure, ProgressUpdate

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(User.objects.get(username="supervisor"))

    def measure(label: str, url: str) -> tuple:
        assert client.get(url).status_code == 200  # warm-up: templates, translations, connections
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return (label, Measure.objects.count(), ProgressUpdate.objects.count(), len(queries),
                statistics.median(times), min(times))

    dashboard = reverse("cases:dashboard")
    rows = [measure("demo", dashboard)]
    n = args.measures
    started = time.perf_counter()
    call_command(
        "generate_load", cases=max(n // 200, 5), units=max(n // 100, 10), problems=max(n // 4, 5), measures=n,
        progress=n * 3, supervisors=4, seed=1, verbosity=0,
    )
    built = time.perf_counter() - started
    supervisor = User.objects.filter(groups__name=Role.SUPERVISOR).exclude(username="supervisor").first()
    client.force_login(supervisor)
    rows.append(measure("province", dashboard))
    case = Case.objects.order_by("-pk").first()
    rows.append(measure("province, one case", f"{dashboard}?case={case.pk}"))
    unit = Measure.objects.order_by("-pk").values_list("lead_unit", flat=True).first()
    rows.append(measure("province, one unit", f"{dashboard}?unit={unit}"))

    vendor = connection.vendor
    print(f"\n/dashboard/ on {vendor}, median of {args.repeat} renders (synthetic data built in {built:.0f} s)\n")
    head = ("data set", "measures", "progress", "queries", "median ms", "min ms")
    print("| {:<20} | {:>9} | {:>9} | {:>7} | {:>9} | {:>7} |".format(*head))
    print(f"|{'-' * 22}|{'-' * 11}|{'-' * 11}|{'-' * 9}|{'-' * 11}|{'-' * 9}|")
    for label, measures, progress, queries, median, fastest in rows:
        print(f"| {label:<20} | {measures:>9,} | {progress:>9,} | {queries:>7} | {median:>9.1f} | {fastest:>7.1f} |")


if __name__ == "__main__":
    main()
