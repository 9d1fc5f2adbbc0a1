#!/usr/bin/env python
"""Parse time of each shared notice, and import time of the largest.

    .venv/bin/python benchmarks/import_notices.py [--runs 5] [--notices ../shared/notices]

Parsing is timed alone (no database), median of --runs runs after one warm-up. The import
of the largest notice is timed through `notices.importer.import_notice` (parse excluded),
each run in a transaction that is then rolled back, so every run starts from the same
empty database. With DATABASE_URL unset it uses a fresh SQLite file in a temporary
directory; set DATABASE_URL to time PostgreSQL (the database must exist and be migrated,
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--notices", type=Path, default=ROOT.parent / "shared" / "notices")
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
    times = []
    for run in range(args.runs + 1):
        try:
            with transaction.atomic():
                start = time.perf_counter()
                result = import_notice(parsed)
                elapsed = time.perf_counter() - start
                assert result.case_created, result.message
                if run:
                    times.append(elapsed)
                raise _Rollback
        except _Rollback:
            pass
    vendor = connection.vendor
    print(f"import of {largest.name} ({sum(parsed.level_counts())} issues, {len(parsed.measures())} measures) "
          f"on {vendor}: median {statistics.median(times) * 1000:.0f} ms, min {min(times) * 1000:.0f} ms")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
