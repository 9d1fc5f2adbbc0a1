"""Benchmark of the weekly reminder job: time and peak memory for 10,000 and 50,000 overdue items.

    .venv/bin/python benchmarks/reminders.py                      # SQLite file in a temp dir
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rectify .venv/bin/python benchmarks/reminders.py
    .venv/bin/python benchmarks/reminders.py --units 2000 --items 10000 50000

Builds the items with bulk_create in a throwaway database (a temp SQLite file, or a
`test_<name>` database next to the PostgreSQL one given, dropped afterwards), then runs the
whole job in this process once per size (the same week, replayed from scratch): planning,
timed, then planning again under tracemalloc for its peak memory (tracing slows Python down
several times over, so the traced run is timed apart), then every send, with mail written to
files in a temp dir (`--no-send` skips the sends). Planning streams the items in chunks, so
its peak Python memory stays flat as the items grow; each send holds one recipient's items,
so the process's peak RSS does not grow with them either.
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
TMP = Path(tempfile.mkdtemp(prefix="rectify-bench-"))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{TMP / 'bench.sqlite3'}")
os.environ.update(
    DJANGO_SETTINGS_MODULE="config.settings", RECTIFY_VAR_DIR=str(TMP), CELERY_TASK_ALWAYS_EAGER="true",
    LOG_LEVEL="WARNING",
)
for name in ("EMAIL_URL", "EMAIL_HOST", "REDIS_URL", "CELERY_BROKER_URL"):
    os.environ.pop(name, None)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import Membership, Unit, User  # noqa: E402
from cases import reminders, tasks  # noqa: E402
from cases.models import Case, Issue, Measure, Reminder  # noqa: E402

START = datetime.date(2026, 3, 2)  # a Monday


def build_units(n_units: int, n_leaders: int) -> tuple[list[Unit], list[User]]:
    leaders = User.objects.bulk_create(
        [User(username=f"leader{i}", name=f"领导{i}", email=f"leader{i}@bench.cn") for i in range(n_leaders)])
    units = Unit.objects.bulk_create(
        [Unit(name=f"单位{i:05d}", email=f"unit{i}@bench.cn", head=leaders[i % n_leaders]) for i in range(n_units)])
    for unit in units:
        unit.path = f"/{unit.pk}/"
    Unit.objects.bulk_update(units, ["path"], batch_size=1000)
    staff = User.objects.bulk_create(
        [User(username=f"staff{i}", name=f"联络员{i}", email=f"staff{i}@bench.cn") for i in range(n_units)])
    Membership.objects.bulk_create([Membership(user=s, unit=u) for s, u in zip(staff, units, strict=True)])
    User.objects.create(username="boss", name="督导", email="boss@bench.cn", is_superuser=True)
    return units, leaders


def add_items(count: int, units: list[Unit], leaders: list[User], on: datetime.date) -> None:
    """`count` ongoing items overdue by 1–60 days on `on`, spread over every unit."""
    case = Case.objects.create(title=f"基准测试 {count}", inspected_body="基准")
    issue = Issue.objects.create(case=case, title="问题", path="/")
    batch = []
    for i in range(count):
        deadline = on - datetime.timedelta(days=1 + i % 60)
        batch.append(Measure(case=case, issue=issue, text=f"整改措施{i}:建立健全制度,开展专项整治", label="一是",
                             lead_unit=units[i % len(units)], lead_leader=leaders[i % len(leaders)],
                             deadline=deadline, original_deadline=deadline))
        if len(batch) == 5000:
            Measure.objects.bulk_create(batch)
            batch = []
    Measure.objects.bulk_create(batch)


def run_week(on: datetime.date, *, send: bool = True) -> dict:
    """Plan (timed), plan again traced (its peak must not grow with the items), then send every
    reminder (timed) unless `send` is False."""
    started = time.perf_counter()
    plan = reminders.plan_week(on=on)
    planned_in = time.perf_counter() - started
    Reminder.objects.filter(period=plan.period).delete()
    tracemalloc.start()
    started = time.perf_counter()
    plan = reminders.plan_week(on=on)
    traced_in = time.perf_counter() - started
    _, plan_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    started = time.perf_counter()
    if send:
        tasks.dispatch(plan.reminder_ids, on)  # eager: each send runs here, as a worker would run it
    sent_in = time.perf_counter() - started
    sent = Reminder.objects.filter(period=plan.period, status=Reminder.Status.SENT).count()
    return {"planned": len(plan.reminder_ids), "sent": sent, "plan_s": planned_in, "traced_s": traced_in,
            "send_s": sent_in, "plan_peak_mib": plan_peak / 2**20,
            "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--leaders", type=int, default=100)
    parser.add_argument("--items", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--no-send", dest="send", action="store_false", help="plan only")
    args = parser.parse_args()

    postgres = connection.vendor == "postgresql"
    if postgres:
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
    else:
        call_command("migrate", verbosity=0)
    try:
        print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        units, leaders = build_units(args.units, args.leaders)
        total, on = 0, START
        for size in sorted(args.items):
            add_items(size - total, units, leaders, on)
            total = size
            r = run_week(on, send=args.send)
            print(f"{size:>7,} overdue items, {args.units:,} units: planned {r['planned']:,} reminders in "
                  f"{r['plan_s']:5.1f} s ({r['traced_s']:5.1f} s traced, peak Python memory "
                  f"{r['plan_peak_mib']:5.1f} MiB), sent {r['sent']:,} in {r['send_s']:5.1f} s; "
                  f"process peak RSS so far {r['rss_mib']:.0f} MiB")
            # The next size replays the same week from scratch.
            Reminder.objects.all().delete()
    finally:
        if postgres:
            connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


if __name__ == "__main__":
    main()
