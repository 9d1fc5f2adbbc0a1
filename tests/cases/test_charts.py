"""The SVG charts: accessible, labelled on the marks, linked, escaped; and the weekly series
they draw, which must end at today's figures."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import charts, selectors, services
from cases.models import Measure, ProgressUpdate
from cases.states import State
from tests import factories

SVG = "{http://www.w3.org/2000/svg}"


def _at(*day):
    return timezone.make_aware(datetime.datetime(*day))


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))


def test_bars_are_accessible_svg_with_labels_and_links():
    rows = [selectors.Row(key=1, label="县财政局", total=10, completed=4, ongoing=6, overdue=2)]
    svg = charts.stacked_bars(rows, title="各单位", link=lambda row, part: f"/items/?lead_unit={row.key}&p={part}")
    root = _parse(svg)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "各单位"
    texts = "".join(root.itertext())
    assert "县财政局" in texts and "40.0%" in texts and "4/10" in texts
    hrefs = {a.get("href") for a in root.iter(f"{SVG}a")}
    assert "/items/?lead_unit=1&p=overdue" in hrefs and "/items/?lead_unit=1&p=completed" in hrefs


def test_overdue_is_hatched_so_it_survives_greyscale_print():
    svg = str(charts.stacked_bars([selectors.Row(key=1, label="x", total=2, completed=0, ongoing=2, overdue=2)],
                                  title="t"))
    assert "<pattern" in svg and 'fill="url(#hatch-' in svg


def test_labels_are_escaped():
    svg = charts.stacked_bars([selectors.Row(key=1, label="<script>alert(1)</script>", total=1, completed=1)],
                              title="<b>t</b>")
    assert "<script>" not in str(svg)
    _parse(svg)  # still well-formed


def test_no_rows_draw_nothing():
    assert charts.stacked_bars([], title="t") == ""
    assert charts.weekly_chart([], today=datetime.date(2026, 3, 4), title="t") == ""


def test_weekly_chart_marks_the_deadline_and_labels_the_line_ends():
    weeks = [selectors.Week(start=datetime.date(2026, 2, 2) + datetime.timedelta(weeks=i), completed=i, remaining=9 - i)
             for i in range(5)]
    svg = charts.weekly_chart(weeks, today=datetime.date(2026, 3, 4), deadline=datetime.date(2026, 4, 30),
                              title="趋势", completed_href="/items/?ongoing=false")
    root = _parse(svg)
    text = "".join(root.itertext())
    assert "集中整改期截止 4/30" in text
    assert "已销号 4" in text and "未完成 5" in text
    assert "2026-04-30" in root.find(f"{SVG}desc").text


@pytest.mark.django_db
def test_weekly_trend_walks_back_from_today(unit, staff, supervisor):
    case = factories.CaseFactory(feedback_on=datetime.date(2026, 1, 5))
    with time_machine.travel(datetime.datetime(2026, 1, 20, 10, tzinfo=datetime.UTC), tick=False):
        done = factories.MeasureFactory(lead_unit=unit, issue__case=case)
        factories.MeasureFactory(lead_unit=unit, issue__case=case)
        services.transition_measure(measure=done, to_state=State.SUBMITTED, by=staff, note="申请销号")
        services.transition_measure(measure=done, to_state=State.COMPLETED, by=supervisor)
    on = datetime.date(2026, 2, 4)
    measures = Measure.objects.all()
    weeks = selectors.weekly_trend(measures, on=on, completed_now=1, ongoing_now=1)
    series = [(w.start.isoformat(), w.completed, w.remaining) for w in weeks]
    assert series == [("2026-01-05", 0, 2), ("2026-01-12", 0, 2), ("2026-01-19", 1, 1), ("2026-01-26", 1, 1),
                      ("2026-02-02", 1, 1)]


@pytest.mark.django_db
def test_a_reopened_item_leaves_the_completed_line(unit, staff, supervisor):
    case = factories.CaseFactory(feedback_on=datetime.date(2026, 1, 5))
    measure = factories.MeasureFactory(lead_unit=unit, issue__case=case)
    ProgressUpdate.objects.create(measure=measure, action="approve", from_state=State.SUBMITTED,
                                  to_state=State.COMPLETED, created_at=_at(2026, 1, 7))
    ProgressUpdate.objects.create(measure=measure, action="reopen", from_state=State.COMPLETED,
                                  to_state=State.RELAPSED, created_at=_at(2026, 1, 14))
    weeks = selectors.weekly_trend(Measure.objects.all(), on=datetime.date(2026, 1, 21), completed_now=0, ongoing_now=1)
    assert [w.completed for w in weeks] == [1, 0, 0]


@pytest.mark.django_db
def test_trend_queries_do_not_grow_with_the_data(unit, django_assert_max_num_queries):
    def run():
        with CaptureQueriesContext(connection) as q:
            selectors.weekly_trend(Measure.objects.all(), on=datetime.date(2026, 3, 4), completed_now=0,
                                   ongoing_now=Measure.objects.count())
        return len(q)

    factories.MeasureFactory(lead_unit=unit)
    small = run()
    for i in range(20):
        m = factories.MeasureFactory(lead_unit=unit, issue__case__feedback_on=datetime.date(2025, 6, 1 + i))
        ProgressUpdate.objects.create(measure=m, action="approve", from_state=State.SUBMITTED,
                                      to_state=State.COMPLETED)
    with django_assert_max_num_queries(small):
        run()
