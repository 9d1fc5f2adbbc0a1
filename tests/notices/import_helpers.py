"""Shared by the import tests: where the five published notices live, and what they hold.

The counts come from /work/shared/notices/README.md (read off the texts by hand): the
number of nodes at each level of the issue-by-issue part, top level first.
"""

from __future__ import annotations

from pathlib import Path

from tests.notices.parser_fixtures import SHARED_NOTICES, notices_missing

NOTICES_DIR = SHARED_NOTICES

# file → (nodes per level as far as the README counts them, problem-level issues or None)
README_TREES: dict[str, tuple[list[int], int | None]] = {
    # 5 categories; 13 numbered 方面 items plus category 5's 一是…四是 → 17 problems.
    "echeng-2020.txt": ([5, 17], 17),
    # 4 categories → 16 numbered headings → 39 items （1）…（39）.
    "wanzhi-2024.txt": ([4, 16, 39], 39),
    # 5 categories → 15 headings → 45 items.
    "laishan-2020.txt": ([5, 15, 45], None),
    # 4 第N方面问题 → 19 （一） sub-headings → 47 numbered items.
    "leizhou-2021.txt": ([4, 19, 47], None),
    # 4 categories → 70 issues numbered straight through.
    "zhengxiang-2024.txt": ([4, 70], 70),
}


def notice_path(name: str) -> Path:
    path = NOTICES_DIR / name
    if not path.exists():
        notices_missing(f"shared notice {path} is absent (the published notices live in ../shared/notices)")
    return path


def notice_text(name: str) -> str:
    return notice_path(name).read_text(encoding="utf-8")


def largest_notice() -> Path:
    if not NOTICES_DIR.is_dir():
        notices_missing(f"{NOTICES_DIR} is absent (the published notices live in ../shared/notices)")
    return max(NOTICES_DIR.glob("*.txt"), key=lambda p: p.stat().st_size)
