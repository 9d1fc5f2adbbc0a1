"""What a newcomer reads on the dashboard and the item list: the filter form's empty fields, the
filter chips, one way of writing a rate, the same words in the key and the table, bars that keep
small units readable, a trend that does not smear its markers, a caption that names only what
is drawn, and a unit table that works on a phone."""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from cases import charts, formats, selectors
from cases.states import State
from tests import factories

TODAY = datetime.date(2026, 3, 4)
SVG = "{http://www.w3.org/2000/svg}"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2026, 3, 4, 10, tzinfo=datetime.UTC), tick=False):
        yield


def _measure(unit, case, *, state=State.IN_PROGRESS, days=10, **kw):
    extra = {"completed_at": timezone.now()} if state == State.COMPLETED else {}
    return factories.MeasureFactory(lead_unit=unit, issue__case=case, state=state,
                                    deadline=TODAY + datetime.timedelta(days=days), **extra, **kw)


@pytest.fixture
def ledger(unit, other_unit, case):
    return [
        _measure(unit, case, days=-20), _measure(unit, case, state=State.COMPLETED, days=-40),
        _measure(unit, case, days=30), _measure(other_unit, case, days=3),
    ]


def test_the_filter_form_as_submitted_raises_no_warning(client, supervisor, ledger):
    """筛选 with every select on "all" sends case=&unit=&kind=: that is no filter, not an invalid one."""
    client.force_login(supervisor)
    response = client.get(reverse("cases:dashboard") + "?case=&unit=&kind=&sort=light", **ZH)
    assert response.status_code == 200
    html = response.content.decode()
    assert "已忽略" not in html and "无效" not in html
    assert response.context["head"].measures == 4
    assert response.context["params"] == []


def test_an_empty_field_beside_a_real_filter_keeps_the_filter(client, supervisor, ledger, unit):
    client.force_login(supervisor)
    response = client.get(reverse("cases:dashboard") + f"?case=&unit={unit.pk}&kind=", **ZH)
    assert "已忽略" not in response.content.decode()
    assert response.context["head"].measures == 3


def test_a_wrong_filter_value_is_still_reported(client, supervisor, ledger):
    client.force_login(supervisor)
    html = client.get(reverse("cases:items") + "?due_before=2026-13-45", **ZH).content.decode()
    assert "已忽略" in html


def test_chips_say_what_a_filter_means_not_its_raw_value(client, supervisor, ledger, case, unit):
    client.force_login(supervisor)
    url = reverse("cases:items") + f"?overdue=true&ongoing=false&case={case.pk}&state=relapsed&unit={unit.pk}"
    response = client.get(url, **ZH)
    chips = {c["key"]: c["value"] for c in response.context["chips"]}
    assert chips == {"overdue": "是", "ongoing": "否", "case": case.title, "state": "反弹回潮", "unit": unit.name}
    html = response.content.decode()
    assert "已逾期: 是" in html and ": true" not in html and ": relapsed" not in html
    # Each chip removes only itself.
    overdue_chip = next(c for c in response.context["chips"] if c["key"] == "overdue")
    assert "overdue" not in overdue_chip["remove"] and f"case={case.pk}" in overdue_chip["remove"]
    en = client.get(url, **EN)
    assert {c["key"]: c["value"] for c in en.context["chips"]}["overdue"] == "yes"
    assert "Overdue: yes" in en.content.decode()


def test_a_chip_never_names_a_case_the_user_may_not_see(client, staff, unit):
    hidden = factories.CaseFactory(title="看不见的案件", organisation=factories.OrganisationFactory())
    client.force_login(staff)
    html = client.get(reverse("cases:items") + f"?case={hidden.pk}", **ZH).content.decode()
    assert "看不见的案件" not in html


def test_percent_is_written_one_way():
    assert formats.percent(40) == "40.0%"
    assert formats.percent(37.5) == "37.5%"
    assert formats.percent(0) == "0.0%"
    assert formats.percent(100) == "100.0%"
    assert formats.percent(None) == "—"


def test_every_rate_on_the_dashboard_has_one_decimal(client, supervisor, ledger):
    client.force_login(supervisor)
    html = client.get(reverse("cases:dashboard"), **ZH).content.decode()
    rates = re.findall(r"(\d+(?:\.\d+)?)%", html)
    assert rates, "the dashboard shows rates"
    assert all(re.fullmatch(r"\d+\.\d", r) for r in rates), rates


def test_the_key_uses_the_words_of_the_unit_table(client, supervisor, ledger):
    client.force_login(supervisor)
    html = client.get(reverse("cases:dashboard"), **ZH).content.decode()
    key = html[html.index('class="muted small lights-key"'):html.index("</ul>", html.index("lights-key"))]
    table = html[html.index('<table class="units'):html.index("</table>", html.index('<table class="units'))]
    words = lambda part: set(re.findall(r'<span class="light \w+">([^<]+)</span>', part))  # noqa: E731
    assert words(key) == {"已逾期", "即将到期", "正常"}
    assert words(table) <= words(key)
    assert "7天内到期 /" not in html and "无逾期<" not in html


