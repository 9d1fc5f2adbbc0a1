#!/usr/bin/env python
"""Parse time of each shared notice, and import time of the largest.

    .venv/bin/python benchmarks/import_notices.py [--runs 5] [--notices ../shared/notices]

Parsing is timed alone (no database), median of --runs runs after one warm-up. The import
of the largest notice is timed through `notices.importer.import_notice` (parse excluded),
each run in a transaction that is then rolled back, so every run starts from the same
empty database. Beside it, the same plan written the old way (one issue save, one
`create_measure` and one `record_state_from_source` per measure, as before cases.tree) is
timed in the same run, with the statements each sends, and the ratio on the last line.
With DATABASE_URL unset it uses a fresh SQLite file in a temporary directory; set DATABASE_URL
to time PostgreSQL (the database must exist and be migrated,
or be empty: it is migrated first).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class _Rollback(Exception):
    pass


def _shared_notices() -> Path:
    """../shared/notices, from the checkout or from a git worktree below it."""
    for ancestor in ROOT.parents:
        if (ancestor / "shared" / "notices").is_dir():
            return ancestor / "shared" / "notices"
    return ROOT.parent / "shared" / "notices"


class _Counter:
    """Counts the statements sent to the database (connection.execute_wrapper)."""

    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def _import_the_old_way(parsed) -> None:
    """The write path as it was before cases.tree: a save per issue, services per measure."""
    from accounts.models import Organisation, Unit
    from cases import services
    from cases.models import Case, Issue
    from cases.states import State
    from notices.importer import preview_notice
    from notices.models import Notice

    plan = preview_notice(parsed)
    notice = Notice.objects.create(title="old way", raw_text=parsed.text, content_hash="old-way", parsed={})
    organisation = plan.organisation or Organisation.objects.create(name=plan.organisation_name)
    unit = plan.unit or Unit.objects.create(name=plan.unit_name, organisation=organisation)
    case = Case(**{**plan.case_values, "organisation": organisation})
    case.full_clean()
    case.save()
    issues = {}
    with services.batched_issue_refresh():
        for position, node_plan in enumerate(plan.nodes, start=1):
            node = node_plan.node
            issue = Issue(case=case, parent=issues[id(node_plan.parent)] if node_plan.parent else None,
                          kind=node.kind, label=(node.label or "")[:40], title=(node.title or node.text or "—")[:500],
                          text=node.text or "", position=position)
            issue.save()
            issues[id(node_plan)] = issue
            for m in node_plan.measures:
                measure = services.create_measure(issue=issue, text=m.parsed.text, lead_unit=unit, deadline=m.deadline,
                                                  kind=m.kind, label=(m.parsed.label or "")[:40], by=None)
                if m.state != State.PLANNED:
                    services.record_state_from_source(measure=measure, to_state=m.state, note=m.parsed.text,
                                                      source_notice=notice, at=plan.reported_at)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--notices", type=Path, default=_shared_notices())
    args = parser.parse_args()
    files = sorted(args.notices.glob("*.txt"))
    if not files:
        print(f"no notices in {args.notices}", file=sys.stderr)
        return 1

    tmp = tempfile.TemporaryDirectory(prefix="rectify-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp.name}/bench.sqlite3")
    os.environ.setdefault("RECTIFY_VAR_DIR", tmp.name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # DEBUG keeps every query in memory, which is not what production pays.
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from notices.importer import import_notice
    from notices.parser import PARSER_VERSION, parse_file

    print(f"parser {PARSER_VERSION}; median of {args.runs} runs after a warm-up")
    print(f"{'notice':<24}{'KB':>6}{'parse ms':>10}{'nodes':>7}{'measures':>9}")
    for path in files:
        parse_file(path)
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            parsed = parse_file(path)
            times.append(time.perf_counter() - start)
        print(f"{path.name:<24}{path.stat().st_size / 1024:>6.0f}{statistics.median(times) * 1000:>10.1f}"
              f"{sum(parsed.level_counts()):>7}{len(parsed.measures()):>9}")

    call_command("migrate", verbosity=0)
    # "Largest" is the one with most measures: that is what the import's time grows with.
    largest = max(files, key=lambda p: len(parse_file(p).measures()))
    parsed = parse_file(largest)

    def run(write) -> tuple[float, int, int]:
        """Median seconds, min seconds and statements of `write()` over the runs (after a warm-up)."""
        times, statements = [], 0
        for attempt in range(args.runs + 1):
            counter = _Counter()
            try:
                with transaction.atomic(), connection.execute_wrapper(counter):
                    start = time.perf_counter()
                    write()
                    elapsed = time.perf_counter() - start
                    if attempt:
                        times.append(elapsed)
                    statements = counter.n
                    raise _Rollback
            except _Rollback:
                pass
        return statistics.median(times), min(times), statements

    def bulk():
        assert import_notice(parsed).case_created

    def old_way():
        _import_the_old_way(parsed)

    vendor = connection.vendor
    new_median, new_min, new_statements = run(bulk)
    old_median, old_min, old_statements = run(old_way)
    print(f"import of {largest.name} ({sum(parsed.level_counts())} issues, {len(parsed.measures())} measures) "
          f"on {vendor}:")
    print(f"{'':<28}{'median ms':>10}{'min ms':>8}{'statements':>12}")
    print(f"{'bulk (cases.tree)':<28}{new_median * 1000:>10.0f}{new_min * 1000:>8.0f}{new_statements:>12}")
    print(f"{'old way (per measure)':<28}{old_median * 1000:>10.0f}{old_min * 1000:>8.0f}{old_statements:>12}")
    print(f"ratio old/bulk: time {old_median / new_median:.1f}x, statements {old_statements / new_statements:.1f}x")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
