#!/usr/bin/env python
"""Time of the periodic report (page and .docx), the look-back planning and the dashboard on a
database that holds the demo (or a generated province).

    .venv/bin/python benchmarks/reports.py --database sqlite:////tmp/var_lookback/db.sqlite3 [--repeat 5]

The database must be migrated and hold data (`manage.py load_demo`, optionally `generate_load`);
it is only read, except that planning look-backs writes what is missing (idempotent). Each figure
is the median of --repeat runs after one warm-up, with its query count; the .docx includes
rasterising its charts (CairoSVG).
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


def _median(fn, repeat: int) -> tuple[float, int]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    fn()
    times, queries = [], 0
    for _ in range(repeat):
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
        queries = len(ctx.captured_queries)
    return statistics.median(times), queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--user", default="supervisor")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.test import Client
    from django.utils import timezone

    from accounts.models import Organisation, User
    from cases.lookback import services as lookback_services
    from cases.models import Measure
    from cases.reports import document, periods
    from cases.reports.views import build_report

    user = User.objects.get(username=args.user)
    organisation = Organisation.objects.supervised_by(user).order_by("path").first()
    today = timezone.localdate()
    client = Client()
    client.force_login(user)
    rows = []
    for kind in (periods.WEEK, periods.MONTH):
        period = periods.last_complete(kind, today)
        def build(period=period):
            return build_report(user, organisation=organisation, period=period, on=today)

        rows.append((f"report figures ({kind})", *_median(build, args.repeat)))
        report = build()
        rows.append((f".docx with charts ({kind})",
                     *_median(lambda report=report: document.report_docx(report), args.repeat)))
    rows.append(("report page /reports/", *_median(lambda: client.get("/reports/?kind=month"), args.repeat)))
    rows.append(("dashboard /dashboard/", *_median(lambda: client.get("/dashboard/"), args.repeat)))
    rows.append(("look-back queue /lookback/", *_median(lambda: client.get("/lookback/"), args.repeat)))
    rows.append(("plan look-backs (nothing new)", *_median(lookback_services.plan_lookbacks, args.repeat)))
    print(f"{Measure.objects.count()} measures; {args.database.split(':')[0]}; median of {args.repeat}")
    print(f"{'what':38} {'ms':>9} {'queries':>8}")
    for name, ms, queries in rows:
        print(f"{name:38} {ms:9.1f} {queries:8d}")
    page = dict((r[0], r[1]) for r in rows)
    print(f"report page / dashboard: {page['report page /reports/'] / page['dashboard /dashboard/']:.2f}x")


if __name__ == "__main__":
    main()
