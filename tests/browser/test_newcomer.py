"""What a newcomer sees in a real browser: the dashboard's unit table on a phone shows every
value without sideways scrolling, and a refused update on /my/ stays on /my/ at its card."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cases.models import ProgressUpdate
from cases.states import State
from tests import factories
from tests.browser.conftest import _log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _context(browser, live_server, **kwargs):
    context = browser.new_context(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-hans"},
                                  base_url=live_server.url, **kwargs)
    context.set_default_timeout(10_000)
    return context, context.new_page()


def test_the_unit_table_fits_a_phone_with_every_value_named(browser, live_server):
    today = timezone.localdate()
    for i in range(3):
        unit = factories.UnitFactory(name=f"县住房和城乡建设局第{i}科")
        factories.MeasureFactory(lead_unit=unit, deadline=today - datetime.timedelta(days=5 + i))
    factories.UserFactory(username="chief", role="supervisor")
    context, page = _context(browser, live_server, viewport={"width": 390, "height": 844})
    _log_in(page, "chief")
    page.wait_for_url("**/dashboard/")
    table = page.locator("table.units")
    wrap = page.locator("#units .table-wrap")
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth + 1"), "the unit table scrolls sideways"
    first = table.locator("tbody tr").first
    for label in ("未完成", "已逾期", "最长逾期", "已销号"):
        cell = first.locator(f'td[data-label="{label}"]')
        assert cell.is_visible()
        box = cell.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.locator("#units .phone-only").is_visible()
    overdue = page.locator("#overdue tbody tr").first.inner_text()
    assert "逾期" in overdue and "天" in overdue
    context.close()


def test_a_refused_update_on_my_items_stays_there(browser, live_server, tmp_path):
    unit = factories.UnitFactory(name="县财政局")
    factories.UserFactory(username="liaison", role="staff", units=[unit])
    measure = factories.MeasureFactory(lead_unit=unit, state=State.IN_PROGRESS)
    bad = tmp_path / "程序.exe"
    bad.write_bytes(b"MZ\x90\x00" + b"\x00" * 64)
    context, page = _context(browser, live_server)
    _log_in(page, "liaison")
    page.wait_for_url("**/my/")
    card = page.locator(f"#m{measure.pk}")
    card.locator("summary").first.click()
    card.locator("textarea").fill("本周完成了排查")
    card.locator("input[type=file]").set_input_files(str(bad))
    card.locator("button.primary").click()
    page.wait_for_load_state()
    assert page.url.rstrip("/").endswith("/my")
    card = page.locator(f"#m{measure.pk}")
    assert card.locator("textarea").input_value() == "本周完成了排查"
    assert card.locator(".field-error, .errors").first.is_visible()
    assert page.evaluate("document.activeElement.tagName") == "TEXTAREA"
    assert not ProgressUpdate.objects.filter(measure=measure).exists()
    context.close()


def test_the_look_back_queue_fits_a_phone(browser, live_server):
    """Its two summary tables sat in a grid column that grew to their width: the whole page
    scrolled sideways on a phone instead of the tables in their own frames."""
    factories.MeasureFactory(state=State.COMPLETED, completed_at=timezone.now())
    factories.UserFactory(username="chief", role="supervisor")
    context, page = _context(browser, live_server, viewport={"width": 390, "height": 844})
    _log_in(page, "chief")
    page.wait_for_url("**/dashboard/")
    page.goto("/lookback/")
    assert page.locator("table.lookback-summary").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"), \
        "the look-back page scrolls sideways on a phone"
    context.close()
