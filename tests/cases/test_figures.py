"""Dashboard figures from rollups (cases.figures): kept current by the services, recounted for
a new day by the nightly task, equal to the live counts and to the counts at their links; the
weekly trend from snapshots equals the one computed from the log; the ranking of organisations."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import figures, selectors, services
from cases.models import FiguresRefresh, LevelFigures, Measure, UnitFigures
from cases.states import State
from cases.urging import levels
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
def province(db):
    """A province with two counties (the first with a township), units, cases and supervisors."""
    root = factories.OrganisationFactory(name="青岚省", kind="province")
    a = factories.OrganisationFactory(name="甲县", parent=root)
    town = factories.OrganisationFactory(name="甲县城关镇", parent=a, kind="township")
    b = factories.OrganisationFactory(name="乙县", parent=root)
    units = {org: [factories.UnitFactory(organisation=org) for _ in range(2)] for org in (a, town, b)}
    cases = {org: factories.CaseFactory(organisation=org) for org in (a, town, b)}
    for org, (u1, u2) in units.items():
        c = cases[org]
        _measure(u1, c, days=-30)
        _measure(u1, c, days=-3, state=State.PLANNED)
        _measure(u2, c, state=State.COMPLETED, days=-40)
        _measure(u2, c, days=3)
    _measure(units[b][0], cases[b], days=-90)  # 乙县 lags most
    return {
        "root": root, "a": a, "town": town, "b": b, "units": units, "cases": cases,
        "province_supervisor": factories.UserFactory(role="supervisor", organisations=[root]),
        "a_supervisor": factories.UserFactory(role="supervisor", organisations=[a]),
    }


def _dashboard(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("cases:dashboard"), params)
    assert response.status_code == 200
    return response.context


def _paginated_count(client, url) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["page"].paginator.count


def test_live_until_the_figures_are_counted_for_today(client, province):
    context = _dashboard(client, province["province_supervisor"])
    assert context["figures"] is None
    figures.refresh_all()
    assert _dashboard(client, province["province_supervisor"])["figures"] is not None
    with time_machine.travel(datetime.datetime(2026, 3, 5, 10, tzinfo=datetime.UTC), tick=False):
        # A new day: overdue changed by itself, so the old counts are not used.
        assert _dashboard(client, province["province_supervisor"])["figures"] is None


@pytest.mark.parametrize("who", ["province_supervisor", "a_supervisor"])
def test_rollup_figures_equal_the_live_ones_and_the_counts_at_their_links(client, province, who):
    user = province[who]
    levels.refresh(on=TODAY)  # the default ladder puts the late and the soon-due items on its levels
    for org, days in (("a", -30), ("town", 3)):  # one asked for late, one on time: both await a signature
        item = Measure.objects.get(case=province["cases"][province[org]], deadline=TODAY + datetime.timedelta(days))
        with time_machine.travel(datetime.datetime(2026, 3, 1, 10, tzinfo=datetime.UTC), tick=False):
            services.transition_measure(measure=item, to_state=State.SUBMITTED, by=province["a_supervisor"],
                                        note="已整改到位,佐证材料见附件。")
    live = _dashboard(client, user)
    figures.refresh_all()
    rolled = _dashboard(client, user)
    assert rolled["figures"] is not None
    assert rolled["head"] == live["head"]
    assert [(r.key, r.total, r.completed, r.ongoing, r.overdue, r.due_soon, r.extra["longest"])
            for r in rolled["unit_rows"]] == [
        (r.key, r.total, r.completed, r.ongoing, r.overdue, r.due_soon, r.extra["longest"]) for r in live["unit_rows"]]
    assert [(r.key, r.total, r.overdue, r.extra["problem_total"]) for r in rolled["case_rows"]] == [
        (r.key, r.total, r.overdue, r.extra["problem_total"]) for r in live["case_rows"]]
    head, links = rolled["head"], rolled["links"]
    assert (head.awaiting, head.longest_wait_days) == (2, 3)
    for figure, link in (("measures", "measures"), ("completed", "completed"), ("ongoing", "ongoing"),
                         ("overdue", "overdue"), ("due_soon", "due_soon"), ("awaiting", "submitted")):
        assert getattr(head, figure) == _paginated_count(client, links[link]), figure
    assert rolled["level_rows"] and [(r.name, r.count, r.level_ids) for r in rolled["level_rows"]] == [
        (r.name, r.count, r.level_ids) for r in live["level_rows"]]
    for row in rolled["level_rows"]:
        assert row.count == _paginated_count(client, row.link), row.name
    for row in rolled["unit_rows"]:
        assert row.total == _paginated_count(client, row.extra["links"]["all"])
        assert row.overdue == _paginated_count(client, row.extra["links"]["overdue"])


def test_services_keep_the_rollups_current_within_the_day(client, province, supervisor):
    figures.refresh_all()
    user = province["province_supervisor"]
    before = _dashboard(client, user)["head"]
    case, unit = province["cases"][province["a"]], province["units"][province["a"]][0]
    issue = factories.IssueFactory(case=case)
    admin = factories.UserFactory(role="admin", organisations=[province["root"]])
    created = services.create_measure(issue=issue, text="新措施", lead_unit=unit,
                                      deadline=TODAY - datetime.timedelta(days=1), by=admin)
    late = Measure.objects.filter(case=case, deadline=TODAY - datetime.timedelta(days=30)).get()
    services.change_deadline(measure=late, new_deadline=TODAY + datetime.timedelta(days=30), reason="延期", by=admin)
    services.transition_measure(measure=created, to_state=State.IN_PROGRESS, by=admin)
    after = _dashboard(client, user)
    assert after["figures"] is not None
    assert after["head"].measures == before.measures + 1
    assert after["head"].overdue == before.overdue  # one more overdue, one moved out
    assert after["head"].overdue == _paginated_count(client, after["links"]["overdue"])
    assert after["head"].problems == before.problems + 1


def test_the_daily_level_refresh_recounts_the_level_figures(client, province):
    figures.refresh_all()
    user = province["province_supervisor"]
    assert _dashboard(client, user)["level_rows"] == [] and not LevelFigures.objects.exists()
    assert levels.refresh(on=TODAY)  # moves items onto levels with no service write
    rolled = _dashboard(client, user)
    assert rolled["figures"] is not None
    live = selectors.by_urging_level(Measure.objects.restrict(user))
    assert [(r.name, r.count) for r in rolled["level_rows"]] == [(r.name, r.count) for r in live]
    assert sum(r.count for r in live) == Measure.objects.ongoing().filter(urging_level__isnull=False).count() > 0


def test_narrowed_filters_count_live(client, province):
    figures.refresh_all()
    unit = province["units"][province["a"]][0]
    context = _dashboard(client, province["province_supervisor"], unit=unit.pk)
    assert context["figures"] is None
    assert context["head"].measures == 2


def test_trend_from_snapshots_equals_the_trend_from_the_log(client, province, supervisor):
    case = province["cases"][province["a"]]
    measure = Measure.objects.filter(case=case, state=State.IN_PROGRESS).first()
    with time_machine.travel(datetime.datetime(2026, 2, 10, 10, tzinfo=datetime.UTC), tick=False):
        services.transition_measure(measure=measure, to_state=State.SUBMITTED, by=province["a_supervisor"],
                                    note="已整改到位,佐证材料见附件。")
        services.transition_measure(measure=measure, to_state=State.COMPLETED, by=province["province_supervisor"],
                                    note="经核查,同意销号。")
    user = province["province_supervisor"]
    live = _dashboard(client, user)
    figures.backfill_trend()
    figures.refresh_all()
    rolled = _dashboard(client, user)
    assert rolled["figures"] is not None
    measures = Measure.objects.restrict(user)
    head = live["head"]
    old = selectors.weekly_trend(measures, on=TODAY, completed_now=head.completed, ongoing_now=head.ongoing)
    new = selectors.weekly_trend_from(rolled["figures"], on=TODAY, completed_now=head.completed,
                                      ongoing_now=head.ongoing)
    assert [(w.start, w.completed, w.remaining) for w in new] == [(w.start, w.completed, w.remaining) for w in old]
    assert len(new) > 3


@pytest.mark.parametrize("rollups", [False, True])
def test_province_supervisor_ranks_the_organisations_below_and_opens_one(client, province, rollups):
    if rollups:
        figures.refresh_all()
    context = _dashboard(client, province["province_supervisor"])
    rows = context["org_rows"]
    assert [r.label for r in rows] == ["甲县", "乙县"]  # most overdue first; 甲县 holds its township's items
    a, b = rows
    assert (b.total, b.overdue, b.extra["longest"]) == (5, 3, 90)
    assert (a.total, a.completed, a.overdue) == (8, 2, 4)
    assert a.total == _paginated_count(client, a.extra["links"]["all"])
    assert a.overdue == _paginated_count(client, a.extra["links"]["overdue"])
    opened = client.get(a.extra["links"]["open"])
    assert opened.status_code == 200
    assert opened.context["head"].measures == 8
    assert [r.label for r in opened.context["org_rows"]] == ["甲县", "甲县城关镇"]  # its own cases, then below


def test_county_supervisor_ranks_only_below_their_county_and_cannot_open_another(client, province):
    figures.refresh_all()
    user = province["a_supervisor"]
    context = _dashboard(client, user)
    assert {r.label for r in context["org_rows"]} == {"甲县", "甲县城关镇"}
    assert context["head"].measures == 8
    assert "甲县城关镇" in context["organisation_options"] and "乙县" not in context["organisation_options"]
    # Another county's id is not a choice: the filter is ignored with a message, figures stay the county's.
    other = _dashboard(client, user, organisation=province["b"].pk)
    assert other["head"].measures == 8
    assert any("ignored" in str(m) or "忽略" in str(m) for m in other["messages"])


def test_dashboard_queries_do_not_grow_with_organisations_or_data(client, province):
    figures.refresh_all()
    user = province["province_supervisor"]
    client.force_login(user)
    client.get(reverse("cases:dashboard"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("cases:dashboard"))
    third = factories.OrganisationFactory(name="丙县", parent=province["root"])
    for _ in range(3):
        unit = factories.UnitFactory(organisation=third)
        c = factories.CaseFactory(organisation=third)
        for d in (-5, 5, 20):
            _measure(unit, c, days=d)
    figures.refresh_all()
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("cases:dashboard"))
    assert len(response.context["org_rows"]) == 3
    assert len(large) == len(small)
    # The urging-level counts included, and the live count awaiting sign-off (not rolled up: its wait
    # grows daily).
    assert len(large) <= 27


def test_refresh_all_records_the_day_and_counts_every_case(province):
    done = figures.refresh_all()
    assert FiguresRefresh.objects.get().on == TODAY == done.on
    assert UnitFigures.objects.count() == 6  # two lead units in each of three cases
    assert sum(UnitFigures.objects.values_list("total", flat=True)) == Measure.objects.count()
