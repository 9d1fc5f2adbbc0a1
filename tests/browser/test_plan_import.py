"""A supervisor imports a Word plan table in a real browser: upload → preview → create the missing
names and give the defaults → confirm → the case holds the plan's tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from accounts.models import Unit
from cases.models import Case, Issue, Measure
from tests import factories
from tests.browser.conftest import PASSWORD, _page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PLAN = Path(__file__).resolve().parent.parent / "notices" / "plans" / "word_merged.docx"


def test_a_supervisor_imports_a_plan_table_from_upload_to_confirmation(browser, live_server):
    organisation = factories.OrganisationFactory(name="青石县")
    for name in ("县发展改革局", "县财政局", "县委办公室", "县委巡察办"):
        factories.UnitFactory(name=name, organisation=organisation)
    factories.UserFactory(username="chief", role="supervisor", organisations=[organisation])

    context, page = _page(browser, live_server)
    page.goto("/admin/login/")
    page.fill("#id_username", "chief")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    page.goto("/admin/notices/notice/")
    page.click("text=导入整改方案表格")
    page.set_input_files("#id_file", str(PLAN))
    page.click("input[name=_preview]")

    # The preview: the tree, the names it could not find (县审计局, three leaders), the report.
    assert "贯彻新发展理念有差距" in page.locator("#pp-tree").inner_text()
    names = page.locator("#pp-names").inner_text()
    assert "县审计局" in names and "李明" in names
    assert "没有完成时限" in page.locator("#pp-report").inner_text()
    assert page.locator("#pp-confirm").count() == 0
    assert not Case.objects.exists()

    page.check("#id_create_missing")
    page.select_option("#id_unit", label="县委巡察办")
    page.fill("#id_default_deadline", "2026-03-31")
    with page.expect_navigation():
        page.click("input[name=_check]")
    assert page.locator("#pp-report").count() == 0
    if page.locator("#id_accept_overdue").count():  # the 2026 deadlines may be past by now
        page.check("#id_accept_overdue")
    page.click("#pp-confirm")
    page.wait_for_url("**/admin/cases/case/*/change/")
    assert "已导入整改方案" in page.locator(".messagelist").inner_text()
    context.close()

    case = Case.objects.get()
    assert case.organisation == organisation
    assert Issue.objects.filter(case=case, kind="group").count() == 2
    assert Measure.objects.filter(case=case).count() == 5
    assert Unit.objects.filter(organisation=organisation, name="县审计局").exists()
    assert Measure.objects.get(case=case, text="开展警示教育").lead_unit.name == "县委巡察办"
