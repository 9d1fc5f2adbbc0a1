"""The periodic report: its period, its figures against the dashboard's, the page, the .docx
with its charts, and the scheduled mail to the chosen leaders."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cases import selectors as case_selectors
from cases import services
from cases.models import Measure, ProgressUpdate
from cases.outcomes import services as outcome_services
from cases.reports import delivery, periods
from cases.reports import selectors as report_selectors
from cases.reports.models import ReportDelivery, ReportSubscription
from cases.reports.views import build_report
from cases.states import Action, State
from tests import factories

TODAY = datetime.date(2026, 6, 10)  # Wednesday


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2026, 6, 10, 2, tzinfo=datetime.UTC), tick=False):
        yield


def aware(day, hour=10):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_periods_default_to_the_last_one_that_ended():
    week = periods.last_complete(periods.WEEK, TODAY)
    assert (week.start, week.end) == (datetime.date(2026, 6, 1), datetime.date(2026, 6, 7))
    month = periods.last_complete(periods.MONTH, TODAY)
    assert (month.start, month.end) == (datetime.date(2026, 5, 1), datetime.date(2026, 5, 31))
    assert periods.parse("month", "2026-02-14", TODAY).end == datetime.date(2026, 2, 28)
    with pytest.raises(ValueError):
        periods.parse("month", "14/02/2026", TODAY)
    with pytest.raises(ValueError):
        periods.parse("year", None, TODAY)


@pytest.fixture
def history(db, unit, other_unit, case, supervisor, staff):
    """Items completed before and during last week, one newly overdue, one long overdue, figures."""
    old = factories.MeasureFactory(lead_unit=unit, issue__case=case, state=State.COMPLETED,
                                   completed_at=aware(datetime.date(2026, 5, 20)), deadline=datetime.date(2026, 5, 30))
    ProgressUpdate.objects.create(measure=old, action=Action.APPROVE, from_state="submitted", to_state="completed",
                                  created_at=aware(datetime.date(2026, 5, 20)))
    done = factories.MeasureFactory(lead_unit=unit, issue__case=case, state=State.COMPLETED,
                                    completed_at=aware(datetime.date(2026, 6, 3)), deadline=datetime.date(2026, 6, 30))
    ProgressUpdate.objects.create(measure=done, action=Action.APPROVE, from_state="submitted", to_state="completed",
                                  created_at=aware(datetime.date(2026, 6, 3)))
    newly = factories.MeasureFactory(lead_unit=other_unit, issue__case=case, deadline=datetime.date(2026, 6, 4))
    longest = factories.MeasureFactory(lead_unit=other_unit, issue__case=case, deadline=datetime.date(2026, 3, 1))
    factories.MeasureFactory(lead_unit=unit, issue__case=case, deadline=datetime.date(2026, 9, 1))
    services.refresh_issue_states(case.pk)
    outcome_services.log_progress_with_figures(measure=newly, by=supervisor, note="问责", figures=[
        outcome_services.clean_figure({"kind": "discipline", "count": "2"})])
    return {"old": old, "done": done, "newly": newly, "longest": longest}


def test_the_report_agrees_with_the_dashboard(client, supervisor, case, history):
    client.force_login(supervisor)
    dashboard = client.get(reverse("cases:dashboard"), {"case": case.pk}).context
    period = periods.last_complete(periods.WEEK, TODAY)
    report = build_report(supervisor, case=case, period=period, on=TODAY)
    assert report.head == dashboard["head"]
    assert [(r.key, r.completed, r.overdue, r.total) for r in sorted(report.units, key=lambda r: r.label)] == \
        [(r.key, r.completed, r.overdue, r.total) for r in sorted(dashboard["unit_rows"], key=lambda r: r.label)]
    assert report.outcomes == dashboard["outcomes"]
    assert [m.pk for m in report.longest_overdue] == [m.pk for m in dashboard["overdue_items"]][:10]
    page = client.get(reverse("cases:report"), {"case": case.pk, "kind": "week"}).context["report"]
    assert page.head == dashboard["head"]


def test_what_happened_in_the_period(supervisor, case, history):
    report = build_report(supervisor, case=case, period=periods.last_complete(periods.WEEK, TODAY), on=TODAY)
    assert [m.pk for m in report.completed] == [history["done"].pk]
    assert [m.pk for m in report.newly_overdue] == [history["newly"].pk]
    assert (report.at_start.completed, report.at_end.completed, report.change_completed) == (1, 2, 1)
    assert report.outcomes_in_period.people == 0  # the figures came this week, after the period
    assert report.units[0].extra["completed_in_period"] == 1
    assert (report.at_start.remaining, report.at_end.remaining, report.change_remaining) == (4, 3, -1)


def test_the_page_shows_every_change_with_its_sign(client, supervisor, case, history):
    import re

    client.force_login(supervisor)
    body = client.get(reverse("cases:report"), {"case": case.pk, "kind": "week"}).content.decode()
    table = body[body.index('class="report-change"'):body.index("</table>", body.index('class="report-change"'))]
    changes = re.findall(r'<td class="num">([^<]*)</td></tr>', table)
    assert changes[:2] == ["+1", "-1"] and changes[2].startswith("+")


def test_walking_back_agrees_with_the_dashboard_trend(supervisor, case, history):
    measures = Measure.objects.filter(case=case)
    head = case_selectors.headline(measures, case_selectors.problems_of(measures, cases=[case]), on=TODAY)
    weeks = case_selectors.weekly_trend(measures, on=TODAY, completed_now=head.completed, ongoing_now=head.ongoing)
    for week in weeks[:-1]:
        snap = report_selectors.as_of(measures, week.end, completed_now=head.completed, ongoing_now=head.ongoing)
        assert (snap.completed, snap.remaining) == (week.completed, week.remaining), week


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_printable_page_in_both_languages(client, supervisor, case, history, language):
    client.force_login(supervisor)
    response = client.get(reverse("cases:report"), {"case": case.pk, "kind": "month"},
                          HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    body = response.content.decode()
    assert ("整改成效" if language == "zh-hans" else "What rectification achieved") in body
    assert ("2026年5月" if language == "zh-hans" else "May 2026") in body  # the period in the page's language
    assert "<svg" in body


def test_bad_period_input_is_reported_and_the_last_week_shown(client, supervisor, case, history):
    client.force_login(supervisor)
    response = client.get(reverse("cases:report"), {"case": case.pk, "start": "yesterday"},
                          HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert response.context["report"].period == periods.last_complete(periods.WEEK, TODAY)
    assert any("日期" in str(m) for m in response.context["messages"])


def test_staff_cannot_read_reports(client, staff):
    client.force_login(staff)
    assert client.get(reverse("cases:report")).status_code == 403


def test_the_docx_holds_the_figures_and_the_charts(client, supervisor, case, history):
    from docx import Document

    client.force_login(supervisor)
    response = client.get(reverse("cases:report"), {"case": case.pk, "kind": "week", "format": "docx"})
    assert response.status_code == 200
    assert "wordprocessingml" in response["Content-Type"]
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "周汇总" in doc.paragraphs[0].text and "一、总体进展" in text and "党纪政务处分2人" in text
    assert len(doc.inline_shapes) >= 1  # the charts, as PNG images
    assert any("县" in c.text or c.text for t in doc.tables for r in t.rows for c in r.cells)


def test_the_docx_dates_a_sign_off_in_local_time(client, supervisor, case, unit):
    # Signed off at 00:30 in Shanghai on the period's first day: still the day before in UTC.
    from docx import Document

    signed = aware(datetime.date(2026, 6, 1), hour=0) + datetime.timedelta(minutes=30)
    factories.MeasureFactory(lead_unit=unit, issue__case=case, state=State.COMPLETED, completed_at=signed,
                             deadline=datetime.date(2026, 6, 30))
    client.force_login(supervisor)
    response = client.get(reverse("cases:report"), {"case": case.pk, "kind": "week", "format": "docx"})
    cells = [c.text for t in Document(io.BytesIO(response.content)).tables for r in t.rows for c in r.cells]
    assert "2026-06-01" in cells and "2026-05-31" not in cells


def test_the_trend_of_a_month_ending_midweek_stops_at_its_last_full_week(supervisor, case, history):
    period = periods.parse("month", "2026-04-01", TODAY)  # 30 April is a Thursday
    weeks = build_report(supervisor, case=case, period=period, on=TODAY).weeks
    assert weeks and weeks[-1].start == datetime.date(2026, 4, 20)


def test_the_trend_of_an_earlier_period_ends_with_it(supervisor, case, history):
    period = periods.parse("month", "2026-05-01", TODAY)
    report = build_report(supervisor, case=case, period=period, on=TODAY)
    assert report.weeks and all(week.start <= period.end for week in report.weeks)
    # The last week's figures are the period's end (the week of 25 May ends on 31 May).
    assert (report.weeks[-1].completed, report.weeks[-1].remaining) == (report.at_end.completed,
                                                                         report.at_end.remaining)


def test_subscribed_leaders_get_the_report_once_per_period(db, case, history, supervisor):
    leader = factories.UserFactory(role="supervisor", email="leader@example.cn")
    subscription = ReportSubscription.objects.create(name="县委常委会周汇总", case=case, kind="week",
                                                     extra_emails="office@example.cn\nLEADER@example.cn")
    subscription.recipients.add(leader)
    assert delivery.send_due(today=TODAY) == {"sent": 2}
    assert sorted(m.to[0] for m in mail.outbox) == ["leader@example.cn", "office@example.cn"]
    message = mail.outbox[0]
    assert "周汇总" in message.subject
    assert message.attachments[0][0].endswith(".docx")
    assert delivery.send_due(today=TODAY + datetime.timedelta(days=1)) == {"sent": 0}
    assert ReportDelivery.objects.filter(status="sent", period_start=datetime.date(2026, 6, 1)).count() == 2


def test_reports_are_not_sent_on_a_holiday(db, case):
    ReportSubscription.objects.create(name="x", case=case, kind="week", extra_emails="a@example.cn")
    assert delivery.send_due(today=datetime.date(2026, 10, 1)) == {"skipped": "holiday"}
    assert not mail.outbox


def test_the_ladder_lists_the_letters_of_the_period(client, supervisor, case, history, unit):
    from cases.urging.models import Letter

    letter = Letter.objects.create(
        organisation=case.organisation, unit=history["longest"].lead_unit, document=Letter._meta.get_field(
            "document").choices[0][0], year=2026, serial=7, number="青整督〔2026〕7号", title="关于督促整改的函",
        issued_on=datetime.date(2026, 6, 3), reply_by=datetime.date(2026, 6, 10))
    letter.measures.add(history["longest"])
    Letter.objects.create(organisation=case.organisation, unit=unit, document=letter.document, year=2026, serial=8,
                          number="青整督〔2026〕8号", title="上期", issued_on=datetime.date(2026, 5, 20),
                          reply_by=datetime.date(2026, 5, 27)).measures.add(history["done"])
    report = build_report(supervisor, case=case, period=periods.last_complete(periods.WEEK, TODAY), on=TODAY)
    assert [x.number for x in report.letters] == ["青整督〔2026〕7号"]
    client.force_login(supervisor)
    page = client.get(reverse("cases:report"), {"case": case.pk, "kind": "week"})
    assert "青整督〔2026〕7号" in page.content.decode()
    from docx import Document

    doc = Document(io.BytesIO(client.get(reverse("cases:report"), {"case": case.pk, "format": "docx"}).content))
    assert any("青整督〔2026〕7号" in c.text for t in doc.tables for r in t.rows for c in r.cells)
