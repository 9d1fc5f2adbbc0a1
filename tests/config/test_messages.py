"""`make messages` (scripts/messages.py) keeps the per-area catalogue layout: every area keeps its
strings and translations, a new string joins the area of its file, nothing lands in one big
catalogue, and a second run changes nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SCRIPT = ROOT / "scripts" / "messages.py"
sys.path.insert(0, str(SCRIPT.parent))
import messages  # noqa: E402  (the script, imported for its catalogue reader)


def _translated(po: Path) -> dict:
    text = subprocess.run(["msgattrib", "--translated", "--no-wrap", str(po)], capture_output=True, text=True,
                          check=True).stdout
    return {key: block.split("msgstr", 1)[1] for key, block, _files in messages.entries(text)}


def test_a_new_string_joins_the_area_of_its_file():
    areas = {
        "pages": 'msgid ""\nmsgstr ""\n\nmsgid "Dashboard"\nmsgstr "仪表盘"\n',
        "core": 'msgid ""\nmsgstr ""\n\nmsgid "name"\nmsgstr "姓名"\n',
    }
    fresh = ('msgid ""\nmsgstr ""\n\n#: cases/views.py:10\nmsgid "Dashboard"\nmsgstr ""\n\n'
             '#: cases/views.py:20\nmsgid "A new page string"\nmsgstr ""\n\n'
             '#: cases/elsewhere.py:1\nmsgid "An orphan string"\nmsgstr ""\n\n'
             '#: accounts/models.py:5\nmsgid "name"\nmsgstr ""\n')
    plan = messages.plan(fresh, areas)
    keys = {area: [messages.entries(b)[0][0][1] for b in blocks] for area, blocks in plan.items()}
    assert keys["pages"] == ["Dashboard", "A new page string"]
    assert keys["core"] == ["An orphan string", "name"]


def test_strings_built_at_run_time_are_kept_unless_pruned():
    areas = {"parser": 'msgid ""\nmsgstr ""\n\nmsgid "Built at run time"\nmsgstr "运行时生成"\n'}
    fresh = 'msgid ""\nmsgstr ""\n'
    assert len(messages.plan(fresh, areas)["parser"]) == 1
    assert messages.plan(fresh, areas, prune=True)["parser"] == []


@pytest.mark.slow
def test_make_messages_keeps_every_area_and_its_translations(tmp_path):
    if not shutil.which("msgmerge"):
        from tests.resources import service_missing

        service_missing("GNU gettext (msgmerge) is not installed")
    copy = tmp_path / "locale"
    shutil.copytree(ROOT / "locale", copy)
    before = {po.parent.parent.parent.name: _translated(po) for po in copy.glob("*/zh_Hans/LC_MESSAGES/django.po")}
    run = [sys.executable, str(SCRIPT), "--locale-dir", str(copy)]
    subprocess.run(run, cwd=ROOT, check=True, capture_output=True, timeout=600)
    areas = sorted(p.name for p in copy.iterdir())
    assert areas == sorted(before) and "zh_Hans" not in areas
    for area, translations in before.items():
        po = copy / area / "zh_Hans" / "LC_MESSAGES" / "django.po"
        assert _translated(po) == translations, area
        assert po.with_suffix(".mo").exists()
    # The layout is stable: a second run would change nothing.
    check = subprocess.run([*run, "--check"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_admins_two_box_selector_speaks_chinese(admin_client):
    """Django's zh-hans JavaScript catalogue lacks the selector's newer strings (a person's role
    groups read 'Choose 组 by selecting them…'): locale/ux carries them."""
    admin_client.cookies["django_language"] = "zh-hans"
    catalogue = admin_client.get("/admin/jsi18n/").content.decode()
    assert "\\u9009\\u4e2d\\u8981\\u6dfb\\u52a0" in catalogue or "选中要添加" in catalogue
    assert "选择全部" in catalogue or "\\u9009\\u62e9\\u5168\\u90e8" in catalogue
