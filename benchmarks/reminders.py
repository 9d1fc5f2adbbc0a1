#!/usr/bin/env python
"""The weekly reminder job end to end, with the Procfile's Celery workers really running.

    .venv/bin/python benchmarks/reminders.py                 # default scale: 80,000 measures, 400 units
    .venv/bin/python benchmarks/reminders.py --full          # 2,000 units, 240,000 measures (~50,000 overdue)
    .venv/bin/python benchmarks/reminders.py --province --reuse --db postgres://…/rectify_bench
                                                             # the province of `benchmarks/run --full`
    .venv/bin/python benchmarks/reminders.py --reuse         # keep the database if it holds this scale's data

Against PostgreSQL (`--db`, default the database of DATABASE_URL or postgres://…/rectify_mail,
dropped and regenerated with `generate_load` unless `--reuse` finds this scale's data), a real
Redis broker (`--redis`, default REDIS_URL) and a real local SMTP server (`benchmarks/smtp_sink.py`,
aiosmtpd in its own process), it starts `worker1` and `worker2` exactly as the Procfile writes
them (each `--concurrency` processes), on a queue of its own, then runs the weekly job as beat
would: the urging levels, the planning (timed, its statements counted) and one send task per
reminder queued on commit; the workers claim, render and send every mail. It prints:

* planning time and statements; sending time from the first task queued to the last mail sent;
  mails/s; the end-to-end time; how many the SMTP server received and their sizes;
* the peak RSS of every process (this one, each worker's main and pool processes, the server);
* statements and time per mail (a sample of 20 sent again in this process);
* rendering per mail, old code against new in one run (`--before`, default c1e5108: the rendering
  that loaded every item of a digest; its rendering.py and its templates), median ms and the largest
  mail, over the largest digests and escalations of the week; and the rendering as the workers do
  it: batches of 20 reminders in plan order, the rows of their sets built together, the cache cold.

The nightly figures recount runs first when today's has not (at the weekly job's hour it has).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCALES = {
    "quick": {"cases": 40, "units": 60, "problems": 1_000, "measures": 4_000, "progress": 10_000},
    "default": {"cases": 400, "units": 400, "problems": 20_000, "measures": 80_000, "progress": 200_000},
    "full": {"cases": 2_000, "units": 2_000, "problems": 60_000, "measures": 240_000, "progress": 600_000},
    # `benchmarks/run --full`'s province (its database, rectify_bench, is reused when it holds it).
    "province": {"cases": 2_000, "units": 2_000, "problems": 100_000, "measures": 400_000, "progress": 1_000_000},
}
QUEUE = "rectify-bench-mail"
BEFORE = {  # the same job before issue 12's mail work, as the issue measured it
    "quick": "not measured by the issue",
    "default": "205 s for 1,063 reminders (sent in one process)",
    "full": "planning 7 s + sending 4,101 mails 323 s (~79 ms a mail) at 50,000 overdue / 2,000 units",
    "province": "planning 38 s and 1,323 queries for 5,224 reminders; an estimated ~20 min to send",
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--full", dest="scale", action="store_const", const="full")
    size.add_argument("--province", dest="scale", action="store_const", const="province",
                      help="the full province of `benchmarks/run --full` (400,000 measures)")
    size.add_argument("--scale", choices=sorted(SCALES), help="any scale by name (`benchmarks/run` passes its own)")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--json", action="store_true", help="end with one line of the figures as JSON")
    parser.add_argument("--db", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rectify_mail"))
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/6"))
    parser.add_argument("--concurrency", type=int, default=2, help="CELERY_CONCURRENCY of each Procfile worker")
    parser.add_argument("--rate", default="500/s", help="DELIVERY_RATE_LIMIT for the run (all workers together)")
    parser.add_argument("--before", default="c1e5108", help="git revision of the old rendering")
    parser.add_argument("--timeout", type=float, default=900)
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(url: str, scale: dict, reuse: bool) -> bool:
    """Drop and create the database unless reused; True when it must be generated."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reuse:
            with psycopg.connect(url) as conn:
                try:
                    n = conn.execute("SELECT count(*) FROM cases_measure").fetchone()[0]
                except psycopg.Error:
                    n = 0
            if n == scale["measures"]:
                return False
            if n:
                # Never drop a database it was asked to reuse (benchmarks/run's province, say).
                raise SystemExit(f"{name} holds {n:,} measures, not this scale's {scale['measures']:,}: "
                                 "choose its scale (--scale) or another database (--db)")
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return True


