"""Who gets which reminder, at which level, and what the e-mails say (cases/reminders.py)."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import reminders, services
from cases.models import Measure, Reminder
from cases.states import State
from tests import factories

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
ON = datetime.date(2026, 3, 2)  # a Monday and a working day


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI), tick=False):
        yield


def item(unit, *, due_in: int, **kwargs) -> Measure:
    """An ongoing measure led by `unit`, due `due_in` days from ON (negative: overdue)."""
    return factories.MeasureFactory(lead_unit=unit, deadline=ON + datetime.timedelta(days=due_in), **kwargs)


def planned(kind=Reminder.Kind.UNIT_DIGEST):
    return {r.recipient_email: r for r in Reminder.objects.filter(kind=kind).prefetch_related("measures")}


def items_of(reminder):
    return {m.pk for m in reminder.measures.all()}


# --- Selection ------------------------------------------------------------------------


def test_unit_mailbox_and_staff_each_get_one_digest_of_overdue_and_due_soon_items(unit, staff):
    overdue, soon = item(unit, due_in=-3), item(unit, due_in=5)
    item(unit, due_in=30)

    plan = reminders.plan_week(on=ON)

    digests = planned()
    assert set(digests) == {unit.email, staff.email}
    for reminder in digests.values():
        assert items_of(reminder) == {overdue.pk, soon.pk}
        assert reminder.item_count == 2
        assert reminder.level == Reminder.Level.OVERDUE
        assert reminder.period == ON
        assert reminder.status == Reminder.Status.PENDING
    assert digests[staff.email].recipient == staff
    assert digests[unit.email].unit == unit
    assert sorted(plan.reminder_ids) == sorted(r.pk for r in digests.values())


def test_nobody_with_nothing_to_report_gets_anything(unit, staff, supervisor):
    item(unit, due_in=30)
    done = item(unit, due_in=-10)
    Measure.objects.filter(pk=done.pk).update(state=State.COMPLETED, completed_at=timezone.now())

    plan = reminders.plan_week(on=ON)

    assert plan.planned == []
    assert not Reminder.objects.exists()


def test_someone_working_for_two_units_gets_one_digest_covering_both(unit, other_unit):
    person = factories.UserFactory(role="staff", units=[unit, other_unit])
    first, second = item(unit, due_in=-1), item(other_unit, due_in=2)

    reminders.plan_week(on=ON)

    digest = planned()[person.email]
    assert items_of(digest) == {first.pk, second.pk}
    assert Reminder.objects.filter(recipient_email=person.email).count() == 1


def test_supporting_unit_and_staff_of_the_parent_unit_are_reminded(unit):
    parent = factories.UnitFactory()
    child = factories.UnitFactory(parent=parent, email="")
    parent_staff = factories.UserFactory(role="staff", units=[parent])
    measure = item(child, due_in=-2)
    measure.supporting_units.add(unit)

    reminders.plan_week(on=ON)

    digests = planned()
    assert set(digests) == {unit.email, parent.email, parent_staff.email}
    assert all(items_of(r) == {measure.pk} for r in digests.values())


def test_supervisor_gets_the_summary_and_no_unit_digest(unit, supervisor):
    supervisor.memberships.create(unit=unit)  # a supervisor who also belongs to a unit
    item(unit, due_in=-20)
    item(unit, due_in=3)

    reminders.plan_week(on=ON)

    assert supervisor.email not in planned()
    summary = planned(Reminder.Kind.SUPERVISOR_SUMMARY)[supervisor.email]
    assert summary.level == Reminder.Level.SUMMARY
    assert summary.item_count == 1  # overdue items across all units


def test_item_without_progress_for_the_lagging_period_is_reminded_as_lagging(unit, staff):
    quiet, active = item(unit, due_in=60), item(unit, due_in=60)
    Measure.objects.filter(pk__in=[quiet.pk, active.pk]).update(created_at=timezone.now() - datetime.timedelta(days=20))
    services.log_progress(measure=active, by=staff, note="已召开专题会议部署整改。")

    reminders.plan_week(on=ON)

    digest = planned()[unit.email]
    assert items_of(digest) == {quiet.pk}
    assert digest.level == Reminder.Level.LAGGING


def test_items_overdue_two_weeks_escalate_to_the_lead_leader_and_the_unit_head(unit):
    leader, head = factories.UserFactory(name="李建国"), factories.UserFactory(name="赵明")
    unit.head = head
    unit.save()
    old = item(unit, due_in=-14, lead_leader=leader)
    item(unit, due_in=-13, lead_leader=leader)

    reminders.plan_week(on=ON)

    escalations = planned(Reminder.Kind.ESCALATION)
    assert set(escalations) == {leader.email, head.email}
    for reminder in escalations.values():
        assert items_of(reminder) == {old.pk}
        assert reminder.level == Reminder.Level.ESCALATED
    assert planned()[unit.email].level == Reminder.Level.ESCALATED
    assert planned()[unit.email].item_count == 2


def test_escalation_and_due_soon_thresholds_come_from_settings(unit, settings):
    settings.REMINDER_ESCALATE_AFTER_DAYS = 30
    settings.REMINDER_DUE_SOON_DAYS = 3
    leader = factories.UserFactory()
    overdue = item(unit, due_in=-20, lead_leader=leader)
    item(unit, due_in=5)

    reminders.plan_week(on=ON)

    assert not Reminder.objects.filter(kind=Reminder.Kind.ESCALATION).exists()
    assert items_of(planned()[unit.email]) == {overdue.pk}


def test_dry_run_records_nothing_and_reports_who_would_get_what(unit, staff):
    item(unit, due_in=-1)
    item(unit, due_in=4)

    plan = reminders.plan_week(on=ON, dry_run=True)

    assert not Reminder.objects.exists()
    assert {(p.kind, p.email, p.item_count, p.level) for p in plan.planned} == {
        (Reminder.Kind.UNIT_DIGEST, unit.email, 2, Reminder.Level.OVERDUE),
        (Reminder.Kind.UNIT_DIGEST, staff.email, 2, Reminder.Level.OVERDUE),
    }


def test_a_week_already_planned_is_not_planned_again(unit, staff):
    item(unit, due_in=-1)
    reminders.plan_week(on=ON)

    again = reminders.plan_week(on=ON + datetime.timedelta(days=2))

    assert again.planned == []
    assert again.already_recorded == 2
    assert Reminder.objects.count() == 2


def _units_with_items(n: int) -> None:
    """`n` units, each with a staff member, an item overdue for three weeks (escalated to a
    leader of its own) and one due soon: three recipients per unit."""
    for _ in range(n):
        unit = factories.UnitFactory()
        factories.UserFactory(role="staff", units=[unit])
        item(unit, due_in=-21, lead_leader=factories.UserFactory())
        item(unit, due_in=3)


def test_planning_takes_no_more_queries_for_fifty_units_than_for_five(db, django_assert_max_num_queries):
    _units_with_items(5)
    with CaptureQueriesContext(connection) as five:
        assert len(reminders.plan_week(on=ON).planned) == 15
    Reminder.objects.all().delete()
    _units_with_items(45)

    # Ten times the recipients, at most a few more statements: rows are written in batches, and
    # only the database's limit on parameters per statement splits a batch (SQLite: 999, i.e. 76
    # reminders per INSERT). Written one by one, they took four statements per recipient.
    with django_assert_max_num_queries(len(five) + 3):
        plan = reminders.plan_week(on=ON)

    assert len(plan.planned) == 150
    assert sorted(Reminder.objects.values_list("pk", flat=True)) == sorted(plan.reminder_ids)
    assert {(r.kind, r.item_count, r.level) for r in Reminder.objects.all()} == {
        (Reminder.Kind.UNIT_DIGEST, 2, Reminder.Level.ESCALATED),
        (Reminder.Kind.ESCALATION, 1, Reminder.Level.ESCALATED),
    }


def test_reminders_written_in_several_batches_still_get_all_their_items(unit, other_unit, monkeypatch):
    monkeypatch.setattr(reminders.planning, "FLUSH_RECIPIENTS", 2)
    both = factories.UserFactory(role="staff", units=[unit, other_unit])
    mine = {item(unit, due_in=-1).pk, item(unit, due_in=2).pk}
    theirs = {item(other_unit, due_in=-2).pk, item(other_unit, due_in=5).pk}
    for _ in range(3):  # more recipients: the reminders go in several INSERTs
        item(factories.UnitFactory(), due_in=-1)

    plan = reminders.plan_week(on=ON)

    digests = planned()
    assert len(digests) == 6 and len(plan.planned) == 6
    assert items_of(digests[both.email]) == mine | theirs
    assert digests[both.email].item_count == 4
    assert items_of(digests[unit.email]) == mine
    assert items_of(digests[other_unit.email]) == theirs
    assert sorted(plan.reminder_ids) == sorted(r.pk for r in digests.values())


def test_ids_are_read_back_where_the_database_does_not_return_them(unit, staff, monkeypatch):
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    overdue = item(unit, due_in=-1)

    plan = reminders.plan_week(on=ON)

    digests = planned()
    assert sorted(plan.reminder_ids) == sorted(r.pk for r in digests.values())
    assert all(items_of(r) == {overdue.pk} and r.item_count == 1 for r in digests.values())


def test_recipient_recorded_by_a_racing_run_is_left_to_that_run(unit, staff, monkeypatch):
    overdue = item(unit, due_in=-3)
    plan_digests = reminders.planning._plan_unit_digests

    def racing(recorder, **kwargs):
        # Another run records the staff's digest after this one read the week's reminders.
        Reminder.objects.create(kind=Reminder.Kind.UNIT_DIGEST, level=Reminder.Level.OVERDUE, period=ON,
                                recipient_email=staff.email, recipient=staff)
        plan_digests(recorder, **kwargs)

    monkeypatch.setattr(reminders.planning, "_plan_unit_digests", racing)
    plan = reminders.plan_week(on=ON)

    ours, theirs = Reminder.objects.get(recipient_email=unit.email), Reminder.objects.get(recipient_email=staff.email)
    assert [p.email for p in plan.planned] == [unit.email]
    assert plan.reminder_ids == [ours.pk]
    assert plan.already_recorded == 1
    assert items_of(ours) == {overdue.pk} and ours.item_count == 1
    assert items_of(theirs) == set() and theirs.item_count == 0


def test_unit_without_mailbox_and_inactive_people_get_nothing(unit):
    mute = factories.UnitFactory(email="")
    factories.UserFactory(role="staff", units=[mute], is_active=False)
    item(mute, due_in=-1)

    assert reminders.plan_week(on=ON).planned == []


# --- The e-mails ------------------------------------------------------------------------


def _message(reminder):
    return reminders.build_message(Reminder.objects.select_related("recipient", "unit").get(pk=reminder.pk), on=ON)


def test_unit_digest_lists_items_by_case_with_deadline_overdue_days_last_note_and_link(unit, staff, settings):
    settings.SITE_URL = "https://zg.example.gov.cn"
    case = factories.CaseFactory(title="县委巡察整改")
    overdue = item(unit, due_in=-3, issue__case=case, text="清理规范公务用车")
    escalated = item(unit, due_in=-20, issue__case=case, text="追缴违规发放补贴")
    soon = item(unit, due_in=5, text="完善采购内控制度")
    with time_machine.travel(datetime.datetime(2026, 2, 20, 10, 0, tzinfo=SHANGHAI), tick=False):
        services.log_progress(measure=overdue, by=staff, note="已收回超标车辆2辆。")
    reminders.plan_week(on=ON)

    message = _message(planned()[staff.email])

    assert message.to == [staff.email]
    assert message.subject == f"【整改提醒】{staff.name}:3 项整改事项需关注,已逾期 2 项(督办 1 项)"
    text = message.body
    assert "县委巡察整改" in text and soon.case.title in text
    assert text.index("追缴违规发放补贴") < text.index("清理规范公务用车")  # by deadline within the case
    assert "[督办,已逾期 20 天] 追缴违规发放补贴" in text
    assert "[已逾期 3 天] 清理规范公务用车" in text
    assert "[5 天后到期] 完善采购内控制度" in text
    assert "完成时限:2026-02-27" in text
    assert "最近进展(2026-02-20): 已收回超标车辆2辆。" in text
    assert "最近进展:尚未填报" in text
    assert f"https://zg.example.gov.cn/items/{escalated.pk}/" in text
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "督办</span>" in html and "已收回超标车辆2辆。" in html
    assert f'href="https://zg.example.gov.cn/items/{overdue.pk}/"' in html


def test_escalation_mail_is_a_supervision_notice_to_the_leader(unit):
    leader = factories.UserFactory(name="周海涛")
    item(unit, due_in=-15, lead_leader=leader, text="整治群众身边腐败问题")
    reminders.plan_week(on=ON)

    message = _message(planned(Reminder.Kind.ESCALATION)[leader.email])

    assert message.subject == "【督办提醒】周海涛:1 项整改事项需督办,其中逾期 1 项"
    assert "周海涛:" in message.body
    assert "提请您督办" in message.body
    assert "[督办,已逾期 15 天] 整治群众身边腐败问题" in message.body


def test_supervisor_summary_counts_each_unit_and_links_the_dashboard(unit, other_unit, supervisor, settings):
    settings.SITE_URL = "https://zg.example.gov.cn"
    item(unit, due_in=-30)
    item(unit, due_in=-2)
    item(unit, due_in=40)
    item(other_unit, due_in=3)
    reminders.plan_week(on=ON)

    message = _message(planned(Reminder.Kind.SUPERVISOR_SUMMARY)[supervisor.email])

    assert message.subject == "【整改周汇总】2026-03-02 当周:未完成 4 项,其中逾期 2 项"
    assert "整改事项共 4 项,已完成 0 项,未完成 4 项:其中已逾期 2 项,7 天内到期 1 项" in message.body
    lines = message.body.splitlines()
    first = next(n for n, line in enumerate(lines) if line.startswith(f"- {unit.name}"))
    second = next(n for n, line in enumerate(lines) if line.startswith(f"- {other_unit.name}"))
    assert lines[first].endswith(": 0/3 (0.0%), 3, 2, 30天")
    assert lines[second].endswith(": 0/1 (0.0%), 1, 0, -")
    assert first < second  # most overdue first
    assert "https://zg.example.gov.cn/dashboard/" in message.body
    assert f"https://zg.example.gov.cn/items/?lead_unit={unit.pk}&amp;overdue=true" in message.alternatives[0][0]
    assert 'href="https://zg.example.gov.cn/dashboard/"' in message.alternatives[0][0]


def test_digest_is_built_in_constant_queries(unit, staff, django_assert_num_queries):
    for days in range(-5, 5):
        item(unit, due_in=days, issue__case=factories.CaseFactory())
    reminders.plan_week(on=ON)
    reminder = Reminder.objects.select_related("recipient", "unit").get(recipient_email=staff.email)

    with django_assert_num_queries(2):  # the items linked, then those shown with what their levels need
        message = reminders.build_message(reminder, on=ON)
    assert message.body.count("查看并填报") == 10


def test_mails_listing_the_same_items_build_their_rows_once(unit, staff, django_assert_num_queries):
    """The unit's mailbox and its staff get the same digest: the second mail takes the rows the first
    built (one query, for the items linked), with its own greeting."""
    for days in range(-3, 3):
        item(unit, due_in=days)
    reminders.plan_week(on=ON)
    first, second = (Reminder.objects.select_related("recipient", "unit").get(recipient_email=address)
                     for address in (unit.email, staff.email))
    assert set(first.measures.all()) == set(second.measures.all())
    one = reminders.build_message(first, on=ON)

    with django_assert_num_queries(1):
        other = reminders.build_message(second, on=ON)

    assert other.body.count("查看并填报") == one.body.count("查看并填报") == 6
    assert (staff.name or staff.username) in other.body and (staff.name or staff.username) not in one.body
    later = reminders.build_message(second, on=ON + datetime.timedelta(days=1))  # another day: built anew
    assert "7 天内到期" in one.body and later.body != other.body


def test_a_long_digest_lists_the_worst_items_up_to_the_cap_and_links_the_rest(unit, settings):
    settings.REMINDER_MAIL_MAX_ITEMS = 30
    case = factories.CaseFactory(title="县委巡察整改")
    item(unit, due_in=-90, issue__case=case, text="最久逾期事项")
    for n in range(119):
        item(unit, due_in=-1 - n % 60 if n % 2 else 3, issue__case=case, text=f"整改事项{n}" * 20)
    reminders.plan_week(on=ON)

    message = _message(planned()[unit.email])

    html = message.alternatives[0][0]
    assert html.count("查看事项并填报进展") == 30
    assert "最久逾期事项" in html and "另有 90 项" in html and "/my/" in html
    assert "120" in message.subject  # the counts still speak of every item
    reminder = planned()[unit.email]
    # Planning counted all 120 and linked the 30 shown, the most urgent first.
    assert reminder.item_count == 120 and sum(reminder.counts.values()) == 120
    assert reminder.measures.count() == 30
    assert Measure.objects.get(text="最久逾期事项") in reminder.measures.all()
    assert len(message.body.encode()) + len(html.encode()) < 100_000


def test_the_mails_levels_agree_with_item_level_for_every_kind_of_item(unit):
    """The mails' levels (`LevelRules`, idleness worked out in the database) and `item_level` are one rule."""
    from cases.reminders.selection import Thresholds, item_level
    from cases.urging.models import LadderLevel

    thresholds = Thresholds(due_soon_days=7, lagging_days=14, escalate_after_days=14)
    ladder_level = LadderLevel.objects.order_by("pk").first()
    now = timezone.now()
    made = []
    for due_in in (None, -30, -14, -13, -1, 0, 1, 7, 8, 60):
        for idle in (None, 3, 14, 15, 40):
            for laddered in (False, True):
                measure = factories.MeasureFactory(
                    lead_unit=unit, deadline=None if due_in is None else ON + datetime.timedelta(days=due_in),
                    kind=Measure.Kind.LONG_TERM if due_in is None else Measure.Kind.BY_DEADLINE,
                    urging_level=ladder_level if laddered else None)
                Measure.objects.filter(pk=measure.pk).update(
                    created_at=now - datetime.timedelta(days=50),
                    last_progress_at=None if idle is None else now - datetime.timedelta(days=idle))
                made.append(measure.pk)
    reminder = Reminder.objects.create(kind=Reminder.Kind.UNIT_DIGEST, level=Reminder.Level.OVERDUE, period=ON,
                                       recipient_email=unit.email)
    reminder.measures.set(made)

    cases, counts = reminders.item_rows(reminder, on=ON, thresholds=thresholds, cap=len(made))

    expected = dict.fromkeys(Reminder.Level.values, 0)
    levels = {}
    for m in Measure.objects.filter(pk__in=made):
        level = item_level(deadline=m.deadline, last_activity=m.last_progress_at or m.created_at, on=ON,
                           thresholds=thresholds) or (Reminder.Level.DUE_SOON if m.urging_level_id else None)
        if level:
            expected[level] += 1
            levels[m.pk] = level
    assert counts == expected
    assert {row.item.pk: row.level for _, rows in cases for row in rows} == levels


