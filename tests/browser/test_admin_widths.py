"""The admin pages a newcomer found cramped or broken, in a real browser at a laptop's 1366 px:
the urging ladder fits the window, the measure list's text columns have room, and the notice
import page runs its scripts without errors."""

from __future__ import annotations

import pytest

from cases.urging.models import Ladder, LadderLevel
from tests import factories
from tests.browser.conftest import _log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 1366


@pytest.fixture
def page(browser, live_server):
    factories.UserFactory(username="root", role="admin")
    context = browser.new_context(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-hans"},
                                  base_url=live_server.url, viewport={"width": WIDTH, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    _log_in(page, "root")
    page.wait_for_load_state()
    yield page
    context.close()


def _scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")


def test_the_urging_ladder_fits_a_laptop(page):
    ladder = Ladder.objects.create(name="默认督办阶梯(三色预警)")
    for rank, name in enumerate(["绿色提醒", "黄色预警", "红色警示", "督办函"], start=1):
        LadderLevel.objects.create(ladder=ladder, rank=rank, name=name, threshold_days=rank * 5 - 20,
                                   colour="red", copy_to="jiwei@example.gov.cn\nzuzhibu@example.gov.cn")
    page.goto(f"/admin/cases/ladder/{ladder.pk}/change/")
    assert page.locator("text=阶梯等级").first.is_visible()
    assert not _scrolls_sideways(page), "the ladder page scrolls sideways at 1366 px"
    # The recipient headers read across, not one character a line.
    header = page.locator("th.column-to_unit_head").first
    box = header.bounding_box()
    assert box and box["height"] < 40
    assert not page.errors


def test_the_measure_list_gives_its_text_room_at_a_laptops_width(page):
    unit = factories.UnitFactory(name="县住房和城乡建设局")
    for _ in range(3):
        factories.MeasureFactory(lead_unit=unit, text="建立健全农村人居环境整治长效管护机制," * 3)
    page.goto("/admin/cases/measure/")
    assert not _scrolls_sideways(page), "the measure list scrolls sideways at 1366 px"
    cell = page.locator(".field-measure_text").first
    box = cell.bounding_box()
    assert box and box["width"] >= 200
    # Every column header is inside the window: the last one is not cut off.
    last = page.locator("#result_list thead th").last.bounding_box()
    assert last and last["x"] + last["width"] <= WIDTH
    assert not page.errors


def test_the_notice_import_page_runs_its_scripts(page):
    page.goto("/admin/notices/notice/import/")
    page.wait_for_load_state("networkidle")
    assert not page.errors, page.errors
    assert page.locator(".datetimeshortcuts").count() >= 1  # the date picker's shortcuts were drawn
