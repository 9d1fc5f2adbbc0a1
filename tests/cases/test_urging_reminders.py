"""Weekly reminders along the urging ladder: each level's recipients, and group bots and SMS
channels under the same claim-then-send and once-per-week guards as mail."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core import mail

from cases import holidays, tasks
from cases.calendar import importer
from cases.calendar.parser import parse_notice
from cases.models import LadderLevel, NotificationChannel, Reminder
from cases.reminders import plan_week
from cases.urging import levels
from tests import factories
from tests.cases.bot_receiver import BotReceiver

from .holiday_notices import NOTICE_2027

pytestmark = pytest.mark.django_db
D = datetime.date
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MONDAY = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=SHANGHAI)  # a working Monday after the Spring Festival
CREATED = datetime.datetime(2027, 2, 26, 9, 0, tzinfo=SHANGHAI)  # items are fresh: none is lagging


@pytest.fixture(autouse=True)
def calendar_2027():
    importer.apply(parse_notice(NOTICE_2027))
    holidays.clear_process_cache()
    yield
    holidays.clear_process_cache()


@pytest.fixture
def receiver():
    server = BotReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def county():
    principal = factories.UserFactory(name="县委书记", email="shuji@example.gov.cn")
    organisation = factories.OrganisationFactory(name="青禾县", short_name="青整", principal_leader=principal)
    head = factories.UserFactory(name="局长", email="head@example.gov.cn")
    unit = factories.UnitFactory(organisation=organisation, name="县住建局", email="zjj@example.gov.cn", head=head)
    liaison = factories.UserFactory(role="staff", units=[unit], email="liaison@example.gov.cn")
    leader = factories.UserFactory(name="分管副县长", email="fuxianzhang@example.gov.cn")
    return organisation, unit, liaison, leader


def item(unit, leader, deadline):
    with time_machine.travel(CREATED, tick=False):
        return factories.MeasureFactory(lead_unit=unit, lead_leader=leader, deadline=deadline,
                                        issue__case__organisation=unit.organisation)


def planned(on=None):
    on = on or MONDAY.date()
    levels.refresh(on=on)
    with time_machine.travel(MONDAY, tick=False):
        plan = plan_week(on=on)
    return {(p.kind, p.email, p.channel_id): p for p in plan.planned}


def test_green_items_go_to_the_liaison_only(county):
    _organisation, unit, _liaison, leader = county
    green = item(unit, leader, D(2027, 3, 26))  # 19 working days ahead: 绿色提醒
    found = planned()
    assert green.__class__.objects.get(pk=green.pk).urging_level.name == "绿色提醒"
    assert {(k, e) for k, e, _ in found} == {("unit_digest", "zjj@example.gov.cn"),
                                           ("unit_digest", "liaison@example.gov.cn")}


def test_yellow_adds_the_lead_leader_and_red_the_unit_head_and_the_principal_leader(county):
    _organisation, unit, _liaison, leader = county
    yellow = item(unit, leader, D(2027, 3, 12))  # 9 working days ahead: 黄色预警
    found = planned()
    escalations = {e for k, e, _ in found if k == "escalation"}
    assert escalations == {"fuxianzhang@example.gov.cn"}
    assert found[("escalation", "fuxianzhang@example.gov.cn", None)].level == Reminder.Level.DUE_SOON

    Reminder.objects.all().delete()
    red = item(unit, leader, D(2027, 2, 24))  # overdue, fewer than 10 working days: 红色警示
    found = planned()
    escalations = {e for k, e, _ in found if k == "escalation"}
    assert escalations == {"fuxianzhang@example.gov.cn", "head@example.gov.cn", "shuji@example.gov.cn"}
    principal = Reminder.objects.get(kind="escalation", recipient_email="shuji@example.gov.cn")
    assert set(principal.measures.all()) == {red}  # the yellow item is not for the principal leader
    assert principal.level == Reminder.Level.ESCALATED
    assert set(Reminder.objects.get(kind="escalation", recipient_email="fuxianzhang@example.gov.cn")
               .measures.all()) == {yellow, red}


def test_copies_of_a_level_get_its_items(county):
    _organisation, unit, _liaison, leader = county
    red = LadderLevel.objects.get(ladder__organisation__isnull=True, name="红色警示")
    red.copy_to = "jiwei@example.gov.cn, zzb@example.gov.cn"
    red.save()
    overdue = item(unit, leader, D(2027, 2, 24))
    item(unit, leader, D(2027, 3, 26))  # green: not copied
    planned()
    for address in ("jiwei@example.gov.cn", "zzb@example.gov.cn"):
        copy = Reminder.objects.get(kind="escalation", recipient_email=address)
        assert list(copy.measures.all()) == [overdue] and copy.recipient is None


def test_the_rendered_escalation_names_each_item_level(county, django_capture_on_commit_callbacks):
    _organisation, unit, _liaison, leader = county
    item(unit, leader, D(2027, 3, 12))
    item(unit, leader, D(2027, 2, 24))
    levels.refresh(on=MONDAY.date())
    with time_machine.travel(MONDAY, tick=False), django_capture_on_commit_callbacks(execute=True):
        tasks.run_reminders(on=MONDAY.date())  # eager in tests: planned, then sent
    (message,) = [m for m in mail.outbox if m.to == ["fuxianzhang@example.gov.cn"]]
    html = message.alternatives[0][0]
    assert "黄色预警" in html and "红色警示" in html


def test_a_unit_bot_gets_the_digest_once_even_when_the_schedule_fires_twice(county, receiver):
    _organisation, unit, _liaison, leader = county
    bot = NotificationChannel.objects.create(kind="wecom", unit=unit, name="住建局整改工作群",
                                             address=receiver.url("/cgi-bin/webhook/send?key=zjj"))
    sms = NotificationChannel.objects.create(kind="sms", user=leader, address="13800000000")
    item(unit, leader, D(2027, 2, 24))
    with time_machine.travel(MONDAY, tick=False):
        from django.test import override_settings

        with override_settings(SMS_GATEWAY_URL=receiver.url("/sms/send"), SMS_GATEWAY_TOKEN="t0ken"):
            first = tasks.run_weekly_reminders()
            second = tasks.run_weekly_reminders()  # beat fired twice
            for pk in Reminder.objects.values_list("pk", flat=True):  # and every send task queued twice
                tasks.send_reminder(pk, MONDAY.date().isoformat())
    assert second["queued"] == 0 and second["already"] == first["queued"]
    wecom = [r for r in receiver.received if r.path == "/cgi-bin/webhook/send"]
    texts = [r for r in receiver.received if r.path == "/sms/send"]
    assert len(wecom) == 1 and len(texts) == 1
    assert wecom[0].body["msgtype"] == "markdown" and "县住建局" in wecom[0].body["markdown"]["content"]
    assert texts[0].body["to"] == "13800000000" and texts[0].headers["Authorization"] == "Bearer t0ken"
    bot_reminder = Reminder.objects.get(channel=bot)
    assert bot_reminder.kind == "unit_digest" and bot_reminder.status == "sent" and bot_reminder.attempts == 1
    assert Reminder.objects.get(channel=sms).kind == "escalation"
    assert Reminder.objects.filter(channel__isnull=True, status="sent").count() == len(mail.outbox)


def test_an_inactive_channel_gets_nothing(county):
    _organisation, unit, _liaison, leader = county
    NotificationChannel.objects.create(kind="wecom", unit=unit, address="http://127.0.0.1:9/x", is_active=False)
    item(unit, leader, D(2027, 2, 24))
    planned()
    assert not Reminder.objects.filter(channel__isnull=False).exists()
