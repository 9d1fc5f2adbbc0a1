#!/usr/bin/env python
"""The ledger .xlsx export of one case: time, statements and peak memory at several case sizes.

    .venv/bin/python benchmarks/ledger_export.py [--sizes 200,1754,5000] [--runs 3] [--case ID]

For each size a case of that many measures is written (through cases.tree, with two supporting
units on every measure and a progress note on every other one, in 4 categories of problems of
three measures), exported with `cases.ledger.write_ledger_xlsx` as the admin's 导出台账 does,
and rolled back. 1,754 is the largest case of the synthetic province (benchmarks/run --full).
`--case ID` instead exports an existing case of the database DATABASE_URL points to (nothing is
written). Beside each figure, the same export by the code of `--before REV` (default f0c610c: rows
prefetched per chunk of 500, styles set on every cell), loaded from git into the same process.
Printed: median time of --runs runs after a warm-up, the statements one export sends,
the Python heap's peak during it (tracemalloc), and the file's size; the last line gives the
ratios between the largest and the smallest size.
With DATABASE_URL unset it uses a fresh SQLite file in a temporary directory.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class _Rollback(Exception):
    pass


class _Counter:
    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def _make_case(size: int):
    import datetime

    from accounts.models import Organisation, Unit, User
    from cases.models import Case, Issue, ProgressUpdate
    from cases.states import Action, State
    from cases.tree import TreeWriter

    organisation = Organisation.objects.create(name=f"基准县{size}")
    units = [Unit.objects.create(name=f"基准单位{n}", organisation=organisation) for n in range(12)]
    leader = User.objects.create(username=f"bench-leader-{size}", name="基准领导")
    case = Case.objects.create(organisation=organisation, title=f"基准案件{size}", inspected_body="基准县")
    writer = TreeWriter(case, reason="benchmark")
    groups = [writer.add_issue(kind=Issue.Kind.GROUP, label=f"（{n + 1}）", title=f"第{n + 1}方面") for n in range(4)]
    problem = None
    for n in range(size):
        if n % 3 == 0:
            problem = writer.add_issue(parent=groups[(n // 3) % 4], label=f"{n // 3 + 1}.", title=f"问题{n // 3 + 1}")
        writer.add_measure(issue=problem, text=f"整改措施{n}：建立长效机制，按月调度推进。", lead_unit=units[n % 12],
                           supporting_units=[units[(n + 1) % 12], units[(n + 2) % 12]], lead_leader=leader,
                           deadline=datetime.date(2026, 6, 30), label=f"{n % 3 + 1}.")
    written = writer.write()
    ProgressUpdate.objects.bulk_create([
        ProgressUpdate(measure=m, note=f"已召开专题会议{m.pk}", action=Action.NOTE, from_state=State.PLANNED,
                       to_state=State.PLANNED) for m in written.measures[::2]])
    return case


def _before(rev: str):
    """`write_ledger_xlsx` as it was at `rev`, loaded from git beside today's (same process, same data)."""
    import importlib.util
    import subprocess

    def load(name: str, source: str):
        spec = importlib.util.spec_from_loader(f"cases.ledger.{name}", loader=None)
        module = importlib.util.module_from_spec(spec)
        module.__package__ = "cases.ledger"
        exec(compile(source, f"{rev}:{name}", "exec"), module.__dict__)
        sys.modules[spec.name] = module
        return module

    def show(path: str) -> str:
        return subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:{path}"], check=True, capture_output=True,
                              text=True).stdout

    load("_before_rows", show("cases/ledger/rows.py"))
    source = show("cases/ledger/export.py").replace("from .rows import", "from ._before_rows import")
    return load("_before_export", source)


def _export(case, *, trace: bool = False, writer=None) -> tuple[float, int, int, int]:
    """(seconds, statements, peak bytes, file bytes). tracemalloc slows Python several times over,
    so the memory is measured in a run of its own (`trace`), never in a timed one."""
    from django.db import connection

    from cases import ledger
    from cases.models import Measure

    counter = _Counter()
    stream = io.BytesIO()
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    with connection.execute_wrapper(counter):
        (writer or ledger.write_ledger_xlsx)(Measure.objects.filter(case=case), stream, title=ledger.ledger_title(case))
    elapsed = time.perf_counter() - start
    peak = 0
    if trace:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return elapsed, counter.n, peak, len(stream.getvalue())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="200,1754,5000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--case", type=int, default=None)
    parser.add_argument("--before", default="f0c610c", help="the git revision of the baseline")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="rectify-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp.name}/bench.sqlite3")
    os.environ.setdefault("RECTIFY_VAR_DIR", tmp.name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from cases.models import Case

    if args.case is None:
        call_command("migrate", verbosity=0)
    print(f"{connection.vendor}; ledger .xlsx of one case; median of {args.runs} runs after a warm-up")
    before = _before(args.before).write_ledger_xlsx
    print(f"{'measures':>9}{'code':>8}{'seconds':>9}{'ms/1000 rows':>14}{'statements':>12}{'peak MB':>9}"
          f"{'file KB':>9}")
    results = []

    def measure(case, rows):
        figures = {}
        for label, writer in (("before", before), ("now", None)):
            _export(case, writer=writer)  # warm-up
            runs = [_export(case, writer=writer) for _ in range(args.runs)]
            seconds = statistics.median(r[0] for r in runs)
            statements, size = runs[-1][1], runs[-1][3]
            peak = _export(case, trace=True, writer=writer)[2]
            figures[label] = (seconds, statements, peak)
            print(f"{rows:>9}{label:>8}{seconds:>9.2f}{1000 * seconds / max(rows, 1) * 1000:>14.0f}{statements:>12}"
                  f"{peak / 1e6:>9.1f}{size / 1024:>9.0f}")
        (s0, q0, m0), (s1, q1, m1) = figures["before"], figures["now"]
        print(f"{'':>9}{'ratio':>8}{s0 / s1:>8.1f}x{'':>14}{q0 / q1:>11.1f}x{m0 / m1:>8.1f}x  (before / now)")
        results.append((rows, s1, q1, m1))

    if args.case is not None:
        case = Case.objects.get(pk=args.case)
        measure(case, case.measures.count())
    else:
        for size in (int(s) for s in args.sizes.split(",")):
            try:
                with transaction.atomic():
                    measure(_make_case(size), size)
                    raise _Rollback
            except _Rollback:
                pass
    if len(results) > 1:
        (r0, s0, q0, m0), (r1, s1, q1, m1) = results[0], results[-1]
        print(f"ratios {r1}/{r0} rows = {r1 / r0:.1f}x: time {s1 / s0:.1f}x, statements {q1 / q0:.2f}x, "
              f"peak memory {m1 / m0:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
