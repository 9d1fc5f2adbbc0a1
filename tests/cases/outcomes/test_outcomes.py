"""Outcome figures: checked input, entered on /my/, the admin and the API, and the same totals
on the dashboard, the API and the drafted notice's section 一."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.models import Measure, ProgressUpdate
from cases.outcomes import selectors, services, words
from cases.outcomes.models import OutcomeFigure
from notices.drafter import PLACEHOLDER_ORGANISATION, draft_notice
from tests import factories
from tests.cases.test_admin import change_url, form_data


def figure(**kw):
    return services.clean_figure(kw)


# --- Input -----------------------------------------------------------------------------


def test_it_checks_each_kind_of_figure():
    assert figure(kind="discipline", count="3").count == 3
    money = figure(kind="recovered", amount="1,234,500", money_unit="yuan")
    assert money.amount_wan == Decimal("123.4500")
    assert figure(kind="retrieved", amount="2.5", money_unit="yi").amount_wan == Decimal("25000.0000")
    rule = figure(kind="rule_made", title="《公务接待管理办法》", doc_number="县委办发〔2026〕3号")
    assert (rule.count, rule.title) == (1, "《公务接待管理办法》")
    for bad, field in [({"kind": "discipline", "count": "0"}, "count"),
                       ({"kind": "recovered", "amount": "-1"}, "amount"),
                       ({"kind": "recovered", "amount": "abc"}, "amount"), ({"kind": "rule_made"}, "title"),
                       ({"kind": "nonsense"}, "kind"), ({"kind": "recovered", "amount": "5", "money_unit": "$"},
                                                         "money_unit")]:
        with pytest.raises(ValidationError) as err:
            services.clean_figure(bad)
        assert field in err.value.message_dict


def test_several_figures_report_each_refused_row():
    with pytest.raises(ValidationError) as err:
        services.clean_figures([{"kind": "discipline", "count": "2"}, {"kind": "criticism", "count": "x"}])
    assert any(m.startswith("Figure 2") or m.startswith("第2项") for m in err.value.messages)


def test_words_of_a_notice():
    totals = selectors.Totals(counts={"discipline": 12, "organisational": 5, "investigation": 4, "rule_made": 20,
                                      "rule_revised": 3},
                              amounts={"recovered": Decimal("356.7"), "retrieved": Decimal("1200")}, records=9)
    assert words.totals_sentence(totals) == (
        "整改中,给予党纪政务处分12人、组织处理5人;立案审查4件;建章立制23项(新制定20项、修订完善3项);"
        "追缴资金356.7万元、挽回经济损失1200万元。")
    assert words.totals_sentence(selectors.Totals()) == ""


# --- Entering them --------------------------------------------------------------------------


def _page_post(client, measure, rows, **fields):
    data = {f"m{measure.pk}-version": measure.version, f"m{measure.pk}-note": "", f"m{measure.pk}-to_state": "",
            f"m{measure.pk}-out-TOTAL_FORMS": len(rows), f"m{measure.pk}-out-INITIAL_FORMS": 0}
    for i, row in enumerate(rows):
        data.update({f"m{measure.pk}-out-{i}-{k}": v for k, v in row.items()})
    data.update({f"m{measure.pk}-{k}": v for k, v in fields.items()})
    return client.post(reverse("cases:measure-detail", args=[measure.pk]), data, HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_staff_enter_figures_with_a_progress_note_on_the_page(client, staff, measure):
    client.force_login(staff)
    page = client.get(reverse("cases:my-items"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "成效数据" in page.content.decode()
    response = _page_post(client, measure, [
        {"kind": "discipline", "count": "2"},
        {"kind": "recovered", "amount": "35.6", "money_unit": "wan"},
        {"kind": "", "count": "", "amount": "", "money_unit": "wan", "title": "", "doc_number": ""},
    ], note="追责问责并追缴资金")
    assert response.status_code == 302
    progress = ProgressUpdate.objects.get(measure=measure)
    assert progress.note == "追责问责并追缴资金"
    assert sorted(progress.outcomes.values_list("kind", flat=True)) == ["discipline", "recovered"]


def test_figures_alone_make_an_entry_and_a_bad_row_keeps_the_note(client, staff, measure):
    client.force_login(staff)
    refused = _page_post(client, measure, [{"kind": "recovered", "amount": "很多", "money_unit": "wan"}],
                         note="本周追缴")
    assert refused.status_code == 400
    assert "本周追缴" in refused.content.decode() and "正数" in refused.content.decode()
    assert not ProgressUpdate.objects.exists()
    ok = _page_post(client, measure, [{"kind": "rule_made", "title": "《村级财务管理办法》",
                                        "doc_number": "镇发〔2026〕1号"}])
    assert ok.status_code == 302
    entry = ProgressUpdate.objects.get()
    assert "《村级财务管理办法》" in entry.note
    assert entry.outcomes.get().doc_number == "镇发〔2026〕1号"


def test_the_admin_progress_form_takes_figures(client, staff, measure):
    client.force_login(staff)
    data = form_data(client, measure, progress_note="已问责", outcome_1_kind="admonition", outcome_1_count="3")
    response = client.post(change_url(measure), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert OutcomeFigure.objects.get().count == 3
    data = form_data(client, measure, progress_note="x", outcome_1_kind="rule_revised")
    refused = client.post(change_url(measure), data)
    assert refused.status_code == 200 and OutcomeFigure.objects.count() == 1


def test_the_api_takes_figures_as_json_and_in_multipart(staff_api, measure):
    url = f"/api/v1/measures/{measure.pk}/progress/"
    body = {"note": "问责", "outcomes": [{"kind": "criticism", "count": 4}]}
    created = staff_api.post(url, body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["outcomes"][0]["words"] == "批评教育4人"
    multipart = staff_api.post(url, {"note": "退还", "outcomes": json.dumps(
        [{"kind": "returned", "amount": "80000", "money_unit": "yuan"}])})
    assert multipart.status_code == 201, multipart.json()
    bad = staff_api.post(url, {"note": "x", "outcomes": "[1]"}, format="json")
    assert bad.status_code == 400 and "outcomes" in bad.json()["error"]["fields"]
    assert OutcomeFigure.objects.count() == 2


# --- Totals everywhere --------------------------------------------------------------------


@pytest.fixture
def figures(db, staff, measure, other_measure):
    services.log_progress_with_figures(measure=measure, by=staff, note="问责", figures=[
        figure(kind="discipline", count="2"), figure(kind="recovered", amount="10", money_unit="wan")])
    sup = factories.UserFactory(role="supervisor")
    services.log_progress_with_figures(measure=other_measure, by=sup, note="建制", figures=[
        figure(kind="rule_made", title="《公务接待管理办法》", doc_number="县委办发〔2026〕3号"),
        figure(kind="recovered", amount="5000", money_unit="yuan")])
    return measure, other_measure


def test_totals_on_the_dashboard_the_api_and_the_draft_agree(client, supervisor_api, supervisor, figures, case):
    totals = selectors.totals(Measure.objects.filter(case=case))
    assert (totals.people, totals.rules, totals.money_wan) == (2, 1, Decimal("10.5"))
    client.force_login(supervisor)
    page = client.get(reverse("cases:dashboard"), {"case": case.pk})
    shown = page.context["outcomes"]
    assert (shown.people, shown.rules, shown.money_wan) == (2, 1, Decimal("10.5"))
    api = supervisor_api.get("/api/v1/outcomes/totals/", {"case": case.pk}).json()
    assert (api["people"], api["rules"], Decimal(api["money_wan"])) == (2, 1, Decimal("10.5"))
    draft = draft_notice(case, on=datetime.date(2026, 6, 30))
    text = draft.text if hasattr(draft, "text") else "\n".join(p for _k, p in draft.paragraphs)
    assert "给予党纪政务处分2人" in text and "追缴资金10.5万元" in text
    assert "《公务接待管理办法》(县委办发〔2026〕3号)" in text
    assert "【待填写" not in text.split("二、")[0]


def test_staff_totals_count_only_their_units(staff_api, figures):
    api = staff_api.get("/api/v1/outcomes/totals/").json()
    assert (api["people"], api["rules"], Decimal(api["money_wan"])) == (2, 0, Decimal("10"))
    listed = staff_api.get("/api/v1/outcomes/").json()
    assert {r["measure"] for r in listed["results"]} == {figures[0].pk}


def test_totals_by_unit(figures, unit, other_unit):
    by_unit = {k: t for k, _label, t in selectors.totals_by(Measure.objects.all(), "unit")}
    assert by_unit[unit.pk].people == 2 and by_unit[other_unit.pk].rules == 1


def test_a_case_without_figures_keeps_the_placeholder(case, measure):
    draft = draft_notice(case, on=datetime.date(2026, 6, 30))
    assert any(PLACEHOLDER_ORGANISATION[:5] in p for _k, p in draft.paragraphs)


def test_the_breakdown_agrees_with_the_grouped_totals(figures):
    total, groups = selectors.breakdown(Measure.objects.all())
    assert total == selectors.totals(Measure.objects.all())
    for by in ("case", "unit", "organisation"):
        assert groups[by] == selectors.totals_by(Measure.objects.all(), by)
