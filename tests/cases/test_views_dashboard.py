"""The supervisors' dashboard: who may see it, that its figures agree with the lists behind
their links and with the admin, the traffic lights, and a query count that does not grow."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Measure
from cases.states import State
from tests import factories

TODAY = datetime.date(2026, 3, 4)


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
    """unit: 2 overdue, 1 completed; other_unit: 1 due in 3 days, 1 due later; a third unit all fine."""
    quiet = factories.UnitFactory(name="安静单位")
    return {
        "late": [_measure(unit, case, days=-20), _measure(unit, case, days=-3, state=State.PLANNED)],
        "done": [_measure(unit, case, state=State.COMPLETED, days=-40)],
        "soon": [_measure(other_unit, case, days=3)],
        "later": [_measure(other_unit, case, days=60), _measure(quiet, case, days=90)],
        "quiet": quiet,
    }


def _count(client, url) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["page"].paginator.count


def test_staff_cannot_open_the_dashboard(client, staff):
    client.force_login(staff)
    assert client.get(reverse("cases:dashboard")).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("cases:dashboard"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_home_sends_supervisors_to_dashboard_and_staff_to_their_items(client, supervisor, staff):
    client.force_login(supervisor)
    assert client.get("/")["Location"] == reverse("cases:dashboard")
    client.force_login(staff)
    assert client.get("/")["Location"] == reverse("cases:my-items")


def test_headline_counts_the_ledger(client, supervisor, ledger):
    client.force_login(supervisor)
    head = client.get(reverse("cases:dashboard")).context["head"]
    assert (head.measures, head.completed, head.ongoing, head.overdue, head.due_soon) == (6, 1, 5, 2, 1)


def test_every_headline_figure_equals_the_count_at_its_link(client, supervisor, ledger):
    client.force_login(supervisor)
    context = client.get(reverse("cases:dashboard")).context
    head, links = context["head"], context["links"]
    for name, figure in [("measures", head.measures), ("completed", head.completed), ("ongoing", head.ongoing),
                         ("overdue", head.overdue), ("due_soon", head.due_soon), ("submitted", head.awaiting)]:
        assert _count(client, links[name]) == figure, name


def test_overdue_figure_agrees_with_the_admin_changelist(client, supervisor, ledger):
    client.force_login(supervisor)
    head = client.get(reverse("cases:dashboard")).context["head"]
    admin = client.get(reverse("admin:cases_measure_changelist") + "?due=overdue")
    assert admin.context["cl"].result_count == head.overdue == Measure.objects.overdue().count()


def test_problem_figures_link_to_the_admin_issue_list_with_the_same_count(client, supervisor, ledger, case):
    client.force_login(supervisor)
    context = client.get(reverse("cases:dashboard") + f"?case={case.pk}").context
    response = client.get(context["links"]["problems"])
    assert response.status_code == 200
    assert response.context["cl"].result_count == context["head"].problems == 6
    completed = client.get(context["links"]["problems_completed"])
    assert completed.context["cl"].result_count == context["head"].problems_completed


def test_unit_rows_link_to_as_many_items_as_they_show(client, supervisor, ledger):
    client.force_login(supervisor)
    rows = client.get(reverse("cases:dashboard")).context["unit_rows"]
    assert rows
    for row in rows:
        assert _count(client, row.extra["links"]["ongoing"]) == row.ongoing
        assert _count(client, row.extra["links"]["overdue"]) == row.overdue
        assert _count(client, row.extra["links"]["all"]) == row.total


def test_traffic_lights_red_overdue_yellow_due_soon_green_otherwise(client, supervisor, ledger, unit, other_unit):
    client.force_login(supervisor)
    rows = {r.key: r for r in client.get(reverse("cases:dashboard")).context["unit_rows"]}
    assert rows[unit.pk].extra["light"] == "red"
    assert rows[unit.pk].extra["longest"] == 20
    assert rows[other_unit.pk].extra["light"] == "yellow"
    assert rows[ledger["quiet"].pk].extra["light"] == "green"


def test_unit_table_is_worst_first_and_sorts_by_name(client, supervisor, ledger, unit):
    client.force_login(supervisor)
    rows = client.get(reverse("cases:dashboard")).context["unit_rows"]
    assert rows[0].key == unit.pk
    by_name = client.get(reverse("cases:dashboard") + "?sort=name").context["unit_rows"]
    assert [r.label for r in by_name] == sorted(r.label for r in rows)


def test_filters_by_unit_narrow_every_figure_and_links_keep_the_filter(client, supervisor, ledger, other_unit):
    client.force_login(supervisor)
    context = client.get(reverse("cases:dashboard") + f"?unit={other_unit.pk}").context
    assert context["head"].measures == 2
    assert f"unit={other_unit.pk}" in context["links"]["overdue"]
    assert _count(client, context["links"]["ongoing"]) == context["head"].ongoing == 2


def test_filter_by_kind(client, supervisor, unit, case):
    _measure(unit, case, kind=Measure.Kind.IMMEDIATE)
    _measure(unit, case, kind=Measure.Kind.BY_DEADLINE)
    client.force_login(supervisor)
    assert client.get(reverse("cases:dashboard") + "?kind=immediate").context["head"].measures == 1


def test_an_invalid_filter_is_reported_not_silently_widened(client, supervisor, ledger):
    client.force_login(supervisor)
    response = client.get(reverse("cases:dashboard") + "?case=999999", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "已忽略" in response.content.decode()


def test_trend_ends_at_the_headline_and_marks_the_deadline(client, supervisor, ledger, case):
    client.force_login(supervisor)
    response = client.get(reverse("cases:dashboard") + f"?case={case.pk}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    head = response.context["head"]
    html = response.content.decode()
    assert response.context["deadline"] == case.rectification_deadline
    assert "集中整改期截止" in html
    assert f"已销号 {head.completed}<" in html and f"未完成 {head.ongoing}<" in html


def test_dashboard_is_in_chinese(client, supervisor, ledger):
    client.force_login(supervisor)
    html = client.get(reverse("cases:dashboard"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for words in ("仪表盘", "我的事项", "销号审核", "管理后台", "退出", "完成率", "逾期事项", "谁在滞后"):
        assert words in html
    assert not re.search(r">\s*(Overdue|Completed|Ongoing|Units)\s*<", html)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_the_data(client, supervisor, ledger, django_assert_max_num_queries):
    client.force_login(supervisor)
    url = reverse("cases:dashboard")
    small = _queries(client, url)
    for i in range(6):
        unit = factories.UnitFactory()
        case = factories.CaseFactory()
        for days in (-30, -2, 4, 50):
            _measure(unit, case, days=days + i)
        _measure(unit, case, state=State.COMPLETED)
    with django_assert_max_num_queries(small):
        client.get(url)
    assert small <= 32  # + the urging-level counts, + the count awaiting sign-off (with the longest wait)


def test_problems_narrowed_to_a_unit_count_problems_held_through_sub_problems(client, supervisor, unit, other_unit,
                                                                            case):
    problem = factories.IssueFactory(case=case)
    detail = factories.IssueFactory(case=case, parent=problem, kind="detail")
    factories.MeasureFactory(lead_unit=unit, issue=detail)
    factories.MeasureFactory(lead_unit=other_unit, issue__case=case)
    client.force_login(supervisor)
    head = client.get(reverse("cases:dashboard") + f"?unit={unit.pk}").context["head"]
    assert (head.measures, head.problems) == (1, 1)
