"""The one rule for a test that needs something outside the code: a service (PostgreSQL, Redis,
an SMTP server), Chromium, or the published notices in ../shared/notices.

`service_missing(what)` skips the test locally, saying why, and fails it under CI=true, where
every such resource must be there. Tests never call `pytest.skip`, `pytest.importorskip` or
`skipif` for a resource themselves (tests/test_no_silent_skips.py checks that). No Django here,
so the parser tests can use it without a database.
"""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def service_missing(what: str) -> None:
    """Skip locally, fail in CI: CI must exercise the real services."""
    if IN_CI:
        pytest.fail(f"{what} (CI=true: tests that need a resource must not skip)")
    pytest.skip(what)
