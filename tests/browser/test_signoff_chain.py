"""One item through a four-step sign-off chain in a real browser: the liaison asks with evidence on
the item page; the unit head, the lead leader, the 整改办 and the principal leader each find it in
their queue only at their own step and sign it; the item page then shows every signature and
offers the sign-off sheet."""

from __future__ import annotations

import pytest

from cases.models import Evidence, Measure, SignOff
from cases.states import State
from tests import factories
from tests.browser.conftest import _log_in, _page
from tests.cases.test_signoff_chain import KINDS, People

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _queue_ids(page) -> list[str]:
    page.goto("/signoff/")
    return page.locator("li.card.item").evaluate_all("els => els.map(e => e.id)")


def test_an_item_walks_through_four_signatures(browser, live_server, tmp_path):
    unit = factories.UnitFactory(name="县住房和城乡建设局")
    people = People(unit)
    case = factories.CaseFactory()
    factories.signoff_chain(("lead_unit_head", "责任单位负责人"), ("lead_leader", "牵头领导"),
                            ("org_supervisors", "整改办"), ("principal_leader", "主要领导"),
                            case=case, evidence="required")
    measure = factories.MeasureFactory(lead_unit=unit, issue__case=case, lead_leader=people.leader,
                                       text="开展城建领域专项排查", state=State.PHASED)
    report = tmp_path / "排查报告.pdf"
    report.write_bytes(b"%PDF-1.4\n% evidence\n")
    check = tmp_path / "核查记录.pdf"
    check.write_bytes(b"%PDF-1.4\n% check\n")

    context, page = _page(browser, live_server)
    _log_in(page, people.staff.username)
    page.wait_for_url("**/my/")
    page.goto(f"/items/{measure.pk}/")
    form = page.locator("form.progress-form")
    form.locator("button.submit-signoff").click()  # no note, no file: refused, nothing lost
    assert page.locator(".errors, .field-error").first.is_visible()
    form = page.locator("form.progress-form")
    form.locator("textarea").fill("已完成排查,整改到位12项")
    form.locator("input[type=file]").set_input_files(str(report))
    form.locator("button.submit-signoff").click()
    page.wait_for_load_state()
    context.close()
    measure.refresh_from_db()
    assert (measure.state, measure.signoff_step) == (State.SUBMITTED, 1)

    signers = [people.of(kind) for kind in KINDS]
    for n, signer in enumerate(signers, 1):
        # Everyone else's queue is empty while the item waits at this step.
        for other in [people.staff, *signers]:
            if other is signer:
                continue
            context, page = _page(browser, live_server)
            _log_in(page, other.username)
            page.wait_for_load_state()
            assert f"s{measure.pk}" not in _queue_ids(page), (n, other.username)
            context.close()
        context, page = _page(browser, live_server)
        _log_in(page, signer.username)
        page.wait_for_load_state()
        assert _queue_ids(page) == [f"s{measure.pk}"]
        row = page.locator(f"#s{measure.pk}")
        assert "排查报告.pdf" in row.inner_text()
        assert f"第{n}步" in row.inner_text()
        row.locator("textarea").fill(f"第{n}步:经核查属实")
        if n == 3:
            row.locator("input[type=file]").set_input_files(str(check))
        row.locator("button.approve").click()
        page.wait_for_url("**/signoff/**")
        assert page.locator(".messages").is_visible()
        context.close()
        measure.refresh_from_db()
        assert measure.signoff_step == (n + 1 if n < 4 else 0)

    measure.refresh_from_db()
    assert measure.state == State.COMPLETED
    assert list(SignOff.objects.filter(measure=measure, decision="approve").order_by("step")
                .values_list("by", flat=True)) == [s.pk for s in signers]
    assert Evidence.objects.filter(progress__signoff__step=3).get().original_name == "核查记录.pdf"

    context, page = _page(browser, live_server)
    _log_in(page, people.staff.username)
    page.wait_for_load_state()
    page.goto(f"/items/{measure.pk}/")
    steps = page.locator("ol.chain li.step-signed")
    assert steps.count() == 4
    assert "核查记录.pdf" in page.locator("ol.chain").inner_text()
    with page.expect_download() as download:
        page.click("a.sheet-link")
    assert download.value.suggested_filename.endswith(".docx")
    context.close()
    assert Measure.objects.get(pk=measure.pk).state == State.COMPLETED