def test_the_chart_legend_uses_the_words_of_the_figures(client, supervisor, ledger):
    client.force_login(supervisor)
    html = client.get(reverse("cases:dashboard"), **ZH).content.decode()
    legend = html[html.index('<ul class="legend">'):html.index("</ul>", html.index('<ul class="legend">'))]
    assert [w for w in ("已销号", "未完成(未逾期)", "已逾期") if w in legend] == ["已销号", "未完成(未逾期)", "已逾期"]


def _bar_widths(svg) -> list[float]:
    root = ET.fromstring(str(svg))
    return [float(r.get("width")) for r in root.iter(f"{SVG}rect") if r.get("fill") == "#f2f4f7"]


def test_a_small_unit_is_not_a_sliver_beside_a_large_one():
    rows = [selectors.Row(key=1, label="大单位", total=200, completed=100, ongoing=100, overdue=40),
            selectors.Row(key=2, label="小单位", total=3, completed=1, ongoing=2, overdue=1)]
    svg = charts.stacked_bars(rows, title="t", link=lambda row, part: f"/items/?lead_unit={row.key}&p={part}")
    widths = _bar_widths(svg)
    assert len(widths) == 2 and widths[0] == widths[1]
    text = "".join(ET.fromstring(str(svg)).itertext())
    # Every part's count is written, also where the part is too narrow to hold it.
    for words in ("已销号 1", "未完成(未逾期) 1", "已逾期 1", "已销号 100", "已逾期 40"):
        assert words in text, words


def _weeks(n):
    start = datetime.date(2025, 3, 3)
    return [selectors.Week(start=start + datetime.timedelta(weeks=i), completed=i, remaining=60 - i) for i in range(n)]


def test_a_year_of_weeks_does_not_draw_a_marker_on_every_week():
    root = ET.fromstring(str(charts.weekly_chart(_weeks(52), today=datetime.date(2026, 2, 25), title="t")))
    circles = list(root.iter(f"{SVG}circle"))
    squares = [r for r in root.iter(f"{SVG}rect") if r.get("width") == "8"]
    assert 4 <= len(circles) <= charts.MAX_MARKERS and len(squares) == len(circles)
    # This week's point is always marked.
    path = next(p for p in root.iter(f"{SVG}path") if p.get("stroke-width") == "4")
    last_x = path.get("d").split("L")[-1].split(",")[0]
    assert any(c.get("cx") == last_x for c in circles)


def test_a_few_weeks_are_each_marked():
    root = ET.fromstring(str(charts.weekly_chart(_weeks(6), today=datetime.date(2025, 4, 9), title="t")))
    assert len(list(root.iter(f"{SVG}circle"))) == 6


def test_the_caption_names_the_deadline_line_only_when_it_is_drawn(client, supervisor, unit):
    far = factories.CaseFactory(rectification_deadline=datetime.date(2027, 12, 31))
    _measure(unit, far, days=-3)
    client.force_login(supervisor)
    response = client.get(reverse("cases:dashboard") + f"?case={far.pk}", **ZH)
    html = response.content.decode()
    assert response.context["deadline_drawn"] is False
    this_week = [selectors.Week(start=TODAY, completed=0, remaining=1)]
    assert not charts.deadline_on_chart(this_week, far.rectification_deadline)
    assert "点划线" not in html and "集中整改期截止日(2027-12-31)不在图示的周次范围内" in html
    near = factories.CaseFactory(rectification_deadline=datetime.date(2026, 4, 30))
    _measure(unit, near, days=-3)
    response = client.get(reverse("cases:dashboard") + f"?case={near.pk}", **ZH)
    assert response.context["deadline_drawn"] is True
    assert "点划线" in response.content.decode()


def test_the_unit_table_labels_its_cells_for_a_phone(client, supervisor, ledger):
    client.force_login(supervisor)
    response = client.get(reverse("cases:dashboard"), **ZH)
    html = response.content.decode()
    table = html[html.index('<table class="units'):html.index("</table>", html.index('<table class="units'))]
    assert "stack-on-phone" in table
    for label in ("状态", "未完成", "已逾期", "最长逾期", "已销号"):
        assert f'data-label="{label}"' in table
    # The sort the column heads offer is offered as links too, where the heads are hidden.
    labels = [o["label"] for o in response.context["sort_options"]]
    assert labels == ["状态", "牵头单位", "未完成", "已逾期", "最长逾期", "已销号"]


def test_overdue_rows_say_days_overdue_not_a_bare_number(client, supervisor, ledger):
    client.force_login(supervisor)
    html = client.get(reverse("cases:dashboard"), **ZH).content.decode()
    section = html[html.index('id="overdue"'):]
    assert "逾期20天" in section


def test_the_unit_filter_offers_only_units_the_user_may_see(client, supervisor, ledger, unit):
    elsewhere = factories.UnitFactory(name="别县财政局", organisation=factories.OrganisationFactory())
    client.force_login(supervisor)
    response = client.get(reverse("cases:dashboard"), **ZH)
    html = response.content.decode()
    select = html[html.index('<select name="unit"'):]
    select = select[: select.index("</select>")]
    assert unit.name in select and elsewhere.name not in select
