"""Shared pieces of the browser tests: Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.conftest import service_missing

# Playwright's sync API runs an event loop in this thread; the ORM calls made here between
# browser steps are ordinary blocking calls, which Django would otherwise refuse.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
PASSWORD = "pw-test-123"


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        service_missing(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    try:
        from playwright import sync_api
    except ImportError:
        service_missing("Playwright is not installed (pip install -r requirements-dev.txt)")
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


