"""The weekly job and the send task: once per week, failures recorded and retried, holidays."""

import datetime
import json
import socket
import zoneinfo

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core import mail
from django_celery_beat.models import PeriodicTask

from cases import reminders, tasks
from cases.models import Measure, Reminder
from cases.states import State
from tests import factories

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MONDAY = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MailServer:
    """A real SMTP server: rejects some recipients for good, others a given number of times."""

    def __init__(self):
        self.rejected: set[str] = set()
        self.busy: dict[str, int] = {}
        self.delivered: list[tuple[list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.rejected:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        if self.busy.get(address, 0) > 0:
            self.busy[address] -= 1
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.delivered.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"


@pytest.fixture(autouse=True)
def _eager_retries():
    """Let eager tasks run their retries in place, as a worker would (minus the wait).

    With eager propagation Celery raises the first Retry instead of running it.
    """
    from config.celery import app

    saved = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = saved


@pytest.fixture
def smtp_server(settings):
    handler = MailServer()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield handler
    controller.stop()


@pytest.fixture
def week(unit, staff, other_unit, other_staff):
    """Two units with one overdue item each: four unit digests."""
    with time_machine.travel(MONDAY, tick=False):
        factories.MeasureFactory(lead_unit=unit, deadline=datetime.date(2026, 2, 27))
        factories.MeasureFactory(lead_unit=other_unit, deadline=datetime.date(2026, 3, 5))
        yield


def run_job(capture):
    with capture(execute=True):
        return tasks.run_weekly_reminders()


def test_weekly_job_mails_each_recipient_once_and_a_second_run_sends_nothing_new(
    week, unit, staff, other_unit, other_staff, django_capture_on_commit_callbacks,
):
    with time_machine.travel(MONDAY, tick=False):
        first = run_job(django_capture_on_commit_callbacks)
        assert first == {"period": "2026-03-02", "queued": 4, "already": 0}
        assert sorted(m.to[0] for m in mail.outbox) == sorted(
            [unit.email, staff.email, other_unit.email, other_staff.email])
        assert set(Reminder.objects.values_list("status", "attempts")) == {(Reminder.Status.SENT, 1)}
        assert all(r.sent_at and r.subject.startswith("【整改提醒】") for r in Reminder.objects.all())

    with time_machine.travel(MONDAY + datetime.timedelta(days=2), tick=False):
        second = run_job(django_capture_on_commit_callbacks)
    assert second == {"period": "2026-03-02", "queued": 0, "already": 4}
    assert len(mail.outbox) == 4


def test_rejected_recipient_is_recorded_failed_at_once_and_the_others_still_get_theirs(
    week, unit, staff, smtp_server, django_capture_on_commit_callbacks,
):
    smtp_server.rejected.add(staff.email)
    with time_machine.travel(MONDAY, tick=False):
        run_job(django_capture_on_commit_callbacks)

    failed = Reminder.objects.get(recipient_email=staff.email)
    assert failed.status == Reminder.Status.FAILED
    assert failed.sent_at is None
    assert "550" in failed.error and "mailbox unavailable" in failed.error
    assert failed.attempts == 1  # a 5xx refusal is permanent: not retried
    delivered = sorted(to[0] for to, _ in smtp_server.delivered)
    assert staff.email not in delivered and unit.email in delivered and len(delivered) == 3
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == 3


def test_temporary_smtp_failure_is_retried_and_then_recorded_as_sent(
    week, unit, smtp_server, django_capture_on_commit_callbacks,
):
    smtp_server.busy[unit.email] = 2
    with time_machine.travel(MONDAY, tick=False):
        run_job(django_capture_on_commit_callbacks)

    reminder = Reminder.objects.get(recipient_email=unit.email)
    assert (reminder.status, reminder.attempts, reminder.error) == (Reminder.Status.SENT, 3, "")
    assert [to for to, _ in smtp_server.delivered].count([unit.email]) == 1


def test_unreachable_mail_server_is_never_recorded_as_sent(week, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 2
    with time_machine.travel(MONDAY, tick=False):
        run_job(django_capture_on_commit_callbacks)

    assert Reminder.objects.count() == 4
    assert not Reminder.objects.filter(status=Reminder.Status.SENT).exists()
    assert all("ConnectionRefusedError" in r.error for r in Reminder.objects.all())


def test_send_task_retries_network_and_smtp_errors_with_exponential_backoff():
    task = tasks.send_reminder
    assert OSError in task.autoretry_for  # smtplib.SMTPException is an OSError
    assert (task.retry_backoff, task.retry_backoff_max, task.retry_jitter) == (60, 3600, True)


def test_delivering_a_sent_reminder_again_sends_nothing(week, django_capture_on_commit_callbacks):
    with time_machine.travel(MONDAY, tick=False):
        run_job(django_capture_on_commit_callbacks)
        reminder = Reminder.objects.first()

        assert tasks.send_reminder.delay(reminder.pk, "2026-03-02").get() is False
    assert len(mail.outbox) == 4
    reminder.refresh_from_db()
    assert reminder.attempts == 1


def test_reminder_whose_items_were_completed_before_sending_is_not_sent(week, unit):
    with time_machine.travel(MONDAY, tick=False):
        plan = reminders.plan_week(on=MONDAY.date())
        Measure.objects.filter(lead_unit=unit).update(state=State.COMPLETED, completed_at=MONDAY)
        tasks.dispatch(plan.reminder_ids, MONDAY.date())

    skipped = Reminder.objects.get(recipient_email=unit.email)
    assert skipped.status == Reminder.Status.FAILED and skipped.sent_at is None
    assert "completed" in skipped.error
    assert unit.email not in [m.to[0] for m in mail.outbox]
    assert len(mail.outbox) == 2


def test_weekly_job_on_a_public_holiday_defers_itself_to_the_next_working_day(week):
    national_day = datetime.datetime(2026, 10, 5, 9, 0, tzinfo=SHANGHAI)  # a Monday in the holiday
    with time_machine.travel(national_day, tick=False):
        result = tasks.run_weekly_reminders()
        tasks.run_weekly_reminders()  # a beat that fires twice still defers once

    assert result == {"deferred_to": "2026-10-08T09:00:00+08:00"}
    assert not Reminder.objects.exists() and mail.outbox == []
    deferred = PeriodicTask.objects.get(name__startswith=reminders.DEFERRED_TASK_PREFIX)
    assert deferred.one_off and deferred.enabled and deferred.task == "cases.tasks.run_weekly_reminders"
    assert deferred.clocked.clocked_time == datetime.datetime(2026, 10, 8, 9, 0, tzinfo=SHANGHAI)
    assert json.loads(deferred.kwargs) == {"deferred_from": "2026-10-05"}


def test_deferred_run_sends_on_the_working_day_for_that_week(week, django_capture_on_commit_callbacks):
    with time_machine.travel(datetime.datetime(2026, 10, 9, 9, 0, tzinfo=SHANGHAI), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        result = tasks.run_weekly_reminders(deferred_from="2026-10-05")

    assert result["period"] == "2026-10-05" and result["queued"] == 4
    assert len(mail.outbox) == 4


def test_default_schedule_is_monday_nine_oclock_shanghai(db):
    weekly = PeriodicTask.objects.get(name="每周整改提醒")
    assert weekly.task == "cases.tasks.run_weekly_reminders" and weekly.enabled
    cron = weekly.crontab
    schedule = (cron.minute, cron.hour, cron.day_of_week, cron.day_of_month, cron.month_of_year)
    assert schedule == ("0", "9", "1", "*", "*")
    assert str(cron.timezone) == "Asia/Shanghai"


def test_reminders_stranded_by_a_broker_outage_are_sent_by_the_sweep(db, mailoutbox):
    import datetime as dt

    import time_machine

    from cases import tasks
    from cases.models import Reminder
    from tests import factories

    unit = factories.UnitFactory(email="late@example.cn")
    today = dt.date(2026, 6, 15)  # a Monday and a working day
    factories.MeasureFactory(lead_unit=unit, deadline=today - dt.timedelta(days=3))
    with time_machine.travel(dt.datetime(2026, 6, 15, 9, tzinfo=dt.UTC), tick=False):
        from cases import reminders

        plan = reminders.plan_week(on=today)  # planned, but never queued: the broker was down
        assert plan.reminder_ids
        assert tasks.send_stranded_reminders()["queued"] == 0  # too fresh: its task may be on its way
    with time_machine.travel(dt.datetime(2026, 6, 15, 10, tzinfo=dt.UTC), tick=False):
        assert tasks.send_stranded_reminders()["queued"] == len(plan.reminder_ids)
        assert tasks.send_stranded_reminders()["queued"] == 0
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == len(plan.reminder_ids)
    assert any("late@example.cn" in m.to for m in mailoutbox)


class WatchingMailServer(MailServer):
    """Looks at the reminder rows from its own database connection while it receives a message."""

    def __init__(self):
        super().__init__()
        self.seen: list[tuple[str, str]] = []

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        from django.db import connection, transaction

        def look():
            try:
                with transaction.atomic():
                    # NOWAIT: fails at once if the sending worker still held the row lock.
                    row = Reminder.objects.select_for_update(nowait=True).get(recipient_email=envelope.rcpt_tos[0])
                    self.seen.append((row.recipient_email, row.status))
            finally:
                connection.close()

        await asyncio.get_running_loop().run_in_executor(None, look)
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.django_db(transaction=True)
def test_the_reminder_row_is_claimed_and_committed_not_locked_while_the_mail_server_talks(
    unit, staff, settings, django_capture_on_commit_callbacks,
):
    handler = WatchingMailServer()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        with time_machine.travel(MONDAY, tick=False):
            factories.MeasureFactory(lead_unit=unit, deadline=datetime.date(2026, 2, 27))
            run_job(django_capture_on_commit_callbacks)
    finally:
        controller.stop()

    assert sorted(handler.seen) == sorted([(unit.email, "sending"), (staff.email, "sending")])
    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.SENT}


def test_a_claim_held_by_a_live_worker_is_left_alone_and_a_dead_workers_is_taken_over(
    week, settings, django_capture_on_commit_callbacks,
):
    from cases.delivery import outbox

    with time_machine.travel(MONDAY, tick=False):
        plan = reminders.plan_week(on=MONDAY.date())
        first = plan.reminder_ids[0]
        assert outbox.claim(Reminder, first) is not None  # a worker is sending it now
        assert reminders.deliver(reminder_id=first, on=MONDAY.date()) is False
        assert first not in reminders.stranded(on=MONDAY.date(), older_than=datetime.timedelta(0))
    later = MONDAY + datetime.timedelta(minutes=settings.DELIVERY_CLAIM_LEASE_MINUTES + 1)
    with time_machine.travel(later, tick=False):
        assert first in reminders.stranded(on=MONDAY.date())  # that worker died: the sweep takes it
        assert reminders.deliver(reminder_id=first, on=MONDAY.date()) is True
    row = Reminder.objects.get(pk=first)
    assert (row.status, row.attempts) == (Reminder.Status.SENT, 2)
    assert len(mail.outbox) == 1


def test_a_batch_is_claimed_in_one_statement_and_each_mail_recorded_as_it_goes(
    week, unit, staff, other_unit, other_staff, smtp_server,
):
    """`send_reminders` claims its batch with one UPDATE and loads it with one query; a row another
    worker holds is left to it, a rejected recipient is recorded failed, the others are sent."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases.delivery import outbox

    smtp_server.rejected.add(other_staff.email)
    with time_machine.travel(MONDAY, tick=False):
        ids = reminders.plan_week(on=MONDAY.date()).reminder_ids
        held = Reminder.objects.get(pk__in=ids, recipient_email=other_unit.email).pk
    with time_machine.travel(MONDAY - datetime.timedelta(seconds=30), tick=False):
        assert outbox.claim(Reminder, held) is not None  # a live worker took this one half a minute ago
    with time_machine.travel(MONDAY, tick=False), CaptureQueriesContext(connection) as queries:
        sent = tasks.send_reminders(ids, MONDAY.date().isoformat())
    assert sent == 2
    claims = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "cases_reminder"')
              and '"attempts" = ' in q["sql"]]
    assert len(claims) == 1  # one claim for the whole batch
    rows = {r.recipient_email: r for r in Reminder.objects.filter(pk__in=ids)}
    assert rows[unit.email].status == rows[staff.email].status == Reminder.Status.SENT
    assert rows[other_staff.email].status == Reminder.Status.FAILED and "550" in rows[other_staff.email].error
    assert rows[other_unit.email].status == Reminder.Status.SENDING and rows[other_unit.email].attempts == 1
    assert sorted(to[0] for to, _ in smtp_server.delivered) == sorted([unit.email, staff.email])


def test_a_mail_is_rendered_with_the_parts_mail_shows_and_a_bot_message_with_its_summary(week, unit):
    from cases.delivery import Channel, parts_for
    from cases.reminders.rendering import render_reminder

    with time_machine.travel(MONDAY, tick=False):
        plan = reminders.plan_week(on=MONDAY.date())
        reminder = Reminder.objects.get(pk__in=plan.reminder_ids, recipient_email=unit.email)
        mailed = render_reminder(reminder, on=MONDAY.date(), parts=parts_for(Channel.EMAIL))
        posted = render_reminder(reminder, on=MONDAY.date(), parts=parts_for(Channel.WECOM))
        texted = render_reminder(reminder, on=MONDAY.date(), parts=parts_for(Channel.SMS))
        whole = render_reminder(reminder, on=MONDAY.date())
    assert mailed.subject == posted.subject == texted.subject == whole.subject
    assert (mailed.text, mailed.html) == (whole.text, whole.html) and mailed.summary == mailed.sms == ""
    assert posted.summary == whole.summary and posted.html == posted.sms == ""
    assert texted.sms == whole.sms and texted.text == texted.html == texted.summary == ""
    assert whole.text and whole.html and whole.summary and whole.sms
