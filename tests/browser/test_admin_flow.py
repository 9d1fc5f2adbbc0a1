"""The foundation's promise in a real browser: staff log progress with a file in the admin,
cannot see another unit's items, and a supervisor signs the item off with an admin action."""

from __future__ import annotations

import pytest

from cases.models import Evidence, Measure
from cases.states import State
from tests import factories
from tests.browser.conftest import PASSWORD, _page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _admin_log_in(page, username):
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def test_staff_log_progress_in_the_admin_and_a_supervisor_signs_off(browser, live_server, tmp_path):
    unit, other = factories.UnitFactory(name="县财政局"), factories.UnitFactory(name="县教育局")
    factories.UserFactory(username="liaison", role="staff", units=[unit])
    factories.UserFactory(username="chief", role="supervisor")
    mine = factories.MeasureFactory(lead_unit=unit, text="清理规范财政专户")
    theirs = factories.MeasureFactory(lead_unit=other, issue__case=mine.case, text="整治校园周边环境")
    evidence = tmp_path / "专户清理报告.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% evidence\n")

    context, page = _page(browser, live_server)
    _admin_log_in(page, "liaison")
    page.goto("/admin/cases/measure/")
    listing = page.locator("#result_list").inner_text()
    assert "清理规范财政专户" in listing
    assert "整治校园周边环境" not in listing
    page.goto(f"/admin/cases/measure/{theirs.pk}/change/")
    assert "整治校园周边环境" not in page.content()

    page.goto(f"/admin/cases/measure/{mine.pk}/change/")
    page.fill("#id_progress_note", "已完成专户清理,撤销专户3个")
    page.select_option("#id_progress_state", State.SUBMITTED)
    page.set_input_files("#id_progress_files", str(evidence))
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/cases/measure/")
    assert "整改措施" in page.locator(".messagelist").inner_text()
    context.close()
    mine.refresh_from_db()
    assert mine.state == State.SUBMITTED
    assert Evidence.objects.get(progress__measure=mine).original_name == "专户清理报告.pdf"

    context, page = _page(browser, live_server)
    _admin_log_in(page, "chief")
    page.goto("/admin/cases/measure/?state__exact=submitted")
    page.check(f"input[name=_selected_action][value='{mine.pk}']")
    page.select_option("select[name=action]", "action_approve")
    page.click("button[name=index]")
    page.wait_for_url("**/admin/cases/measure/**")
    assert "已更新 1 项" in page.locator(".messagelist").inner_text()
    context.close()
    assert Measure.objects.get(pk=mine.pk).state == State.COMPLETED