def test_a_digest_loads_only_the_items_it_shows(unit, staff, settings):
    settings.REMINDER_MAIL_MAX_ITEMS = 5
    for n in range(12):
        item(unit, due_in=-1 - n)
    reminders.plan_week(on=ON)
    reminder = Reminder.objects.select_related("recipient", "unit").get(recipient_email=staff.email)
    assert reminder.item_count == 12 and reminder.measures.count() == 5  # counted all, linked the worst five

    with CaptureQueriesContext(connection) as queries:
        cases, counts = reminders.item_rows(reminder, on=ON, thresholds=reminders.Thresholds.from_settings())

    # One query: the five shown, joined, with what their levels need; the counts are the plan's.
    assert len(queries) == 1
    assert sum(len(rows) for _, rows in cases) == 5
    assert counts[Reminder.Level.OVERDUE] + counts[Reminder.Level.ESCALATED] == 12  # counted over all of them
    shown = sorted(r.days_overdue for _, rows in cases for r in rows)
    assert shown == [8, 9, 10, 11, 12]  # the worst five


def test_a_shown_item_completed_after_planning_is_left_out(unit, staff, settings):
    settings.REMINDER_MAIL_MAX_ITEMS = 3
    made = [item(unit, due_in=-1 - n) for n in range(4)]
    reminders.plan_week(on=ON)
    reminder = Reminder.objects.get(recipient_email=staff.email)
    worst = made[-1]
    Measure.objects.filter(pk=worst.pk).update(state=State.COMPLETED, completed_at=timezone.now())

    cases, _counts = reminders.item_rows(reminder, on=ON, thresholds=reminders.Thresholds.from_settings())

    assert {r.item.pk for _, rows in cases for r in rows} == {made[1].pk, made[2].pk}


