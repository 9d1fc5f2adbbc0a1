"""The one claim-then-send (`cases.delivery.outbox`) for look-back reminders and report mails:
mail through a real local SMTP server, group bots through a real local HTTP server, once per
recipient and period, a failure recorded and retried by the next run, a claim never sent twice."""

from __future__ import annotations

import datetime
import email
import io

import pytest
import time_machine
from django.utils import timezone

from cases.delivery import outbox
from cases.lookback import reminders, services
from cases.lookback.models import LookbackReminder
from cases.models import Measure, NotificationChannel
from cases.reports import delivery as report_delivery
from cases.reports.models import ReportDelivery, ReportSubscription
from cases.states import State
from tests import factories
from tests.cases.bot_receiver import BotReceiver
from tests.cases.test_reminder_tasks import smtp_server  # noqa: F401  (the suite's real SMTP server)

TODAY = datetime.date(2026, 6, 10)  # a Wednesday


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2026, 6, 10, 2, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def bots():
    server = BotReceiver().start()
    yield server
    server.stop()


def wecom(receiver: BotReceiver, key: str) -> str:
    return receiver.url(f"/cgi-bin/webhook/send?key={key}")


@pytest.fixture
def due(db, unit, case):
    """One look-back overdue in `unit` (signed off 3 months and more ago)."""
    m = factories.MeasureFactory(lead_unit=unit, issue__case=case, kind=Measure.Kind.IMMEDIATE,
                                 state=State.COMPLETED, deadline=datetime.date(2026, 3, 2),
                                 completed_at=timezone.make_aware(datetime.datetime(2026, 3, 2, 10)))
    services.plan_lookbacks()
    return m


def test_look_back_reminders_go_by_mail_and_on_the_units_and_supervisors_bots(
        due, unit, staff, supervisor, smtp_server, bots):  # noqa: F811
    NotificationChannel.objects.create(kind="wecom", unit=unit, address=wecom(bots, "unit"))
    NotificationChannel.objects.create(kind="wecom", user=supervisor, address=wecom(bots, "supervisor"))
    result = reminders.send_week(on=TODAY)
    assert result["sent"] == 5  # three mailboxes, two bots
    mailed = sorted(to[0] for to, _ in smtp_server.delivered)
    assert mailed == sorted([unit.email, staff.email, supervisor.email])
    assert sorted(r.query["key"] for r in bots.received) == ["supervisor", "unit"]
    content = bots.received[0].body["markdown"]["content"]
    assert "回头看" in content and str(due.label) in content and "/lookback/" in content
    rows = LookbackReminder.objects.all()
    assert {r.status for r in rows} == {"sent"} and rows.filter(channel__isnull=False).count() == 2
    # The next day's run finds the week served: nothing is sent twice, on any channel.
    assert reminders.send_week(on=TODAY + datetime.timedelta(days=1))["sent"] == 0
    assert len(smtp_server.delivered) == 3 and len(bots.received) == 2


def test_a_refused_look_back_reminder_is_recorded_and_the_next_run_retries_only_it(
        due, unit, staff, supervisor, smtp_server):  # noqa: F811
    smtp_server.busy[staff.email] = 1  # 451: try again later
    assert reminders.send_week(on=TODAY)["sent"] == 2
    failed = LookbackReminder.objects.get(recipient_email=staff.email)
    assert failed.status == "failed" and "451" in failed.error and failed.sent_at is None
    assert reminders.send_week(on=TODAY + datetime.timedelta(days=1))["sent"] == 1
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("sent", 2)
    assert sorted(to[0] for to, _ in smtp_server.delivered) == sorted([unit.email, staff.email, supervisor.email])


def test_a_row_claimed_by_a_live_worker_is_not_sent_again(due, unit, staff, supervisor, smtp_server):  # noqa: F811
    period = TODAY - datetime.timedelta(days=TODAY.weekday())
    [pk] = outbox.reserve(LookbackReminder, [outbox.Slot.for_mail(unit.email, period=period)])
    assert outbox.claim(LookbackReminder, pk) is not None  # another worker is sending it now
    assert reminders.send_week(on=TODAY)["sent"] == 2  # the liaison and the supervisor; not the unit twice
    assert unit.email not in [to[0] for to, _ in smtp_server.delivered]
    assert outbox.reserve(LookbackReminder, [outbox.Slot.for_mail(unit.email, period=period)]) == []


