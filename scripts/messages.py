#!/usr/bin/env python
"""`make messages`: refresh the per-area zh-hans catalogues (locale/<area>/zh_Hans/LC_MESSAGES/django.po).

Django's makemessages writes every string of the project into one catalogue (the first of
LOCALE_PATHS), while Rectify keeps one catalogue per area so engineers working on different
parts do not edit the same file. This script runs makemessages into a scratch directory, then
for each area:

- keeps the area's strings that the code still uses, with their translations, and updates their
  order (msgmerge, no fuzzy matching: a changed English text needs a new translation), stored
  without `#:` source references so that unrelated edits never touch a catalogue;
- keeps, and reports as unused, strings makemessages cannot find in the code: some msgids are
  built at run time (the notice parser's messages in notices/parser/messages.py), so nothing is
  dropped unless `--prune` asks for it;
- adds each new string to one area: the area holding most of the other strings of the file it
  comes from (a new string in cases/views.py joins the catalogue of that page's strings), else
  `core`; it is added untranslated, for the translator;

and compiles every catalogue. `--check` writes nothing and exits 1 if any catalogue would change
(new, untranslated or unused strings), for CI; `--locale-dir` works on a copy.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE = "zh_Hans"
DEFAULT_AREA = "core"
IGNORE = [".venv", "tests", "benchmarks", "var", "staticfiles", "node_modules"]

Key = tuple[str, str]  # (msgctxt, msgid) as written in the catalogue


def _strings(lines: list[str], keyword: str) -> str | None:
    """The concatenated quoted text of `keyword "…"` and its continuation lines, as written."""
    out, inside = [], False
    for line in lines:
        if line.startswith(keyword + " "):
            inside = True
            out.append(line[len(keyword) + 1:].strip()[1:-1])
        elif inside and line.startswith('"'):
            out.append(line.strip()[1:-1])
        elif inside:
            break
    return "".join(out) if inside else None


def entries(text: str) -> list[tuple[Key, str, list[str]]]:
    """Each entry of a catalogue: its key, its block of text, and the files of its references."""
    result = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        msgid = _strings(lines, "msgid")
        if msgid is None or msgid == "":
            continue  # the header, or an obsolete entry
        key = (_strings(lines, "msgctxt") or "", msgid)
        files = [ref.rsplit(":", 1)[0] for line in lines if line.startswith("#:") for ref in line[2:].split()]
        result.append((key, block, files))
    return result


def run_makemessages(scratch: Path) -> Path:
    """The whole project's strings, as makemessages finds them, in one fresh catalogue.

    makemessages writes into a `locale` folder beside the files it reads, and the project has one
    (locale/<area>/…), so it is run in a scratch folder holding links to the project's sources
    (followed with symlinks=True; references stay relative, e.g. cases/views.py), with
    LOCALE_PATHS pointing at the scratch output.
    """
    sources, out = scratch / "src", scratch / "out"
    sources.mkdir(parents=True)
    out.mkdir()
    for entry in ROOT.iterdir():
        if entry.name.startswith(".") or entry.name in {"locale", *IGNORE}:
            continue
        (sources / entry.name).symlink_to(entry)
    code = (
        "import sys, django; from django.test.utils import override_settings; django.setup(); "
        "from django.core.management import call_command; "
        "override_settings(LOCALE_PATHS=[sys.argv[1]]).enable(); "
        "call_command('makemessages', locale=['" + LANGUAGE + "'], ignore_patterns=sys.argv[2:], verbosity=0, "
        "symlinks=True, no_obsolete=True)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "RECTIFY_ENV": "development",
           "PYTHONPATH": str(ROOT), "RECTIFY_VAR_DIR": str(scratch / "var")}
    subprocess.run([sys.executable, "-c", code, str(out), *IGNORE], cwd=sources, env=env, check=True)
    return out / LANGUAGE / "LC_MESSAGES" / "django.po"


def plan(full_text: str, areas: dict[str, str], *, prune: bool = False) -> dict[str, list[str]]:
    """The entry blocks (from the fresh catalogue) each area's catalogue should hold."""
    fresh = entries(full_text)
    found = {key for key, _block, _files in fresh}
    holders: dict[Key, list[str]] = {}
    for area, text in areas.items():
        for key, _block, _files in entries(text):
            holders.setdefault(key, []).append(area)
    # Which area each source file's strings live in, by vote of the strings already placed.
    votes: dict[str, Counter[str]] = {}
    for key, _block, files in fresh:
        for area in holders.get(key, []):
            for file in files:
                votes.setdefault(file, Counter())[area] += 1
    wanted: dict[str, list[str]] = {area: [] for area in areas}
    for key, block, files in fresh:
        targets = holders.get(key)
        if not targets:
            tally: Counter[str] = Counter()
            for file in files:
                tally.update(votes.get(file, Counter()))
            targets = [tally.most_common(1)[0][0] if tally else DEFAULT_AREA]
        for area in targets:
            wanted.setdefault(area, []).append(block)
    if not prune:
        for area, text in areas.items():
            wanted[area] += [block for key, block, _files in entries(text) if key not in found]
    return wanted


