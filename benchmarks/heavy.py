"""Benchmark rows of the issue-12 table that are not a single page: exports, the notice import,
and the API under concurrent readers. Called by `benchmarks/run` in its process and database.

- **Exports**: the CSV of every overdue item (`GET /api/v1/measures/export.csv?overdue_on=…`,
  province supervisor) and of the largest county's, and the Excel ledger of the largest case
  (`GET /api/v1/cases/<id>/ledger.xlsx`), each read to its last byte through Django's test
  Client: time, statements and the Python heap's peak during one export (tracemalloc, in a run
  of its own: tracing slows the code it traces). The two CSV sizes side by side show whether the
  statements and memory grow with the rows.
- **Import**: `notices.importer.import_notice` of the shared notice with most measures
  (leizhou-2021) into this database, each run rolled back, beside the same plan written the old
  way (a save per issue, services per measure: `benchmarks.import_notices`), with statements.
- **Hostile inputs** (the issue's three): a ledger .xlsx of a few header rows then hundreds of
  thousands of blank formatted rows, a .docx of 120,000 paragraphs and an HTML page of 20,000
  nested `div`s, each posted to the API as a person would (the ledger check of a case, the notice
  preview): how long until the request answers and with what (a job, or a refusal), then the job
  itself run to its end in this process, with its outcome and message.
- **Concurrent readers**: gunicorn as the Procfile starts it (`WEB_CONCURRENCY` 4 workers) on
  this database, then 20 client threads for a fixed time reading the staff's overdue list, and
  20 threads reading random pages of the province's overdue list: requests a second and the
  median latency, beside one thread alone (the same request with no queue).

Returns rows (name, median ms, p95 ms, notes); ratios are appended to `ratios`.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class _Rollback(Exception):
    pass


def _read_all(response) -> int:
    if getattr(response, "streaming", False):
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def heavy_rows(runs: int, timed, count_queries, ratios: list[str]) -> list:
    rows: list = []
    for part in (_export_rows, _import_rows, _hostile_rows, _concurrency_rows):
        try:
            rows.extend(part(runs, timed, count_queries, ratios))
        except Exception as exc:  # a failed row is reported, not allowed to lose the whole run
            rows.append((part.__name__.strip("_").replace("_", " "), None, None, f"failed: {exc!r}"[:200]))
    return rows


def _api_client(user):
    from django.test import Client
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="zh-hans")


def _export_rows(runs, timed, count_queries, ratios):
    from django.db.models import Count
    from django.utils import timezone

    from accounts.models import User
    from benchmarks.province import largest_county_supervisor
    from cases.models import Measure

    today = timezone.localdate()
    province = User.objects.get(username="load_supervisor1")
    county_user, county, _ = largest_county_supervisor()
    largest_case, largest_rows = (Measure.objects.order_by().values_list("case").annotate(n=Count("pk"))
                                  .order_by("-n").first())
    wanted = [
        (f"CSV export, every overdue item ({Measure.objects.overdue(on=today).count():,} rows), province supervisor",
         province, f"/api/v1/measures/export.csv?overdue_on={today.isoformat()}&ordering=deadline"),
    ]
    if county_user is not None:
        n = Measure.objects.restrict(county_user).overdue(on=today).count()
        wanted.append((f"CSV export, the overdue items of {county.name} ({n:,} rows), its supervisor", county_user,
                       f"/api/v1/measures/export.csv?overdue_on={today.isoformat()}&ordering=deadline"))
    wanted.append((f"ledger xlsx of the largest case ({largest_rows:,} rows)", province,
                   f"/api/v1/cases/{largest_case}/ledger.xlsx"))
    rows = []
    for name, user, path in wanted:
        client = _api_client(user)
        size = [0]

        def fetch(client=client, path=path, size=size):
            response = client.get(path)
            if response.status_code != 200:
                body = getattr(response, "content", b"")[:200]
                raise RuntimeError(f"{path} answered {response.status_code}: {body!r}")
            size[0] = _read_all(response)
            return response

        streamed = getattr(fetch(), "streaming", False)
        queries = count_queries(fetch)
        tracemalloc.start()
        fetch()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        median, p95 = timed(fetch, max(3, runs // 7), warmup=0)
        rows.append((name, median, p95, f"{queries} queries; {'streamed' if streamed else 'built whole'}; "
                                        f"{size[0] / 1e6:.1f} MB; Python heap peak {peak / 1e6:.1f} MB"))
    return rows


def _import_rows(runs, timed, count_queries, ratios):
    from django.db import connection, transaction

    from benchmarks.import_notices import _import_the_old_way, _shared_notices
    from notices.importer import import_notice
    from notices.parser import parse_file

    files = sorted(_shared_notices().glob("*.txt"))
    if not files:
        return [("notice import", None, None, "missing: ../shared/notices")]
    parsed_files = [(p, parse_file(p)) for p in files]
    path, parsed = max(parsed_files, key=lambda item: len(item[1].measures()))
    label = f"{path.stem} ({len(parsed.measures())} measures)"

    def rolled_back(write):
        def run():
            try:
                with transaction.atomic():
                    write()
                    raise _Rollback
            except _Rollback:
                pass
        return run

    # A province holds many organisations: the notice is imported into one, as an administrator
    # picks it on the import page.
    from accounts.models import Organisation

    organisation = Organisation.objects.filter(kind=Organisation.Kind.COUNTY).order_by("pk").first()

    def new():
        assert import_notice(parsed, organisation=organisation).case_created

    rows, medians = [], {}
    for name, write in ((f"notice import, {label}, bulk (cases.tree)", new),
                        (f"notice import, {label}, the old way (services per measure)",
                         lambda: _import_the_old_way(parsed))):
        run = rolled_back(write)
        statements = count_queries(run)
        median, p95 = timed(run, max(3, runs // 4), warmup=1)
        medians[name] = median
        rows.append((name, median, p95, f"{statements} statements ({connection.vendor}; parse excluded; rolled back)"))
    new_ms, old_ms = medians.values()
    ratios.append(f"notice import old/bulk: {old_ms / new_ms:.1f}x")
    return rows


def _blank_ledger(case) -> bytes:
    """The case's ledger as exported, then 400,000 blank rows with a style on every cell (a sheet
    "formatted to the bottom"), compressed as Excel writes it."""
    import io
    import zipfile

    from cases.ledger import write_ledger_xlsx
    from cases.models import Measure

    exported = io.BytesIO()
    write_ledger_xlsx(Measure.objects.filter(pk__in=list(Measure.objects.filter(case=case)
                                                         .order_by("pk").values_list("pk", flat=True)[:3])), exported)
    source = zipfile.ZipFile(io.BytesIO(exported.getvalue()))
    sheet = next(n for n in source.namelist() if n.startswith("xl/worksheets/sheet"))
    xml = source.read(sheet).decode()
    start = xml.count("<row ")
    blank = "".join(f'<row r="{n}"><c r="A{n}" s="1"/><c r="B{n}" s="1"/><c r="C{n}" s="1"/></row>'
                    for n in range(start + 1, start + 400_001))
    xml = xml.replace("</sheetData>", blank + "</sheetData>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            target.writestr(name, xml if name == sheet else source.read(name))
    return out.getvalue()


def _long_docx(paragraphs: int = 120_000) -> bytes:
    """A .docx of `paragraphs` paragraphs, written as Word writes the minimal package."""
    import io
    import zipfile

    body = "".join(f"<w:p><w:r><w:t>第{n}段：建立健全整改工作机制，按月调度推进。</w:t></w:r></w:p>"
                   for n in range(paragraphs))
    document = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w='
                '"http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
                f"{body}</w:body></w:document>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns='
                         '"http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
                         'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default '
                         'Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
                         'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main'
                         '+xml"/></Types>')
        package.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns='
                         '"http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
                         'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                         'Target="word/document.xml"/></Relationships>')
        package.writestr("word/document.xml", document)
    return out.getvalue()


def _nested_html(depth: int = 20_000) -> bytes:
    return ("<html><body>" + "<div>" * depth + "关于巡察反馈意见整改进展情况的通报" + "</div>" * depth
            + "</body></html>").encode()


def _hostile_rows(runs, timed, count_queries, ratios):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db.models import Count

    from accounts.models import User
    from cases.jobs import services as jobs
    from cases.jobs.models import ImportJob
    from cases.models import Case, Measure
    from config.celery import app

    province = User.objects.get(username="load_supervisor1")
    admin, _ = User.objects.get_or_create(username="bench_admin", defaults={"is_superuser": True, "is_staff": True})
    case_id = (Measure.objects.order_by().values_list("case").annotate(n=Count("pk")).order_by("-n").first())[0]
    case = Case.objects.get(pk=case_id)
    inputs = [
        ("a ledger of 400,000 blank formatted rows", province, f"/api/v1/cases/{case.pk}/ledger/",
         "file", "ledger.xlsx", _blank_ledger(case), {"dry_run": "true"}),
        ("a .docx notice of 120,000 paragraphs", admin, "/api/v1/notices/import/", "file", "notice.docx",
         _long_docx(), {"dry_run": "true"}),
        ("an HTML notice of 20,000 nested divs", admin, "/api/v1/notices/import/", "file", "notice.html",
         _nested_html(), {"dry_run": "true"}),
    ]
    rows = []
    # The requests queue their jobs as the web app does (on a broker no worker reads here), so the
    # request is timed alone; each job is then run to its end in this process.
    saved = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager, app.conf.broker_url = False, "memory://localhost/"
    try:
        for name, user, path, field, file_name, data, extra in inputs:
            client = _api_client(user)
            before = set(ImportJob.objects.values_list("pk", flat=True))
            started = time.perf_counter()
            response = client.post(path, {field: SimpleUploadedFile(file_name, data), **extra})
            answered = (time.perf_counter() - started) * 1000
            body = response.json() if response.get("Content-Type", "").startswith("application/json") else {}
            job = ImportJob.objects.exclude(pk__in=before).order_by("pk").last()
            outcome = f"answered {response.status_code}"
            if job is not None:
                started = time.perf_counter()
                jobs.run_job(job.pk)
                job.refresh_from_db()
                took = time.perf_counter() - started
                outcome += (f" with job {job.pk}; the job ran {took:.1f} s and ended {job.state}: "
                            f"{(job.message or job.stage)[:90]!r}")
            else:
                outcome += f": {str(body.get('detail') or body)[:110]!r}"
            rows.append((f"hostile input: {name} ({len(data) / 1e6:.1f} MB), until the request answers",
                         answered, answered, outcome))
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved
    return rows


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _hammer(port: int, requests: list[tuple[str, str]], threads: int, seconds: float) -> tuple[float, list[float], int]:
    """`threads` clients, each with its own keep-alive connection, sending requests (path, token)
    picked at random for `seconds`: (requests a second, latencies in ms, failures)."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(seed):
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        while time.perf_counter() < stop:
            path, token = rng.choice(requests)
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Authorization": f"Token {token}", "Accept-Language": "zh-hans"})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            if ok:
                mine.append((time.perf_counter() - start) * 1000)
            else:
                with lock:
                    failures[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return len(latencies) / (time.perf_counter() - started), latencies, failures[0]


@contextlib.contextmanager
def _gunicorn(port: int, workers: int):
    """gunicorn as the Procfile's `web` starts it, on this run's database, until the block ends."""
    env = {**os.environ, "ALLOWED_HOSTS": "127.0.0.1,localhost", "PYTHONPATH": str(ROOT)}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen([str(gunicorn), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers",
                                   str(workers), "--timeout", "60", "--log-level", "warning"], cwd=ROOT, env=env,
                                  start_new_session=True, stdout=subprocess.DEVNULL, stderr=log)
        try:
            for _ in range(120):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError as exc:
                    if server.poll() is not None:
                        log.seek(0)
                        raise RuntimeError("gunicorn exited: " + log.read().decode()[-300:]) from exc
                    time.sleep(0.25)
            yield server
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(timeout=20)


def _concurrency_rows(runs, timed, count_queries, ratios):
    from django.db import connection
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from benchmarks.province import top_staff
    from cases.models import Measure

    today = timezone.localdate()
    staff, label = top_staff()
    province = User.objects.get(username="load_supervisor1")
    tokens = {u.pk: Token.objects.get_or_create(user=u)[0].key for u in (staff, province)}
    overdue = f"/api/v1/measures/?overdue_on={today.isoformat()}&ordering=deadline"
    last = max(1, -(-Measure.objects.overdue(on=today).count() // 50))
    connection.close()  # gunicorn's workers open their own

    port = _free_port()
    workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
    rows = []
    with _gunicorn(port, workers):
        seconds = 8.0 if runs <= 7 else 15.0
        loads = [
            (f"API overdue list, {label}, 20 concurrent clients (gunicorn, {workers} workers)",
             [(overdue, tokens[staff.pk])], "aim ≥ 40 req/s, ≤ 40 ms alone"),
            (f"API overdue list, random pages of {last:,}, province supervisor, 20 concurrent clients",
             [(f"{overdue}&page={p}", tokens[province.pk]) for p in range(1, last + 1)], "aim: any page ≤ 60 ms alone"),
        ]
        for name, requests, aim in loads:
            _hammer(port, requests, 4, 2.0)  # warm every worker
            alone_rate, alone, _ = _hammer(port, requests, 1, seconds / 2)
            rate, latencies, failures = _hammer(port, requests, 20, seconds)
            cut = sorted(latencies)
            rows.append((name, statistics.median(cut), cut[int(0.95 * (len(cut) - 1))],
                         f"{rate:.1f} req/s ({aim}); {len(cut):,} answers in {seconds:.0f} s, {failures} failed; "
                         f"one client alone: {alone_rate:.1f} req/s, median {statistics.median(alone):.1f} ms; "
                         f"load {os.getloadavg()[0]:.1f}"))
    return rows


if __name__ == "__main__":  # pragma: no cover - run by benchmarks/run
    print(json.dumps({"usage": "imported by benchmarks/run"}))
