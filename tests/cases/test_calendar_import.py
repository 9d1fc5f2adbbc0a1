"""A notice into the table (cases.calendar.importer and `import_holiday_notice`), and what the
reminders then do across the 2027 holiday season it enters."""

import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django_celery_beat.models import PeriodicTask

from cases import holidays, reminders, tasks
from cases.calendar import importer
from cases.calendar.models import CalendarDay, CalendarYear, Source
from cases.calendar.parser import parse_notice
from cases.models import Reminder
from tests import factories

from .holiday_notices import NOTICE_2026, NOTICE_2027

pytestmark = pytest.mark.django_db
D = datetime.date
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_import_writes_every_day_and_marks_the_year_complete(supervisor):
    result = importer.apply(parse_notice(NOTICE_2027), user=supervisor)
    assert result.count("new") == CalendarDay.objects.count() == 29 + 5
    spring = CalendarDay.objects.get(date=D(2027, 2, 8))
    assert (spring.kind, spring.name, spring.source) == ("holiday", "春节", Source.NOTICE)
    assert spring.entered_by == supervisor
    assert CalendarDay.objects.get(date=D(2027, 2, 20)).kind == "workday"
    year = CalendarYear.objects.get(year=2027)
    assert year.complete and year.notice_title == "国务院办公厅关于2027年部分节假日安排的通知"
    assert holidays.year_is_known(2027)


def test_importing_the_same_notice_again_changes_nothing():
    importer.apply(parse_notice(NOTICE_2027))
    stamps = list(CalendarDay.objects.values_list("pk", "entered_at"))
    again = importer.apply(parse_notice(NOTICE_2027))
    assert again.changes == 0 and again.count("same") == 34
    assert list(CalendarDay.objects.values_list("pk", "entered_at")) == stamps


def test_a_corrected_notice_replaces_the_earlier_import_but_keeps_hand_entered_days():
    importer.apply(parse_notice(NOTICE_2027))
    CalendarDay.objects.create(date=D(2027, 3, 8), kind="holiday", name="本地假日")  # by hand
    corrected = NOTICE_2027.replace("5月8日（周六）上班", "5月9日（周日）上班")
    plan = importer.plan(parse_notice(corrected))
    assert [(r.date, r.action) for r in plan.rows if r.action != "same"] == [
        (D(2027, 5, 8), "removed"), (D(2027, 5, 9), "new")]
    importer.apply(parse_notice(corrected))
    assert not CalendarDay.objects.filter(date=D(2027, 5, 8)).exists()
    assert holidays.is_working_day(D(2027, 5, 9)) and not holidays.is_working_day(D(2027, 5, 8))
    assert not holidays.is_working_day(D(2027, 3, 8))


def test_the_notice_overrides_a_hand_entered_row_of_the_same_date():
    CalendarDay.objects.create(date=D(2027, 2, 8), kind="workday", name="")
    plan = importer.plan(parse_notice(NOTICE_2027))
    assert next(r for r in plan.rows if r.date == D(2027, 2, 8)).action == "changed"
    importer.apply(parse_notice(NOTICE_2027))
    assert not holidays.is_working_day(D(2027, 2, 8))


def test_importing_a_year_the_package_knows_agrees_with_it():
    before = {D(2026, 1, 1) + datetime.timedelta(days=i): None for i in range(365)}
    before = {day: holidays.is_working_day(day) for day in before}
    importer.apply(parse_notice(NOTICE_2026))
    assert {day: holidays.is_working_day(day) for day in before} == before


# --- The management command ----------------------------------------------------------------


def test_command_dry_run_prints_the_days_and_writes_nothing(tmp_path):
    notice = tmp_path / "2027.txt"
    notice.write_text(NOTICE_2027, encoding="utf-8")
    out = io.StringIO()
    call_command("import_holiday_notice", str(notice), "--dry-run", stdout=out)
    assert "+ 2027-02-20 上班日 春节" in out.getvalue()
    assert "试运行" in out.getvalue()
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()


