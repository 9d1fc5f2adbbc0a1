#!/usr/bin/env python
"""The sign-off queue and sheet at province scale: medians, ratios to the chain-less baseline.

    .venv/bin/python benchmarks/signoff.py [--measures 20000] [--repeat 7] [--database URL]

It builds its own database (default: a fresh SQLite file under /tmp; a postgres:// URL is
created if missing and emptied first), loads the demo (青禾县 has a four-step chain) and a
synthetic province (`generate_load`: 85% of cases with one signature, 12% with a 2-step and 3%
with a 4-step chain), then times as the demo supervisor and as a synthetic 整改办 supervisor:

- the queue's condition (`awaiting_signature_of`) counted, against the old queue (every
  submitted item the person may see) — the price of "only the items at my step";
- `/signoff/` rendered (queries and milliseconds);
- the 销号审批单 of a completed four-step item (`sheet_docx`).
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


def _median_ms(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--measures", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database", default="sqlite:////tmp/rectify_bench_signoff.sqlite3")
    args = parser.parse_args()
    _prepare_database(args.database)
    os.environ["DATABASE_URL"] = args.database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("RECTIFY_VAR_DIR", "/tmp/rectify_bench_signoff_var")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from cases.models import Measure
    from cases.signoff import eligibility, sheet
    from cases.states import State

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0)
    n = args.measures
    call_command("generate_load", measures=n, problems=n // 4, progress=n * 3, cases=max(n // 200, 5),
                 units=max(n // 200, 20), verbosity=0)
    people = [User.objects.get(username="supervisor"), User.objects.get(username="load_supervisor1")]
    print(f"database {connection.vendor}, {Measure.objects.count():,} measures, "
          f"{Measure.objects.filter(state=State.SUBMITTED).count():,} waiting for sign-off, median of {args.repeat}")
    print(f"{'who':<18}{'old queue':>12}{'my step':>12}{'ratio':>8}{'page ms':>10}{'queries':>9}{'items':>7}")
    for user in people:
        old = Measure.objects.restrict(user).filter(state=State.SUBMITTED)
        new = Measure.objects.restrict(user).filter(eligibility.awaiting_signature_of(user))
        old_ms = _median_ms(lambda: old.count(), args.repeat)  # noqa: B023
        new_ms = _median_ms(lambda: new.count(), args.repeat)  # noqa: B023
        client = Client()
        client.force_login(user)
        page_ms = _median_ms(lambda: client.get("/signoff/"), args.repeat)  # noqa: B023
        with CaptureQueriesContext(connection) as queries:
            client.get("/signoff/")
        print(f"{user.username:<18}{old_ms:>10.1f}ms{new_ms:>10.1f}ms{new_ms / old_ms:>8.2f}{page_ms:>10.1f}"
              f"{len(queries):>9}{new.count():>7}")
    item = Measure.objects.filter(case__signoff_chain__steps__position=4, state=State.COMPLETED).first()
    if item is not None:
        docx_ms = _median_ms(lambda: sheet.sheet_docx(item), args.repeat)
        print(f"销号审批单 of a four-step item: {docx_ms:.1f} ms, {len(sheet.sheet_docx(item)):,} bytes")


if __name__ == "__main__":
    main()
