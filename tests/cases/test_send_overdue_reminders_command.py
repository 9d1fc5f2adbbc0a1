"""`manage.py send_overdue_reminders`: the weekly job by hand."""

import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from cases.models import Reminder
from tests import factories

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(datetime.datetime(2026, 3, 4, 15, 0, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.fixture
def overdue(unit, staff):
    return factories.MeasureFactory(lead_unit=unit, deadline=datetime.date(2026, 3, 1))


def run(*args) -> str:
    out = io.StringIO()
    call_command("send_overdue_reminders", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_dry_run_prints_who_would_get_what_and_sends_nothing(overdue, unit, staff):
    output = run("--dry-run")

    assert "试运行,不记录、不发送:2026-03-02 当周的提醒,统计截至 2026-03-04" in output
    assert f"单位周提醒 · 已逾期 · 1 项 · {unit.email}" in output
    assert f"单位周提醒 · 已逾期 · 1 项 · {staff.email}" in output
    assert not Reminder.objects.exists()
    assert mail.outbox == []


def test_a_date_that_is_not_a_date_is_refused_in_chinese(db):
    with pytest.raises(CommandError, match="“2026-13-01”不是有效日期:请按 YYYY-MM-DD 格式填写"):
        run("--date", "2026-13-01")


def test_date_option_reports_as_of_that_day_for_its_week(overdue, staff):
    run("--date", "2026-03-10", "--sync")

    reminder = Reminder.objects.get(recipient_email=staff.email)
    assert reminder.period == datetime.date(2026, 3, 9)
    assert "[已逾期 9 天]" in mail.outbox[0].body or "[已逾期 9 天]" in mail.outbox[1].body


def test_sync_run_sends_and_a_second_run_sends_nothing_new(overdue):
    first = run("--sync")
    second = run("--sync")

    assert "新增提醒 2 条" in first and "已发送 2 条,失败 0 条。" in first
    assert "新增提醒 0 条;2 位收件人本周已有提醒,不再重复发送。" in second
    assert len(mail.outbox) == 2


def test_retry_failed_sends_the_weeks_failed_reminders_again(overdue, staff, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens on the discard port
    run("--sync")
    assert Reminder.objects.filter(status=Reminder.Status.FAILED).count() == 2

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert "已发送 0 条" in run("--sync")
    output = run("--sync", "--retry-failed")

    assert "已发送 2 条,失败 0 条。" in output
    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.SENT}
    assert len(mail.outbox) == 2


def test_default_run_queues_the_sends_for_the_worker(overdue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        output = run()

    assert "已将 2 条提醒交给后台任务(Celery worker)发送。" in output
    assert len(mail.outbox) == 2
