"""The weekly round trip in a real browser: staff log progress with a file and ask for
sign-off on /my/, a supervisor sees the dashboard figure change and signs the item off.

Playwright drives Debian's Chromium (/usr/bin/chromium; `.ci/run` installs it); no browser
is downloaded. Missing Chromium skips locally and fails under CI=true.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cases.models import Evidence, Measure
from cases.states import State
from tests import factories
from tests.browser.conftest import _log_in, _page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
    card.locator("summary").first.click()  # "Log progress" (the outcome figures fold inside it)
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