@pytest.mark.parametrize(("language", "words"), [("zh-hans", "未设完成时限"), ("en", "No deadline set")])
def test_an_item_without_a_deadline_is_not_due_in_none_days(language, words):
    """Only the urging ladder makes an item with no deadline due soon; its row says it has none."""
    from django.utils import translation

    from cases.reminders.rendering import ItemRow

    row = ItemRow(item=None, level=Reminder.Level.DUE_SOON, days_overdue=0, url="", last_note="",
                  last_note_at=None, idle_days=0, days_left=None)
    with translation.override(language):
        assert row.standing == words and "None" not in row.standing
    with translation.override("en"):
        assert ItemRow(item=None, level=Reminder.Level.DUE_SOON, days_overdue=0, url="", last_note="",
                       last_note_at=None, idle_days=0, days_left=3).standing == "Due in 3 days"


def test_the_admin_shows_a_reminders_counts_in_words(admin_client, unit, staff):
    for days in (-20, -2, 3):
        item(unit, due_in=days)
    reminders.plan_week(on=ON)
    reminder = Reminder.objects.get(recipient_email=staff.email)

    page = admin_client.get(f"/admin/cases/reminder/{reminder.pk}/change/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert page.status_code == 200
    text = page.content.decode()
    assert "各级别事项数" in text and "已逾期" in text and "{&quot;" not in text and '{"' not in text


def test_a_reminder_recorded_without_counts_counts_every_item_it_links(unit, settings):
    """Reminders recorded before planning kept counts linked every item: their mail counts all of them,
    though it shows the cap."""
    settings.REMINDER_MAIL_MAX_ITEMS = 5
    made = [item(unit, due_in=-1 - n) for n in range(12)]
    reminder = Reminder.objects.create(kind=Reminder.Kind.UNIT_DIGEST, level=Reminder.Level.OVERDUE, period=ON,
                                       recipient_email=unit.email, unit=unit)
    reminder.measures.set(made)

    message = _message(Reminder.objects.select_related("recipient", "unit").get(pk=reminder.pk))

    assert "12" in message.subject
    assert message.alternatives[0][0].count("查看事项并填报进展") == 5 and "另有 7 项" in message.alternatives[0][0]


def test_a_batch_builds_the_rows_of_all_its_mails_from_one_query_of_their_items(db):
    """`shown_items_many`: the links of the batch, then one query of the items of every set to build,
    however many mails and sets; each mail's rows are those it would build alone."""
    from django.core.cache import cache

    from cases.reminders.rendering import shown_items, shown_items_many

    parent = factories.UnitFactory()
    children = [factories.UnitFactory(parent=parent, organisation=parent.organisation) for _ in range(3)]
    for n, child in enumerate(children):
        factories.UserFactory(role="staff", units=[child])
        for days in range(3):
            item(child, due_in=-1 - days - n)
    factories.UserFactory(role="staff", units=[parent])
    reminders.plan_week(on=ON)
    batch = list(Reminder.objects.filter(kind=Reminder.Kind.UNIT_DIGEST).order_by("pk"))
    assert len(batch) == 8  # 4 units: a mailbox and a staff member each
    thresholds = reminders.Thresholds.from_settings()

    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        together = shown_items_many(batch, on=ON, thresholds=thresholds)
    assert len(queries) == 2  # the links, and the items of the 4 different sets
    cache.clear()
    alone = {r.pk: shown_items(r, on=ON, thresholds=thresholds) for r in batch}
    assert together == alone
    parent_rows = together[next(r.pk for r in batch if r.recipient_email == parent.email)]
    assert parent_rows.count == 9 and parent_rows.counted[Reminder.Level.OVERDUE] == 9
    # Taken from the cache, a batch asks only for its links.
    with CaptureQueriesContext(connection) as queries:
        assert shown_items_many(batch, on=ON, thresholds=thresholds) == together
    assert len(queries) == 1
