"""A suite that cannot pass by skipping: every test that needs a resource outside the code goes
through `tests.resources.service_missing`, which fails under CI=true. Checked two ways: no test
file skips on its own, and with the shared notices absent under CI=true the tests that need
them fail instead of skipping."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
PROJECT = TESTS.parent
# The one place allowed to skip; conftest marks PostgreSQL-only tests in the SQLite pass, which
# `make test` runs again on PostgreSQL (and CI requires that pass).
ALLOWED = {TESTS / "resources.py": ["pytest.skip("], TESTS / "conftest.py": ["pytest.mark.skip("]}
SKIPS = re.compile(r"pytest\.skip\(|importorskip\(|\.skipif\(|pytest\.mark\.skip\(|unittest\.skip")


def test_no_test_skips_a_resource_on_its_own():
    offenders = []
    for path in TESTS.rglob("*.py"):
        if path == Path(__file__).resolve():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = SKIPS.search(line)
            if match and match.group(0) not in ALLOWED.get(path, []):
                offenders.append(f"{path.relative_to(PROJECT)}:{number}: {line.strip()}")
    assert not offenders, "skip through tests.resources.service_missing instead:\n" + "\n".join(offenders)


# One test per way a test reaches the shared notices.
NEEDS_NOTICES = [
    "tests/notices/test_parser.py::test_it_reads_the_title[echeng-2020]",  # parser_fixtures.shared_path
    "tests/notices/test_parser_fuzz.py::test_mutated_notices_give_a_result_or_a_parse_error",  # the fixture
    "tests/notices/test_drafter.py::test_shared_notice_imported_then_drafted_parses_back_to_the_case[echeng-2020]",
    "tests/notices/test_importer.py::test_states_the_notice_reports_are_recorded_with_the_notice_as_source",
]


def _run(ci: str, tmp_path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "PYTEST_XDIST_WORKER")}
    env.update(CI=ci, RECTIFY_SHARED_NOTICES=str(tmp_path / "no-notices-here"))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "-rfEs", *NEEDS_NOTICES],
        cwd=PROJECT, env=env, capture_output=True, text=True, timeout=600,
    )
    return result.stdout.splitlines()[-1] if result.stdout else result.stderr


@pytest.mark.slow
def test_absent_notices_fail_under_ci_and_skip_locally(tmp_path):
    in_ci = _run("true", tmp_path)
    assert "failed" in in_ci and "skipped" not in in_ci, in_ci
    local = _run("", tmp_path)
    assert "skipped" in local and "failed" not in local, local
