"""The weekly round trip in a real browser: staff log progress with a file and ask for
sign-off on /my/, a supervisor sees the dashboard figure change and signs the item off.

Playwright drives Debian's Chromium (/usr/bin/chromium; `.ci/run` installs it); no browser
is downloaded. Missing Chromium skips locally and fails under CI=true.
"""

from __future__ import annotations

import datetime
import os
import shutil

import pytest
from django.utils import timezone

from cases.models import Evidence, Measure
from cases.states import State
from tests import factories
from tests.conftest import service_missing

# Playwright's sync API runs an event loop in this thread; the ORM calls made here between
# browser steps are ordinary blocking calls, which Django would otherwise refuse.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
PASSWORD = "pw-test-123"


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        service_missing(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def _page(browser, live_server):
    context = browser.new_context(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-hans"},
                                  base_url=live_server.url)
    context.set_default_timeout(10_000)
    return context, context.new_page()


def _log_in(page, username):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")


def test_staff_update_and_supervisor_sign_off(browser, live_server, tmp_path):
    unit = factories.UnitFactory(name="县住房和城乡建设局")
    staff = factories.UserFactory(username="liaison", role="staff", units=[unit])
    factories.UserFactory(username="chief", role="supervisor")
    case = factories.CaseFactory(rectification_deadline=timezone.localdate() + datetime.timedelta(days=60))
    measure = factories.MeasureFactory(lead_unit=unit, issue__case=case, text="开展城建领域专项排查",
                                       state=State.PHASED)
    evidence = tmp_path / "排查报告.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% evidence\n")

    context, page = _page(browser, live_server)
    _log_in(page, staff.username)
    page.wait_for_url("**/my/")
    card = page.locator(f"#m{measure.pk}")
    card.locator("summary").click()
    card.locator("textarea").fill("已完成排查,整改到位12项")
    card.locator("input[type=file]").set_input_files(str(evidence))
    card.locator("button.submit-signoff").click()
    page.wait_for_url("**/my/**")
    assert "进展已保存" in page.locator(".messages").inner_text()
    context.close()
    measure.refresh_from_db()
    assert measure.state == State.SUBMITTED
    assert Evidence.objects.get().original_name == "排查报告.pdf"

    context, page = _page(browser, live_server)
    _log_in(page, "chief")
    page.wait_for_url("**/dashboard/")
    assert page.locator(".figure.good .value").inner_text().strip() == "0"
    page.click("nav >> text=销号审核")
    row = page.locator(f"#s{measure.pk}")
    assert "排查报告.pdf" in row.inner_text()
    row.locator("button.approve").click()
    page.wait_for_url("**/signoff/**")
    assert "已销号" in page.locator(".messages").inner_text()
    page.click("nav >> text=仪表盘")
    assert page.locator(".figure.good .value").inner_text().strip() == "1"
    context.close()
    assert Measure.objects.get(pk=measure.pk).state == State.COMPLETED