def _header(text: str) -> str:
    first = re.split(r"\n\s*\n", text.strip(), maxsplit=1)[0]
    return first if 'msgid ""' in first else 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"'


def _body(text: str) -> str:
    """A catalogue without the lines that change on every run."""
    return "\n".join(line for line in text.splitlines() if "-Date:" not in line)


def refresh(locale_dir: Path, *, check: bool, prune: bool = False) -> list[str]:
    """Update (or, with check, compare) every area's catalogue; the list of what changed."""
    changed = []
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        full = run_makemessages(scratch / "all").read_text(encoding="utf-8")
        found_files = sorted(locale_dir.glob(f"*/{LANGUAGE}/LC_MESSAGES/django.po"))
        catalogues = {p.parent.parent.parent.name: p for p in found_files}
        areas = {area: path.read_text(encoding="utf-8") for area, path in catalogues.items()}
        found = {key for key, _block, _files in entries(full)}
        for area, blocks in plan(full, areas, prune=prune).items():
            path = catalogues.get(area) or locale_dir / area / LANGUAGE / "LC_MESSAGES" / "django.po"
            old = areas.get(area, "")
            pot = scratch / f"{area}.pot"
            pot.write_text(_header(full) + "\n\n" + "\n\n".join(blocks) + "\n", encoding="utf-8")
            merged = scratch / f"{area}.po"
            if old:
                (scratch / f"{area}.old.po").write_text(old, encoding="utf-8")
                subprocess.run(["msgmerge", "--quiet", "--no-fuzzy-matching", "--no-wrap", "--sort-output",
                                "-o", str(merged), str(scratch / f"{area}.old.po"), str(pot)], check=True)
            else:
                shutil.copy(pot, merged)
            # No "#:" source references in the stored catalogues: they change with every edit of a
            # file above a string and made every branch's catalogue conflict with every other's.
            subprocess.run(["msgattrib", "--no-obsolete", "--no-location", "--no-wrap", "--sort-output",
                            "-o", str(merged), str(merged)], check=True)
            new = merged.read_text(encoding="utf-8")
            before = {k for k, _b, _f in entries(old)}
            after = {k for k, _b, _f in entries(new)}
            untranslated = subprocess.run(["msgattrib", "--untranslated", "--no-wrap", str(merged)],
                                          capture_output=True, text=True, check=True).stdout
            missing = [k for k, _b, _f in entries(untranslated)]
            unused = len(after - found)
            if _body(new) != _body(old):
                changed.append(f"{area}: +{len(after - before)} -{len(before - after)}, untranslated {len(missing)}"
                               f" (some Django translates), unused {unused}")
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                if _body(new) != _body(old):
                    # Only a real change is written: a fresh creation date alone would touch every
                    # catalogue on every run and make branches conflict on their headers.
                    path.write_text(new, encoding="utf-8")
                subprocess.run(["msgfmt", "-o", str(path.with_suffix(".mo")), str(path)], check=True)
    if not check:
        # Hand-kept JavaScript catalogues (strings of the admin's scripts that Django's own
        # catalogue lacks): nothing to extract, only compiled.
        for js in sorted(locale_dir.glob(f"*/{LANGUAGE}/LC_MESSAGES/djangojs.po")):
            subprocess.run(["msgfmt", "-o", str(js.with_suffix(".mo")), str(js)], check=True)
    return changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a catalogue would change")
    parser.add_argument("--prune", action="store_true", help="also drop strings not found in the code")
    parser.add_argument("--locale-dir", type=Path, default=ROOT / "locale")
    args = parser.parse_args()
    changed = refresh(args.locale_dir.resolve(), check=args.check, prune=args.prune)
    for line in changed:
        print(line)
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
