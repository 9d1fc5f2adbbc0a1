"""Where the parser tests find their notices: the five published ones and our own samples.

The published notices live outside the project, in the repository root's sibling
``shared/notices`` (see its README.md for the facts read off them by hand); the tests that
need them skip, saying why, when that folder is absent. No Django is needed here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from notices.parser import ParsedNotice, parse_file

HERE = Path(__file__).resolve().parent
SHARED_NOTICES = Path(__file__).resolve().parents[2].parent / "shared" / "notices"
SAMPLES = HERE / "samples"
SNAPSHOTS = HERE / "snapshots"

SHARED_NAMES = ("echeng-2020", "wanzhi-2024", "laishan-2020", "leizhou-2021", "zhengxiang-2024")
SAMPLE_NAMES = ("university-2023", "enterprise-2024", "township-2024")


def shared_path(name: str) -> Path:
    path = SHARED_NOTICES / f"{name}.txt"
    if not path.exists():
        pytest.skip(f"published notice {path} is absent: the shared notices live in ../shared/notices")
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
