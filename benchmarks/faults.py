#!/usr/bin/env python
"""Fault runs: Redis stopped, and (with --postgres-restart) PostgreSQL restarted mid-load.

    .venv/bin/python benchmarks/faults.py [--port 8108] [--postgres-restart]

Redis: a private redis-server on 127.0.0.1:6390 (the shared one on 6379 is never touched)
is the cache and broker of a gunicorn on 127.0.0.1:<port> serving the load-test database
(run benchmarks/loadtest.py first). With Redis up, then stopped, the script reads the API
and logs progress; every answer must be 2xx. The weekly reminder job is then run while the
broker is down: its reminders are recorded in the database first, so none may be lost.

PostgreSQL (--postgres-restart, destructive for everyone on the server: run it alone): a
writer keeps logging progress while the cluster restarts; every answer must be 2xx, a clean
5xx/503 in the API's error shape, or a refused connection, and afterwards every measure's
version must equal 1 + its progress rows (no half-write) and every 2xx write must be stored.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
REDIS_PORT = 6390


def call(method: str, url: str, token: str, body: dict | None = None) -> tuple[int, str]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"Token {token}", "Content-Type": "application/json", "Accept-Language": "zh-hans"})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")
    except OSError as exc:
        return 0, str(exc)


def django_json(script: str, env: dict) -> dict:
    done = subprocess.run([str(BIN / "python"), "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


SETUP = r"""
import json, django
django.setup()
from rest_framework.authtoken.models import Token
from accounts.models import User
from cases.models import Measure
staff = next(u for u in User.objects.filter(username__startswith="load_staff").order_by("pk")
             if Measure.objects.restrict(u).ongoing().exists())
ids = list(Measure.objects.restrict(staff).ongoing().values_list("pk", flat=True)[:20])
print(json.dumps({"token": Token.objects.get_or_create(user=staff)[0].key, "ids": ids}))
"""

CONSISTENCY = r"""
import json, django
django.setup()
from django.db import connection
from cases.models import Reminder
with connection.cursor() as cur:
    cur.execute("SELECT count(*) FROM cases_progressupdate")
    progress = cur.fetchone()[0]
    cur.execute('''SELECT count(*) FROM cases_measure m WHERE m.version <> 1 +
                   (SELECT count(*) FROM cases_progressupdate p WHERE p.measure_id = m.id)''')
    mismatch = cur.fetchone()[0]
print(json.dumps({"progress": progress, "version_mismatch": mismatch,
                  "reminders": Reminder.objects.count(),
                  "pending": Reminder.objects.filter(status="pending").count()}))