@pytest.fixture
def subscription(db, case, unit):
    factories.MeasureFactory(lead_unit=unit, issue__case=case, deadline=datetime.date(2026, 6, 3))
    leader = factories.UserFactory(role="supervisor", email="leader@example.cn")
    s = ReportSubscription.objects.create(name="县委常委会周汇总", case=case, kind="week",
                                          extra_emails="office@example.cn")
    s.recipients.add(leader)
    return s


def test_reports_go_with_the_docx_by_mail_and_as_a_card_on_the_leaders_bot(
        subscription, smtp_server, bots):  # noqa: F811
    from docx import Document

    leader = subscription.recipients.get()
    NotificationChannel.objects.create(kind="feishu", user=leader, address=bots.url("/open-apis/bot/v2/hook/x"))
    assert report_delivery.send_due(today=TODAY) == {"sent": 3}
    assert sorted(to[0] for to, _ in smtp_server.delivered) == ["leader@example.cn", "office@example.cn"]
    mail = email.message_from_bytes(smtp_server.delivered[0][1])
    [docx] = [part for part in mail.walk() if part.get_filename() and part.get_filename().endswith(".docx")]
    assert "周汇总" in Document(io.BytesIO(docx.get_payload(decode=True))).paragraphs[0].text
    [card] = bots.received
    assert "周汇总" in card.body["card"]["header"]["title"]["content"]
    assert "/reports/?case=" in card.body["card"]["elements"][1]["actions"][0]["url"]
    assert report_delivery.send_due(today=TODAY + datetime.timedelta(days=1)) == {"sent": 0}
    assert ReportDelivery.objects.filter(status="sent").count() == 3


def test_a_report_refused_for_good_is_recorded_and_the_others_still_go(subscription, smtp_server):  # noqa: F811
    smtp_server.rejected.add("office@example.cn")
    assert report_delivery.send_due(today=TODAY) == {"sent": 1}
    row = ReportDelivery.objects.get(recipient_email="office@example.cn")
    assert row.status == "failed" and "550" in row.error


@pytest.fixture
def letter(db, unit, staff, case):
    from cases.urging import letters

    m = factories.MeasureFactory(lead_unit=unit, issue__case=case, deadline=datetime.date(2026, 5, 4))
    return letters.issue(unit=unit, measures=[m], level=None, document="supervision", on=TODAY, notify=False)


def test_a_letter_goes_once_to_each_recipient_and_bot_however_often_it_is_sent(
        letter, unit, smtp_server, bots):  # noqa: F811
    from cases.urging import letters
    from cases.urging.models import LetterDelivery

    NotificationChannel.objects.create(kind="wecom", unit=unit, address=wecom(bots, "unit"))
    addresses = [a for a in letter.recipients.split("\n") if a]
    assert letters.send(letter) == len(addresses) + 1
    assert sorted(to[0] for to, _ in smtp_server.delivered) == sorted(addresses)
    assert [r.query["key"] for r in bots.received] == ["unit"]
    assert letter.number in bots.received[0].body["markdown"]["content"]
    rows = LetterDelivery.objects.filter(letter=letter)
    assert rows.count() == len(addresses) + 1 and {r.status for r in rows} == {"sent"}
    # A task queued twice, or run again by hand: nobody hears twice.
    assert letters.send(letter) == 0
    assert len(smtp_server.delivered) == len(addresses) and len(bots.received) == 1


def test_a_letter_refused_for_now_is_retried_for_that_recipient_only(letter, staff, smtp_server):  # noqa: F811
    from cases.delivery import RETRYABLE
    from cases.urging import letters
    from cases.urging.models import LetterDelivery

    addresses = [a for a in letter.recipients.split("\n") if a]
    smtp_server.busy[staff.email] = 1  # 451: try again later
    with pytest.raises(RETRYABLE):  # the task's autoretry takes it from here
        letters.send(letter)
    assert sorted(to[0] for to, _ in smtp_server.delivered) == sorted(a for a in addresses if a != staff.email)
    failed = LetterDelivery.objects.get(letter=letter, recipient_email=staff.email)
    assert failed.status == "failed" and "451" in failed.error
    assert letters.send(letter) == 1  # the retry
    assert sorted(to[0] for to, _ in smtp_server.delivered) == sorted(addresses)


def test_letters_keep_to_the_deployment_wide_rate_not_a_per_worker_one():
    from cases import tasks

    # One bucket for every worker (cases.delivery.throttle, through outbox → delivery.send); a
    # Celery rate_limit would let each worker send that much again.
    assert tasks.send_letter.rate_limit is None and tasks.send_reminder.rate_limit is None
