#!/usr/bin/env python
"""Parse time and tree size of each shared notice (no database, no Django).

    .venv/bin/python benchmarks/parse_notices.py [--runs 20] [--notices ../shared/notices]

For each notice: the median parse time over --runs runs after one warm-up, the number of
nodes per level, problems, measures and warnings. A county notice should parse in well
under 100 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _shared_notices() -> Path:
    """../shared/notices, or the nearest ancestor's shared/notices (git worktrees)."""
    for ancestor in ROOT.parents:
        if (ancestor / "shared" / "notices").is_dir():
            return ancestor / "shared" / "notices"
    return ROOT.parent / "shared" / "notices"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--notices", type=Path, default=_shared_notices())
    args = parser.parse_args(argv)

    from notices.parser import clear_caches, parse_text

    files = sorted(args.notices.glob("*.txt"))
    if not files:
        print(f"no notices in {args.notices}", file=sys.stderr)
        return 1
    print(f"{'notice':<18} {'chars':>7} {'median ms':>10} {'max ms':>8}  levels          problems measures warnings")
    for path in files:
        text = path.read_text(encoding="utf-8")
        parse_text(text)  # warm-up: loads lazily imported modules and compiles the patterns
        samples = []
        for _ in range(args.runs):
            # The parser caches folded lines and labels across calls; clear them so every
            # run measures a cold parse, as an import of a new notice would be.
            clear_caches()
            started = time.perf_counter()
            notice = parse_text(text)
            samples.append((time.perf_counter() - started) * 1000)
        levels = "/".join(str(count) for count in notice.level_counts())
        print(f"{path.stem:<18} {len(text):>7} {statistics.median(samples):>10.1f} {max(samples):>8.1f}  "
              f"{levels:<15} {len(notice.problems()):>8} {len(notice.measures()):>8} {len(notice.warnings):>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