def procfile_command(name: str, concurrency: int) -> list[str]:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith(f"{name}:"):
            command = line.split(":", 1)[1].strip().replace("${CELERY_CONCURRENCY:-2}", str(concurrency))
            command = command.replace("--loglevel=INFO", "--loglevel=WARNING")
            return [str(ROOT / ".venv" / "bin" / "celery"), *shlex.split(command)[1:], "-Q", QUEUE]
    raise SystemExit(f"Procfile has no {name}")


def cpu_seconds(pids) -> float:
    """User + system CPU seconds used so far by these processes and their children (psutil)."""
    import psutil

    total = 0.0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            for proc in [root, *root.children(recursive=True)]:
                times = proc.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def postgres_cpu_seconds() -> float:
    """CPU seconds of every PostgreSQL server process running now (the server's share of the work)."""
    import psutil

    total = 0.0
    for proc in psutil.process_iter(["name", "cpu_times"]):
        if proc.info["name"] and proc.info["name"].startswith("postgres") and proc.info["cpu_times"]:
            total += proc.info["cpu_times"].user + proc.info["cpu_times"].system
    return total


def tree_rss(pid: int) -> list[tuple[int, str, float]]:
    """(pid, name, peak RSS MB) of a process and its children, from /proc (VmHWM)."""
    import psutil

    found = []
    try:
        root = psutil.Process(pid)
        for proc in [root, *root.children(recursive=True)]:
            for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    found.append((proc.pid, "main" if proc.pid == pid else "pool", int(line.split()[1]) / 1024))
    except (psutil.Error, OSError):
        pass
    return found


