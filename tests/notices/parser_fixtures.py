"""Where the parser tests find their notices: the five published ones and our own samples.

The published notices live outside the project, in a ``shared/notices`` folder beside the
repository (``../shared/notices``; from a git worktree such as ``/work/wt/parser`` the nearest
ancestor holding ``shared/notices`` is used, and ``RECTIFY_SHARED_NOTICES`` overrides both).
See its README.md for the facts read off them by hand. Tests that need them skip, saying
why, when that folder is absent — except under ``CI=true``, where they fail: the rule of
``tests.resources.service_missing``, called here.
"""

from __future__ import annotations

import os
from pathlib import Path

from notices.parser import ParsedNotice, parse_file
from tests.resources import IN_CI, service_missing

__all__ = ["IN_CI", "notices_missing"]

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parents[1]
SAMPLES = HERE / "samples"
SNAPSHOTS = HERE / "snapshots"
CORPUS = HERE / "corpus"



def _find_shared() -> Path:
    override = os.environ.get("RECTIFY_SHARED_NOTICES")
    if override:
        return Path(override)
    for ancestor in PROJECT.parents:
        candidate = ancestor / "shared" / "notices"
        if candidate.is_dir():
            return candidate
    return PROJECT.parent / "shared" / "notices"


SHARED_NOTICES = _find_shared()

SHARED_NAMES = ("echeng-2020", "wanzhi-2024", "laishan-2020", "leizhou-2021", "zhengxiang-2024")
SAMPLE_NAMES = ("university-2023", "enterprise-2024", "township-2024")


def notices_missing(what: str) -> None:
    """Skip locally, fail in CI: CI must run against the published notices."""
    service_missing(what)


def shared_path(name: str) -> Path:
    path = SHARED_NOTICES / f"{name}.txt"
    if not path.exists():
        notices_missing(f"published notice {path} is absent: the shared notices live in ../shared/notices")
    return path


def shared_text(name: str) -> str:
    return shared_path(name).read_text(encoding="utf-8")


def shared_texts() -> dict[str, str]:
    """All shared notices that exist (for property tests that mutate them)."""
    if not SHARED_NOTICES.is_dir():
        return {}
    return {name: (SHARED_NOTICES / f"{name}.txt").read_text(encoding="utf-8")
            for name in SHARED_NAMES if (SHARED_NOTICES / f"{name}.txt").exists()}


_CACHE: dict[Path, ParsedNotice] = {}


def parsed(path: Path) -> ParsedNotice:
    """Parse once per test session: many tests read facts off the same notice."""
    if path not in _CACHE:
        _CACHE[path] = parse_file(path)
    return _CACHE[path]


def parsed_shared(name: str) -> ParsedNotice:
    return parsed(shared_path(name))


def parsed_sample(name: str) -> ParsedNotice:
    return parsed(SAMPLES / f"{name}.txt")
