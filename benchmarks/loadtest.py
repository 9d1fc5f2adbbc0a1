#!/usr/bin/env python
"""Load test of the multi-process deployment: 50 users for 60 s against gunicorn on 127.0.0.1.

    .venv/bin/python benchmarks/loadtest.py [--users 50] [--duration 60] [--port 8107] [--workers 4]

Run as a script it builds a small province in its own PostgreSQL database
(rectify_scale_load), gives each simulated user an API token, starts gunicorn with several
workers plus two Celery workers and beat (Redis db 14), runs locust headless against
127.0.0.1 only, stops everything, then checks the database: every successful write is
there (one progress row per 201/200 answer), every measure's version still equals 1 + its
progress rows (no half-write), issue roll-ups are consistent, and no answer was a 5xx.
Locust imports this same file for the user behaviour (the classes at the bottom).
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

try:
    from locust import HttpUser, between, events, task
except ImportError:  # the orchestrator runs without importing locust itself
    HttpUser = None


def orchestrate(argv=None) -> int:
    import argparse
    import contextlib
    import signal
    import subprocess
    import time
    import urllib.request

    import psycopg

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60, help="seconds")
    parser.add_argument("--port", type=int, default=8107)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db-name", default="rectify_scale_load")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args(argv)

    url = f"{args.server}/{args.db_name}"
    with psycopg.connect(f"{args.server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.db_name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.db_name}"')
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": args.redis, "DEBUG": "false", "LOG_LEVEL": "WARNING",
           "EMAIL_URL": "dummymail://", "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("CELERY_BROKER_URL", None)
    py = str(ROOT / ".venv" / "bin" / "python")
    run = dict(cwd=ROOT, env=env, check=True)
    subprocess.run([py, "manage.py", "migrate", "-v0"], **run)
    subprocess.run([py, "manage.py", "generate_load", "--cases=100", "--units=100", "--problems=2000",
                    "--measures=8000", "--progress=20000"], **run, stdout=subprocess.DEVNULL)
    workdir = ROOT / "var" / "loadtest"
    workdir.mkdir(parents=True, exist_ok=True)
    tokens_file, result_file = workdir / "tokens.json", workdir / "result.json"
    result_file.unlink(missing_ok=True)
    subprocess.run([py, "-c", TOKENS_SCRIPT, str(tokens_file), str(args.users)], **run)
    before = json.loads(subprocess.run([py, "-c", CHECK_SCRIPT], **run, capture_output=True, text=True).stdout)

    bin_ = ROOT / ".venv" / "bin"
    procs = [
        subprocess.Popen([str(bin_ / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{args.port}", "--workers",
                          str(args.workers), "--timeout", "60", "--log-level", "warning"], cwd=ROOT, env=env,
                         start_new_session=True),
        *(subprocess.Popen([str(bin_ / "celery"), "-A", "config", "worker", "--loglevel=WARNING", "--concurrency=1",
                            "-n", f"load{i}@%h"], cwd=ROOT, env=env, start_new_session=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in (1, 2)),
        subprocess.Popen([str(bin_ / "celery"), "-A", "config", "beat", "--loglevel=WARNING", "--pidfile=",
                          "-s", str(workdir / "beat-schedule")], cwd=ROOT, env=env, start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    ]
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{args.port}/accounts/login/", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        locust_env = {**env, "LOADTEST_TOKENS": str(tokens_file), "LOADTEST_RESULT": str(result_file)}
        subprocess.run([str(bin_ / "locust"), "-f", str(Path(__file__).resolve()), "--headless", "-u",
                        str(args.users), "-r", str(max(1, args.users // 5)), "-t", f"{args.duration}s",
                        "--host", f"http://127.0.0.1:{args.port}", "--only-summary", "--stop-timeout", "10"],
                       cwd=ROOT, env=locust_env, timeout=args.duration + 120)
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    result = json.loads(result_file.read_text())
    after = json.loads(subprocess.run([py, "-c", CHECK_SCRIPT], **run, capture_output=True, text=True).stdout)
    new_rows = after["progress"] - before["progress"]
    checks = {
        "no 5xx answers": result["server_errors"] == 0,
        "no connection errors": result["connection_errors"] == 0,
        "no failed requests (every answer 2xx, or a clean 409/4xx for a write)": result["failed"] == 0,
        f"every successful write is in the database ({result['writes_ok']} answers, {new_rows} new rows)":
            new_rows == result["writes_ok"],
        "every measure's version = 1 + its progress rows (no half-write)": after["version_mismatch"] == 0,
        "issue roll-ups consistent with refresh_issue_states": after["rollup_changes"] == 0,
    }
    print(f"\nrequests {result['requests']:,}, writes ok {result['writes_ok']:,} "
          f"(progress {result['progress_ok']:,}, transitions {result['transitions_ok']:,}), "
          f"version conflicts {result['conflicts']:,} (409, expected under contention), "
          f"refused by the rules {result['refused']:,} (4xx)")
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(checks.values()) else 1


TOKENS_SCRIPT = r"""
import json, sys
import django
django.setup()
from rest_framework.authtoken.models import Token
from accounts.models import User
from cases.models import Measure
path, users = sys.argv[1], int(sys.argv[2])
supervisors = list(User.objects.filter(username__startswith="load_supervisor").order_by("pk")[:max(1, users // 10)])
staff = []
for user in User.objects.filter(username__startswith="load_staff").order_by("pk"):
    if len(staff) >= users - len(supervisors):
        break
    if Measure.objects.restrict(user).ongoing().exists():
        staff.append(user)
out = [{"token": Token.objects.get_or_create(user=u)[0].key, "role": role}
       for role, group in (("supervisor", supervisors), ("staff", staff)) for u in group]
open(path, "w").write(json.dumps(out))
"""

CHECK_SCRIPT = r"""
import json
import django
django.setup()
from django.db import connection
from cases.models import Case
from cases.services import refresh_issue_states
with connection.cursor() as cur:
    cur.execute("SELECT count(*) FROM cases_progressupdate")
    progress = cur.fetchone()[0]
    cur.execute('''SELECT count(*) FROM cases_measure m WHERE m.version <> 1 +
                   (SELECT count(*) FROM cases_progressupdate p WHERE p.measure_id = m.id)''')
    mismatch = cur.fetchone()[0]
changes = sum(refresh_issue_states(pk) for pk in Case.objects.values_list("pk", flat=True))
print(json.dumps({"progress": progress, "version_mismatch": mismatch, "rollup_changes": changes}))
"""

# --- What each simulated user does (imported by locust) ------------------------------

STATS = {"requests": 0, "writes_ok": 0, "progress_ok": 0, "transitions_ok": 0, "conflicts": 0, "refused": 0,
         "server_errors": 0, "connection_errors": 0, "failed": 0}
NEXT_STATE = {"planned": "in_progress", "in_progress": "phased", "phased": "submitted", "relapsed": "in_progress"}

if HttpUser is not None:
    _tokens = json.loads(Path(os.environ.get("LOADTEST_TOKENS", "/dev/null")).read_text() or "[]") \
        if os.environ.get("LOADTEST_TOKENS") else []
    _next_token = iter(range(10**9))

    @events.request.add_listener
    def _count(request_type, name, response, exception, **kwargs):
        STATS["requests"] += 1
        status = getattr(response, "status_code", 0) or 0
        if exception is not None and not status:
            STATS["connection_errors"] += 1
        elif exception is not None:
            STATS["failed"] += 1
        elif status >= 500:
            STATS["server_errors"] += 1

    @events.quitting.add_listener
    def _write(environment, **kwargs):
        Path(os.environ["LOADTEST_RESULT"]).write_text(json.dumps(STATS))

    class ProvinceUser(HttpUser):
        wait_time = between(0.5, 2)

        def on_start(self):
            me = _tokens[next(_next_token) % len(_tokens)]
            self.role = me["role"]
            self.client.headers.update({"Authorization": f"Token {me['token']}", "Accept-Language": "zh-hans"})
            self.ids = []
            self._refresh_ids()

        def _refresh_ids(self):
            query = "state=submitted" if self.role == "supervisor" else "ongoing=true"
            with self.client.get(f"/api/v1/measures/?{query}&ordering=deadline", name="/measures/?mine",
                                 catch_response=True) as r:
                if r.status_code == 200:
                    self.ids = [row["id"] for row in r.json()["results"]]

        @task(5)
        def overdue_list(self):
            # Page 1 always exists; a staff user's overdue list may be shorter than a page.
            self.client.get("/api/v1/measures/?overdue=true&ordering=deadline", name="/measures/?overdue=true")

        @task(3)
        def detail(self):
            if self.ids:
                self.client.get(f"/api/v1/measures/{random.choice(self.ids)}/", name="/measures/{id}/")

        def _write(self, kind, body_for):
            if not self.ids:
                self._refresh_ids()
                return
            pk = random.choice(self.ids)
            r = self.client.get(f"/api/v1/measures/{pk}/", name="/measures/{id}/")
            if r.status_code != 200:
                return
            measure = r.json()
            body = body_for(measure)
            if body is None:
                return
            body["version"] = measure["version"]
            path = "progress" if kind == "progress" else "transition"
            with self.client.post(f"/api/v1/measures/{pk}/{path}/", json=body, name=f"/measures/{{id}}/{path}/",
                                  catch_response=True) as w:
                if w.status_code in (200, 201):
                    STATS["writes_ok"] += 1
                    STATS[f"{kind}_ok"] += 1
                elif w.status_code in (409, 412):
                    STATS["conflicts"] += 1  # someone else wrote first: the clean answer, not an error
                    w.success()
                elif 400 <= w.status_code < 500:
                    STATS["refused"] += 1
                    w.success()

        @task(3)
        def log_progress(self):
            if self.role == "staff":
                self._write("progress", lambda m: {"note": f"负载测试进展说明 {random.randint(1, 10**6)}"})

        @task(1)
        def transition(self):
            if self.role == "supervisor":
                self._write("transitions", lambda m: {"to_state": "completed", "note": "经核查,同意销号。"}
                            if m["state"] == "submitted" else None)
                self._refresh_ids()
            else:
                self._write("transitions", lambda m: {"to_state": NEXT_STATE[m["state"]], "note": "按计划推进。"}
                            if m["state"] in NEXT_STATE else None)


if __name__ == "__main__":
    sys.exit(orchestrate())