def test_command_imports_and_a_second_run_changes_nothing(tmp_path):
    notice = tmp_path / "2027.txt"
    notice.write_text(NOTICE_2027, encoding="utf-8")
    call_command("import_holiday_notice", str(notice), stdout=io.StringIO())
    assert CalendarDay.objects.count() == 34
    out = io.StringIO()
    call_command("import_holiday_notice", str(notice), stdout=out)
    assert "新增 0 天" in out.getvalue() and CalendarDay.objects.count() == 34


def test_command_refuses_a_bad_notice_and_writes_nothing(tmp_path):
    notice = tmp_path / "bad.txt"
    notice.write_text(NOTICE_2027.replace("共9天", "共8天"), encoding="utf-8")
    with pytest.raises(CommandError, match=r"未导入.*共 8 天"):
        call_command("import_holiday_notice", str(notice), stdout=io.StringIO())
    assert not CalendarDay.objects.exists()
    with pytest.raises(CommandError, match="无法读取"):
        call_command("import_holiday_notice", str(tmp_path / "missing.txt"))


# --- Reminders over the 2027 season -----------------------------------------------------


@pytest.fixture
def overdue_items(unit, staff):
    with time_machine.travel(datetime.datetime(2027, 1, 25, 9, tzinfo=SHANGHAI), tick=False):
        factories.MeasureFactory(lead_unit=unit, deadline=D(2027, 1, 20))


def test_before_the_import_2027_holidays_are_taken_as_working_days(overdue_items, django_capture_on_commit_callbacks):
    with time_machine.travel(datetime.datetime(2027, 2, 8, 9, tzinfo=SHANGHAI), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        result = tasks.run_weekly_reminders()
    assert result["period"] == "2027-02-08"


def test_after_the_import_the_weekly_job_defers_past_the_spring_festival(overdue_items):
    importer.apply(parse_notice(NOTICE_2027))
    with time_machine.travel(datetime.datetime(2027, 2, 8, 9, tzinfo=SHANGHAI), tick=False):
        result = tasks.run_weekly_reminders()
    # 2-05…2-13 off, 2-14 an ordinary Sunday: Monday 2-15 is the first working day.
    assert result == {"deferred_to": "2027-02-15T09:00:00+08:00"}
    assert not Reminder.objects.exists()
    deferred = PeriodicTask.objects.get(name__startswith=reminders.DEFERRED_TASK_PREFIX)
    assert deferred.clocked.clocked_time == datetime.datetime(2027, 2, 15, 9, tzinfo=SHANGHAI)


def test_an_adjusted_working_saturday_counts_for_the_weekly_job(overdue_items, django_capture_on_commit_callbacks):
    importer.apply(parse_notice(NOTICE_2027))
    with time_machine.travel(datetime.datetime(2027, 2, 20, 9, tzinfo=SHANGHAI), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        result = tasks.run_weekly_reminders()  # Saturday 2-20 is worked (调休上班): it runs
    assert result["period"] == "2027-02-15" and result["queued"] >= 1
    assert holidays.working_days_between(D(2027, 2, 4), D(2027, 2, 20)) == 6  # 2-15…2-19 and the Saturday 2-20


# --- The demo -----------------------------------------------------------------------------


def test_demo_enters_the_invented_2027_marked_as_such_and_the_real_notice_replaces_it():
    from cases.calendar.demo import DEMO_LABEL, load_demo_calendar

    assert load_demo_calendar() and not load_demo_calendar()
    assert holidays.year_is_known(2027) and not holidays.is_working_day(D(2027, 2, 8))
    assert CalendarYear.objects.get(year=2027).notice_title.endswith(DEMO_LABEL)
    assert set(CalendarDay.objects.values_list("notice_title", flat=True)) == {
        "国务院办公厅关于2027年部分节假日安排的通知" + DEMO_LABEL}
    real = NOTICE_2027.replace("5月8日（周六）上班", "5月9日（周日）上班")  # stands in for the real one
    importer.apply(parse_notice(real))
    assert not CalendarDay.objects.filter(notice_title__endswith=DEMO_LABEL).exists()
    assert not CalendarYear.objects.get(year=2027).notice_title.endswith(DEMO_LABEL)
