#!/usr/bin/env python
"""Parse time and tree size of each notice (no database, no Django), against a baseline.

    .venv/bin/python benchmarks/parse_notices.py [--runs 20] [--baseline DIR] [--corpus]

For each notice (the shared ones, and with --corpus the invented notices of
tests/notices/corpus): the median cold parse time over --runs runs after one warm-up, the
nodes per level, problems, measures and warnings. With ``--baseline DIR`` (a checkout of
another version, e.g. ``git worktree add /tmp/base main``) the same notices are timed with
that version's parser too, runs interleaved so that the load of a shared machine weighs on
both alike, and the ratio is printed: medians and ratio side by side. Aim: ≤ 10 ms a
county notice on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs in a fresh interpreter with one checkout on sys.path: two versions of the parser
# cannot share a process, both being the package ``notices.parser``.
_TIMER = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from notices.parser import clear_caches, parse_text
runs = int(sys.argv[2])
out = {}
for name in sys.argv[3:]:
    text = open(name, encoding="utf-8").read()
    notice = parse_text(text)  # warm-up: lazily imported modules, compiled patterns
    samples = []
    for _ in range(runs):
        clear_caches()  # a cold parse, as an import of a new notice is
        started = time.perf_counter()
        notice = parse_text(text)
        samples.append((time.perf_counter() - started) * 1000)
    out[name] = {"samples": samples, "chars": len(text),
                 "levels": notice.level_counts(), "problems": len(notice.problems()),
                 "measures": len(notice.measures()), "warnings": len(notice.warnings)}
print(json.dumps(out))
"""


def _shared_notices() -> Path:
    """../shared/notices, or the nearest ancestor's shared/notices (git worktrees)."""
    for ancestor in ROOT.parents:
        if (ancestor / "shared" / "notices").is_dir():
            return ancestor / "shared" / "notices"
    return ROOT.parent / "shared" / "notices"


def _time(checkout: Path, files: list[Path], runs: int) -> dict:
    result = subprocess.run([sys.executable, "-c", _TIMER, str(checkout), str(runs), *map(str, files)],
                            check=True, capture_output=True, text=True)
    return json.loads(result.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of --runs runs each")
    parser.add_argument("--notices", type=Path, default=_shared_notices())
    parser.add_argument("--corpus", action="store_true", help="also the invented notices of tests/notices/corpus")
    parser.add_argument("--baseline", type=Path, help="a checkout of the version to compare with")
    args = parser.parse_args(argv)

    files = sorted(args.notices.glob("*.txt"))
    if args.corpus:
        files += sorted((ROOT / "tests" / "notices" / "corpus").glob("*.txt"))
    if not files:
        print(f"no notices in {args.notices}", file=sys.stderr)
        return 1
    samples: dict[str, dict[str, list[float]]] = {"this": {}, "base": {}}
    info: dict[str, dict] = {}
    for _ in range(args.rounds):
        for which, checkout in (("this", ROOT), ("base", args.baseline)):
            if checkout is None:
                continue
            for name, data in _time(checkout, files, args.runs).items():
                samples[which].setdefault(name, []).extend(data["samples"])
                if which == "this":
                    info[name] = data
    head = f"{'notice':<44} {'chars':>6} {'median ms':>9}"
    if args.baseline:
        head += f" {'baseline':>9} {'ratio':>6}"
    print(head + "  levels        problems measures warnings")
    medians, bases = [], []
    for path in files:
        name = str(path)
        data = info[name]
        median = statistics.median(samples["this"][name])
        medians.append(median)
        line = f"{path.stem:<44} {data['chars']:>6} {median:>9.1f}"
        if args.baseline:
            base = statistics.median(samples["base"][name])
            bases.append(base)
            line += f" {base:>9.1f} {median / base:>6.2f}"
        levels = "/".join(str(n) for n in data["levels"])
        print(f"{line}  {levels:<13} {data['problems']:>8} {data['measures']:>8} {data['warnings']:>8}")
    total = f"{'median of the notices':<44} {'':>6} {statistics.median(medians):>9.1f}"
    if args.baseline:
        total += f" {statistics.median(bases):>9.1f} {statistics.median(medians) / statistics.median(bases):>6.2f}"
    print(total)
    return 0


if __name__ == "__main__":
    sys.exit(main())
