"""How long the test suite takes serially and with pytest-xdist (`-n auto --dist loadfile`).

    .venv/bin/python benchmarks/suite.py [--runs 3] [PATHS …]     # default: the whole suite, SQLite

Prints the median wall time of each way and their ratio, side by side. On a machine shared with
other work the absolute times move with its load (printed too); the ratio is the figure to read.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(paths: list[str], workers: str) -> float:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", workers,
                    "--dist", "loadfile", *paths], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("paths", nargs="*", default=["tests"])
    args = parser.parse_args()
    load = os.getloadavg()[0]
    serial = [run(args.paths, "0") for _ in range(args.runs)]
    parallel = [run(args.paths, "auto") for _ in range(args.runs)]
    s, p = statistics.median(serial), statistics.median(parallel)
    print(f"paths: {' '.join(args.paths)}  cores: {os.cpu_count()}  load average at start: {load:.1f}")
    print(f"| way | median s | runs |\n|---|---:|---:|\n| serial (-n 0) | {s:.1f} | {len(serial)} |\n"
          f"| xdist (-n auto) | {p:.1f} | {len(parallel)} |\n| ratio serial / xdist | {s / p:.2f} | |")


if __name__ == "__main__":
    main()
