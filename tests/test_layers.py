"""Dependencies point down: accounts ← cases ← notices.

Every import statement of every module (at the top, inside functions, relative ones resolved) is
read from the source: no module of accounts imports cases or notices, and no module of cases
imports notices. Where a lower layer needs something of a higher one, the higher one registers it
(notices registers the ledger's label reader and the case admin's notice-draft page).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {"accounts": ("cases", "notices"), "cases": ("notices",)}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            if module:
                found.append((node.lineno, module))
            # `from . import x` / `from ... import notices` name modules too.
            found.extend((node.lineno, f"{module}.{alias.name}" if module else alias.name) for alias in node.names)
    return found


def violations(layer: str) -> list[str]:
    bad = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        for line, module in imported_modules(path):
            top = module.split(".")[0]
            if top in FORBIDDEN[layer]:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return bad


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_module_imports_a_layer_above_its_own(layer):
    assert violations(layer) == []


def test_the_check_sees_every_kind_of_import(tmp_path, monkeypatch):
    """The reader finds absolute, nested and relative imports (so the test above can fail)."""
    package = tmp_path / "cases" / "sub"
    package.mkdir(parents=True)
    (tmp_path / "cases" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "mod.py").write_text(
        "import notices.parser\n"
        "def f():\n    from notices.drafter import draft_notice\n"
        "from ... import notices\n"
    )
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    found = {v.split(" imports ")[1] for v in violations("cases")}
    assert {"notices.parser", "notices.drafter", "notices.drafter.draft_notice", "notices"} <= found