"""


SWEEP = r"""
import json, datetime, django
django.setup()
from django.utils import timezone
from cases import reminders, tasks
# What the half-hourly beat task send_stranded_reminders does, without waiting 10 minutes.
today = timezone.localdate()
ids = reminders.stranded(on=today, older_than=datetime.timedelta(0))
tasks.dispatch(ids, today)
print(json.dumps({"queued": len(ids)}))
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8108)
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/rectify_scale_load")
    parser.add_argument("--postgres-restart", action="store_true")
    args = parser.parse_args(argv)
    redis_url = f"redis://127.0.0.1:{REDIS_PORT}/0"
    env = {**os.environ, "DATABASE_URL": args.database, "REDIS_URL": redis_url, "DEBUG": "false",
           "LOG_LEVEL": "ERROR", "EMAIL_URL": "dummymail://", "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("CELERY_BROKER_URL", None)
    who = django_json(SETUP, env)
    base = f"http://127.0.0.1:{args.port}/api/v1/measures/"
    results: dict[str, bool] = {}

    subprocess.run(["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--daemonize", "yes",
                    "--save", "", "--appendonly", "no"], check=True)
    web = subprocess.Popen([str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{args.port}", "--workers",
                            "2", "--timeout", "60", "--log-level", "warning"], cwd=ROOT, env=env,
                           start_new_session=True)
    try:
        for _ in range(60):
            if call("GET", base, who["token"])[0] == 200:
                break
            time.sleep(0.5)

        def exercise(label: str) -> None:
            answers = [call("GET", f"{base}?overdue=true", who["token"])[0]]
            for pk in who["ids"][:5]:
                status, body = call("GET", f"{base}{pk}/", who["token"])
                answers.append(status)
                version = json.loads(body)["version"] if status == 200 else None
                answers.append(call("POST", f"{base}{pk}/progress/", who["token"],
                                    {"note": f"故障测试:{label}", "version": version})[0])
            ok = all(200 <= a < 300 for a in answers)
            results[f"API answers 2xx with Redis {label} ({answers})"] = ok

        exercise("up")
        subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "shutdown", "nosave"], check=False)
        time.sleep(1)
        exercise("down")
        before = django_json(CONSISTENCY, env)
        # The weekly job while the broker is down: it must not fail, and what it planned must stay recorded.
        job = subprocess.run([str(BIN / "python"), "manage.py", "send_overdue_reminders"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=600)
        after = django_json(CONSISTENCY, env)
        results[f"reminder job ran with Redis down (exit {job.returncode}); "
                f"{after['reminders'] - before['reminders']} reminders recorded, {after['pending']} pending"] = (
            # A second run in the same week plans nothing new (once per week), so require only that
            # the week's reminders are all on record.
            (job.returncode == 0 and after["reminders"] >= before["reminders"] > 0) or (
                job.returncode == 0 and after["reminders"] > before["reminders"]))
        results["no half-write after the Redis run"] = after["version_mismatch"] == 0
        # Redis back: the sweep queues what was stranded and a real worker sends it.
        subprocess.run(["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--daemonize", "yes",
                        "--save", "", "--appendonly", "no"], check=True)
        time.sleep(1)
        worker = subprocess.Popen([str(BIN / "celery"), "-A", "config", "worker", "--concurrency", "2",
                                   "--loglevel", "WARNING"], cwd=ROOT, env=env, start_new_session=True)
        try:
            swept = django_json(SWEEP, env)
            state = after
            for _ in range(300):
                state = django_json(CONSISTENCY, env)
                if state["pending"] == 0:
                    break
                time.sleep(1)
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
        results[f"Redis back: the sweep queued {swept['queued']} stranded reminders and a worker delivered them "
                f"({state['pending']} still pending)"] = swept["queued"] == after["pending"] and state["pending"] == 0
        if args.postgres_restart:
            results.update(postgres_restart(base, who, env))
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=20)
        subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "shutdown", "nosave"], check=False,
                       capture_output=True)
    for name, ok in results.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(results.values()) else 1


def postgres_restart(base: str, who: dict, env: dict) -> dict[str, bool]:
    before = django_json(CONSISTENCY, env)
    answers: list[tuple[int, str]] = []
    stop = threading.Event()

    def writer(pk):
        while not stop.is_set():
            status, body = call("GET", f"{base}{pk}/", who["token"])
            answers.append((status, body))
            if status != 200:
                time.sleep(0.2)  # as a client would: no write without a fresh read
                continue
            answers.append(call("POST", f"{base}{pk}/progress/", who["token"],
                                {"note": "重启测试", "version": json.loads(body)["version"]}))

    threads = [threading.Thread(target=writer, args=(pk,)) for pk in who["ids"][:4]]
    for t in threads:
        t.start()
    time.sleep(3)
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart"], check=True)
    time.sleep(5)
    stop.set()
    for t in threads:
        t.join()
    after = django_json(CONSISTENCY, env)
    ok_writes = sum(1 for status, _ in answers if status == 201)
    # A write whose commit succeeded but whose answer was lost with the connection is stored
    # although the client saw a 503 or a reset: every 201 must be stored, and nothing beyond
    # the writes that were attempted and left in doubt.
    in_doubt = sum(1 for status, _ in answers if status == 0 or status >= 500)
    new_rows = after["progress"] - before["progress"]
    unclean = [(s, b[:120]) for s, b in answers if s >= 500 and ("Traceback" in b or '"error"' not in b)]
    bad = [s for s, _ in answers if s not in (0, 200, 201, 409) and s < 500]
    return {
        f"writes during the restart: {ok_writes} answered 201, {new_rows} new rows, {in_doubt} answers in doubt":
            ok_writes <= new_rows <= ok_writes + in_doubt,
        f"failures during the restart were clean ({len(unclean)} unclean, statuses "
        f"{sorted({s for s, _ in answers})})": not unclean and not bad,
        "no half-write after the PostgreSQL restart": after["version_mismatch"] == 0,
    }


if __name__ == "__main__":
    sys.exit(main())
