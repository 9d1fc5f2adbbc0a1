"""The supervisors' weekly summary: per organisation, ranked, capped, in the dashboard's own figures."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from cases import figures, reminders
from cases.models import Measure, Reminder
from cases.reminders.summary import SUMMARY_ROWS, SUMMARY_WORST
from cases.states import State
from tests import factories

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
ON = datetime.date(2026, 3, 2)  # a Monday and a working day
COUNTIES = SUMMARY_ROWS + 2
MAIL_LIMIT = 100_000  # mail clients clip HTML past about 100 KB


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI), tick=False):
        yield


def _due(days: int) -> datetime.date:
    return ON + datetime.timedelta(days=days)


@pytest.fixture
def province(db):
    """A province shaped like the real one: more counties than a summary lists, each with a
    township, units, staff, leaders and a case; one county with a top unit that leads hundreds
    of long overdue items (the digest and summary that used to grow without bound)."""
    root = factories.OrganisationFactory(name="青岚省", kind="province")
    counties = []
    for n in range(COUNTIES):
        county = factories.OrganisationFactory(name=f"第{n}县", parent=root)
        town = factories.OrganisationFactory(name=f"第{n}县城关镇", parent=county, kind="township")
        counties.append(county)
        leader = factories.UserFactory(name=f"县领导{n}")
        for org in (county, town):
            case = factories.CaseFactory(organisation=org)
            unit = factories.UnitFactory(organisation=org, head=leader)
            factories.UserFactory(role="staff", units=[unit])
            issue = factories.IssueFactory(case=case)
            for days, state in ((-(n + 1) * 3, State.IN_PROGRESS), (-n - 1, State.PLANNED), (4, State.IN_PROGRESS),
                                (-40, State.COMPLETED)):
                done = {"completed_at": timezone.now()} if state == State.COMPLETED else {}
                factories.MeasureFactory(issue=issue, lead_unit=unit, lead_leader=leader, state=state,
                                         deadline=_due(days), original_deadline=_due(days), **done)
    big_case = factories.CaseFactory(organisation=counties[0], title="第0县委巡察整改" * 3)
    big_unit = factories.UnitFactory(organisation=counties[0], name="第0县住房和城乡建设局")
    factories.UserFactory(role="staff", units=[big_unit])
    issue = factories.IssueFactory(case=big_case)
    Measure.objects.bulk_create([
        Measure(case=big_case, issue=issue, lead_unit=big_unit, label=f"{n}.",
                text="建立健全长效机制并开展专项整治" * 12, deadline=_due(-1 - n % 90),
                original_deadline=_due(-1 - n % 90), position=n)
        for n in range(400)
    ])
    return {
        "root": root, "counties": counties,
        "province_supervisor": factories.UserFactory(role="supervisor", organisations=[root]),
        "county_supervisor": factories.UserFactory(role="supervisor", organisations=[counties[0]]),
    }


def _dashboard(client, user):
    client.force_login(user)
    response = client.get(reverse("cases:dashboard"))
    assert response.status_code == 200
    return response.context


def _summary_message(user):
    reminder = Reminder.objects.select_related("recipient", "unit").get(
        kind=Reminder.Kind.SUPERVISOR_SUMMARY, recipient=user)
    return reminders.build_message(reminder, on=ON)


def _size(message) -> int:
    return len(message.message().as_bytes())


@pytest.mark.parametrize("rollups", [False, True], ids=["live", "rollups"])
def test_every_mail_of_a_province_week_is_at_most_100_kb(province, rollups):
    if rollups:
        figures.refresh_all(on=ON)
    plan = reminders.plan_week(on=ON)
    kinds = {p.kind for p in plan.planned}
    assert kinds == {Reminder.Kind.UNIT_DIGEST, Reminder.Kind.ESCALATION, Reminder.Kind.SUPERVISOR_SUMMARY}

    sizes = {}
    for reminder in Reminder.objects.select_related("recipient", "unit").order_by("pk"):
        message = reminders.build_message(reminder, on=ON)
        assert message is not None, reminder
        sizes[(reminder.kind, reminder.recipient_email)] = _size(message)
    assert max(sizes.values()) <= MAIL_LIMIT, max(sizes.items(), key=lambda kv: kv[1])
    # The top unit's digest really was the large one: 400 items, of which the mail lists the cap.
    big = Reminder.objects.get(kind=Reminder.Kind.UNIT_DIGEST, unit__name="第0县住房和城乡建设局", recipient=None)
    assert big.item_count >= 400


@pytest.mark.parametrize("who", ["province_supervisor", "county_supervisor"])
@pytest.mark.parametrize("rollups", [False, True], ids=["live", "rollups"])
def test_summary_figures_equal_the_dashboards(client, province, who, rollups):
    user = province[who]
    if rollups:
        figures.refresh_all(on=ON)
    reminders.plan_week(on=ON)
    overview = reminders.supervisor_summary(user, on=ON)
    context = _dashboard(client, user)

    assert overview.from_rollups == (context["figures"] is not None) == rollups
    assert overview.head == context["head"]
    ranked = context["org_rows"]
    if who == "province_supervisor":
        assert overview.by == "organisation" and len(ranked) > SUMMARY_ROWS
    else:
        assert overview.by == "organisation" and len(ranked) == 2  # the county's own cases and its township
    assert [(r.key, r.total, r.completed, r.ongoing, r.overdue, r.extra["longest"]) for r in overview.rows] == [
        (r.key, r.total, r.completed, r.ongoing, r.overdue, r.extra["longest"]) for r in ranked[:SUMMARY_ROWS]]
    assert overview.row_total == len(ranked)
    assert [m.pk for m in overview.worst] == [m.pk for m in context["overdue_items"][:SUMMARY_WORST]]

    message = _summary_message(user)
    reminder = Reminder.objects.get(kind=Reminder.Kind.SUPERVISOR_SUMMARY, recipient=user)
    assert reminder.item_count == context["head"].overdue
    body = message.body
    assert f"整改事项共 {context['head'].measures} 项" in body
    top = ranked[0]
    line = next(line for line in body.splitlines() if line.startswith(f"- {top.label}"))
    assert f": {top.completed}/{top.total} (" in line and f", {top.overdue}, {top.extra['longest']}天" in line
    if len(ranked) > SUMMARY_ROWS:
        assert f"另有 {len(ranked) - SUMMARY_ROWS} 个" in body
    html = message.alternatives[0][0]
    for m in overview.worst:
        assert f'href="http://127.0.0.1:8000/items/{m.pk}/"' in html or f"/items/{m.pk}/\"" in html


def test_a_county_without_organisations_below_ranks_its_units(client, db):
    county = factories.OrganisationFactory(name="白溪县")
    units = [factories.UnitFactory(organisation=county) for _ in range(SUMMARY_ROWS + 3)]
    case = factories.CaseFactory(organisation=county)
    for n, unit in enumerate(units):
        factories.MeasureFactory(issue__case=case, lead_unit=unit, deadline=_due(-n - 1),
                                 original_deadline=_due(-n - 1))
    supervisor = factories.UserFactory(role="supervisor", organisations=[county])
    reminders.plan_week(on=ON)

    overview = reminders.supervisor_summary(supervisor, on=ON)
    context = _dashboard(client, supervisor)

    assert overview.by == "unit" and overview.row_total == len(units)
    dashboard_units = {r.key: (r.total, r.ongoing, r.overdue, r.extra["longest"]) for r in context["unit_rows"]}
    assert [r.key for r in overview.rows] == [u.pk for u in reversed(units)][:SUMMARY_ROWS]  # longest overdue first
    assert all((r.total, r.ongoing, r.overdue, r.extra["longest"]) == dashboard_units[r.key] for r in overview.rows)
    assert "另有 3 个" in _summary_message(supervisor).body