class Counter:
    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def _module_at(rev: str, name: str):
    """The module cases/reminders/<name>.py as it was at `rev`, loaded under a name of its own."""
    import importlib.util

    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:cases/reminders/{name}.py"], check=True,
                            capture_output=True, text=True).stdout
    spec = importlib.util.spec_from_loader(f"cases.reminders._before_{name}", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "cases.reminders"
    sys.modules[spec.name] = module  # dataclasses look their module up while the source runs
    exec(compile(source, f"{rev}:{name}.py", "exec"), module.__dict__)
    return module


def old_rendering(rev: str):
    """cases/reminders/rendering.py as it was at `rev`, loaded beside today's, with the selection rules
    and the templates as they were at `rev` too: today's may lack what the old code imports, and
    today's templates print what only today's rendering puts in their context."""
    import io
    import tarfile

    from django.conf import settings
    from django.template.backends.django import DjangoTemplates

    today = sys.modules["cases.reminders.selection"]
    sys.modules["cases.reminders.selection"] = _module_at(rev, "selection")  # for `from .selection import`
    try:
        module = _module_at(rev, "rendering")
    finally:
        sys.modules["cases.reminders.selection"] = today
    folder = Path(tempfile.mkdtemp(prefix="rectify-templates-"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "templates"], check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    config = settings.TEMPLATES[0]
    engine = DjangoTemplates({"NAME": "before", "DIRS": [folder / "templates"], "APP_DIRS": config["APP_DIRS"],
                              "OPTIONS": dict(config.get("OPTIONS", {}))})
    module.render_to_string = lambda name, context=None, request=None: engine.get_template(name).render(
        context, request)
    return module


def main() -> int:
    args = parse_args()
    scale_name = args.scale or "default"
    scale = SCALES[scale_name]
    tmp = Path(tempfile.mkdtemp(prefix="rectify-mail-bench-"))
    smtp_port = free_port()
    env = {
        **os.environ, "DATABASE_URL": args.db, "REDIS_URL": args.redis, "CELERY_BROKER_URL": args.redis,
        "CELERY_TASK_DEFAULT_QUEUE": QUEUE, "CELERY_TASK_ALWAYS_EAGER": "false", "DEBUG": "false",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}", "DELIVERY_RATE_LIMIT": args.rate, "LOG_LEVEL": "WARNING",
        "RECTIFY_VAR_DIR": str(tmp), "DJANGO_SETTINGS_MODULE": "config.settings",
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}",
    }
    env.pop("RECTIFY_ENV", None)
    os.environ.update({k: v for k, v in env.items() if k != "PATH"})
    generate = prepare_database(args.db, scale, args.reuse)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Count
    from django.utils import timezone

    from cases import tasks
    from cases.models import FiguresRefresh, Measure, Reminder
    from cases.reminders import week_start
    from cases.urging import levels

    load = os.getloadavg()
    print(f"{scale_name} scale · {os.cpu_count()} cores · load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}",
          flush=True)
    started = time.perf_counter()
    if generate:
        call_command("migrate", verbosity=0)
        call_command("generate_load", **scale, seed=1, verbosity=0)
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
        print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)
    else:
        call_command("migrate", verbosity=0)
    today = timezone.localdate()
    # The daily urging run of the previous working day stored its levels, as in a deployment, where
    # it runs every working day: the weekly job's own refresh moves only what today changed.
    from cases import holidays

    t = time.perf_counter()
    yesterday = today - datetime.timedelta(days=1)
    while not holidays.is_working_day(yesterday):
        yesterday -= datetime.timedelta(days=1)
    levels.refresh(on=yesterday)
    print(f"levels of the previous working day ({yesterday}) stored: {time.perf_counter() - t:.1f} s", flush=True)
    if not FiguresRefresh.objects.filter(on=today).exists():
        t = time.perf_counter()
        call_command("refresh_figures", verbosity=0)
        print(f"nightly figures recount (before the job, as at 09:00): {time.perf_counter() - t:.1f} s", flush=True)
    overdue = Measure.objects.overdue(today).count()
    units = len({u for u in Measure.objects.values_list("lead_unit", flat=True).distinct()})
    print(f"{Measure.objects.count():,} measures, {overdue:,} overdue, {units:,} lead units", flush=True)

    period = week_start(today)
    Reminder.objects.filter(period=period).delete()
    from config.celery import app

    app.control.purge()
    # A cold week: nothing of an earlier run cached (the supervisors' summaries, the mails' rows).
    from django.core.cache import cache

    cache.clear()
    stats_file = tmp / "smtp.json"
    sink = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "smtp_sink.py"), str(smtp_port),
                             str(stats_file)], stdout=subprocess.PIPE, text=True, env=env)
    assert sink.stdout.readline().strip() == "ready"
    workers = {}
    for name in ("worker1", "worker2"):
        log = open(tmp / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
        workers[name] = subprocess.Popen(procfile_command(name, args.concurrency), cwd=ROOT, env=env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        replies = app.control.ping(timeout=1.0) or []
        if len(replies) >= len(workers):
            break
    else:
        raise SystemExit(f"workers did not start; see {tmp}")
    print(f"workers up: {', '.join(sorted(k for r in replies for k in r))} ({args.concurrency} processes each); "
          f"SMTP server on port {smtp_port}; rate {args.rate}", flush=True)

    try:
        # --- the weekly job, as beat runs it: levels, planning, one send task per reminder on commit
        job_started = time.perf_counter()
        cpu_before = {"workers": cpu_seconds(p.pid for p in workers.values()), "smtp": cpu_seconds([sink.pid]),
                      "postgres": postgres_cpu_seconds(), "job": time.process_time()}
        counter = Counter()
        with connection.execute_wrapper(counter):
            levels.refresh(on=today)
            levelled = time.perf_counter()
            with transaction.atomic():
                plan = tasks.run_reminders(on=today)
            planned = time.perf_counter()  # the on-commit dispatch has queued every send by now
        queued = planned
        total = len(plan.reminder_ids)
        while time.perf_counter() - job_started < args.timeout:
            left = Reminder.objects.filter(period=period, status__in=[Reminder.Status.PENDING,
                                                                      Reminder.Status.SENDING]).count()
            if not left:
                break
            time.sleep(0.2)
        done = time.perf_counter()
        cpu = {"workers": cpu_seconds(p.pid for p in workers.values()) - cpu_before["workers"],
               "smtp": cpu_seconds([sink.pid]) - cpu_before["smtp"],
               "postgres": postgres_cpu_seconds() - cpu_before["postgres"],
               "job": time.process_time() - cpu_before["job"]}
        peaks = {name: tree_rss(proc.pid) for name, proc in workers.items()}
        statuses = dict(Reminder.objects.filter(period=period).values_list("status").annotate(n=Count("pk")))
        sent = statuses.get(Reminder.Status.SENT, 0)
        kinds = dict(Reminder.objects.filter(period=period).values_list("kind").annotate(n=Count("pk")))
    finally:
        for proc in workers.values():
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in workers.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    sending = done - queued

    # --- per mail, in this process: statements and time of a sample sent again
    from cases.reminders import deliver

    sample = list(Reminder.objects.filter(period=period, status=Reminder.Status.SENT).order_by("?")
                  .values_list("pk", flat=True)[:20])
    Reminder.objects.filter(pk__in=sample).update(status=Reminder.Status.PENDING)
    per_mail, statements = [], []
    for pk in sample:
        c = Counter()
        t = time.perf_counter()
        with connection.execute_wrapper(c):
            deliver(reminder_id=pk, on=today)
        per_mail.append((time.perf_counter() - t) * 1000)
        statements.append(c.n)
    sink.send_signal(signal.SIGTERM)
    sink.wait(30)
    smtp = json.loads(stats_file.read_text())

    # --- rendering, old against new, over the largest mails of the week
    from cases.reminders import rendering

    before = old_rendering(args.before)
    heavy = list(Reminder.objects.filter(period=period).exclude(kind=Reminder.Kind.SUPERVISOR_SUMMARY)
                 .select_related("recipient", "unit").order_by("-item_count", "pk")[:15])
    heavy += list(Reminder.objects.filter(period=period, kind=Reminder.Kind.UNIT_DIGEST)
                  .select_related("recipient", "unit").order_by("?")[:15])
    renders = {"before": [], "now": []}
    largest = {"before": 0, "now": 0}
    renders["now, rows cached"] = []
    for label, module in (("before", before), ("now", rendering)):
        for reminder in heavy:
            module.render_reminder(reminder, on=today)  # warm
        for reminder in heavy:
            if module is rendering:
                cache.clear()  # the workers are stopped: nothing else is in this Redis database now
            t = time.perf_counter()
            message = module.render_reminder(reminder, on=today)
            renders[label].append((time.perf_counter() - t) * 1000)
            if message is not None:
                largest[label] = max(largest[label], len(message.text.encode()) + len(message.html.encode()))
            if module is rendering:  # the next mail listing the same items takes the rows built
                t = time.perf_counter()
                module.render_reminder(reminder, on=today)
                renders["now, rows cached"].append((time.perf_counter() - t) * 1000)
    # As the workers render: a task's batch of 20 reminders in plan order, the rows of all its
    # digests built together (`shown_items_many`), each mail with the parts of its channel; the
    # cache cleared first, so each batch builds what no earlier one did (a cold week).
    from django.conf import settings
    from django.utils import translation

    from cases.delivery import parts_for
    from cases.delivery.outbox import target_of
    from cases.tasks import SEND_BATCH

    week = list(Reminder.objects.filter(period=period).order_by("pk").values_list("pk", flat=True))
    starts = list(range(0, len(week), SEND_BATCH))[::max(1, len(week) // SEND_BATCH // 15)][:15]
    cache.clear()
    batch_ms = []
    for start in starts:
        batch = list(Reminder.objects.filter(pk__in=week[start:start + SEND_BATCH])
                     .select_related("recipient", "unit", "channel").order_by("pk"))
        t = time.perf_counter()
        with translation.override(settings.LANGUAGE_CODE):
            shown = rendering.shown_items_many([r for r in batch if r.kind != Reminder.Kind.SUPERVISOR_SUMMARY],
                                               on=today, thresholds=rendering.Thresholds.from_settings())
        for reminder in batch:
            rendering.render_reminder(reminder, on=today, parts=parts_for(target_of(reminder).channel),
                                      shown=shown.get(reminder.pk))
        batch_ms.append((time.perf_counter() - t) * 1000 / len(batch))
    summary_rows = Reminder.objects.filter(period=period, kind=Reminder.Kind.SUPERVISOR_SUMMARY).select_related(
        "recipient", "unit")
    summary_sizes = []
    summary_ms = []
    for reminder in summary_rows[:30]:
        t = time.perf_counter()
        message = rendering.render_reminder(reminder, on=today)
        summary_ms.append((time.perf_counter() - t) * 1000)
        if message is not None:
            summary_sizes.append(len(message.text.encode()) + len(message.html.encode()))

    import resource

    end = time.perf_counter()
    load = os.getloadavg()
    lines = [
        f"weekly job, {scale_name} scale ({overdue:,} overdue, {units:,} units), load average now "
        f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}:",
        f"  levels refreshed in {levelled - job_started:.1f} s; planning {planned - levelled:.1f} s, "
        f"{counter.n:,} statements (levels and planning); {total:,} reminders "
        f"({', '.join(f'{k} {v:,}' for k, v in sorted(kinds.items()))})",
        f"  sending {sending:.1f} s for {sent:,} sent ({statuses}), "
        f"{sent / sending if sending else 0:.0f} mails/s over "
        f"2 workers × {args.concurrency} processes; end to end {done - job_started:.1f} s",
        f"  CPU seconds from the job's start to the last mail sent ({os.cpu_count()} cores × "
        f"{done - job_started:.0f} s = {os.cpu_count() * (done - job_started):.0f} available): "
        f"workers {cpu['workers']:.0f}, PostgreSQL {cpu['postgres']:.0f}, SMTP server {cpu['smtp']:.0f}, "
        f"planning process {cpu['job']:.0f}; per mail sent: workers "
        f"{cpu['workers'] * 1000 / max(sent, 1):.1f} ms, PostgreSQL {cpu['postgres'] * 1000 / max(sent, 1):.1f} ms",
        f"  SMTP server received {smtp['messages']:,} messages, {smtp['bytes'] / 1e6:.1f} MB, largest "
        f"{smtp['largest'] / 1024:.0f} KB",
        f"  per mail (20 sent again in this process): median {statistics.median(per_mail):.1f} ms, "
        f"{statistics.median(statements):.0f} statements",
        "  rendering, median per mail over the week's 15 largest digests/escalations and 15 random digests: "
        f"before {statistics.median(renders['before']):.1f} ms (largest {largest['before'] / 1024:.0f} KB), "
        f"now {statistics.median(renders['now']):.1f} ms building the rows (largest {largest['now'] / 1024:.0f} KB), "
        f"{statistics.median(renders['now, rows cached']):.1f} ms for a mail listing items another built; "
        f"ratio {statistics.median(renders['before']) / statistics.median(renders['now']):.1f}x",
        f"  rendering as the workers do, {len(batch_ms)} batches of {SEND_BATCH} in plan order (rows built "
        f"together, cache cold): median {statistics.median(batch_ms):.1f} ms a mail, slowest batch "
        f"{max(batch_ms):.1f} ms a mail",
        f"  supervisor summaries: {len(summary_sizes)} rendered, median {statistics.median(summary_ms or [0]):.1f} ms,"
        f" largest {max(summary_sizes or [0]) / 1024:.0f} KB",
        "  peak RSS: this process {:.0f} MB; SMTP server {:.0f} MB; ".format(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, smtp["peak_rss_mb"])
        + "; ".join(f"{name} " + ", ".join(f"{kind} {mb:.0f} MB" for _pid, kind, mb in peak)
                    for name, peak in peaks.items()),
        f"  before (issue 12, same scale): {BEFORE[scale_name]}",
        f"  (whole benchmark {end - started:.0f} s; logs in {tmp})",
    ]
    print("\n".join(lines), flush=True)
    if args.json:
        print(json.dumps({
            "end_to_end_s": done - job_started, "planning_s": planned - levelled, "levels_s": levelled - job_started,
            "sending_s": sending, "sent": sent, "reminders": total, "mails_per_s": sent / sending if sending else 0,
            "cpu_s": cpu, "cores": os.cpu_count(), "concurrency": args.concurrency,
            "per_mail_ms": statistics.median(per_mail), "render_ms": statistics.median(renders["now"]),
            "render_cached_ms": statistics.median(renders["now, rows cached"]),
            "render_batch_ms": statistics.median(batch_ms),
            "largest_kb": smtp["largest"] / 1024, "peak_worker_mb": max(mb for peak in peaks.values()
                                                                       for _pid, _kind, mb in peak),
        }), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
