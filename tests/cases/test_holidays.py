"""The one calendar: the office's table over chinese_calendar over Monday–Friday."""

import datetime
import logging

import pytest
from django.core.cache import cache

from cases import holidays
from cases.calendar.models import CalendarDay, CalendarYear
from cases.holidays import (
    add_working_days,
    is_working_day,
    next_working_day,
    working_days_between,
    year_is_known,
)

pytestmark = pytest.mark.django_db
D = datetime.date


def test_national_day_is_not_a_working_day():
    assert not is_working_day(D(2025, 10, 1))


def test_adjusted_working_weekend_is_a_working_day():
    # 2025-09-28 was a Sunday worked in exchange for the National Day holiday (调休上班).
    assert is_working_day(D(2025, 9, 28))


def test_ordinary_weekday_is_its_own_next_working_day():
    assert next_working_day(D(2026, 3, 2)) == D(2026, 3, 2)


def test_next_working_day_skips_the_whole_national_day_week():
    assert next_working_day(D(2025, 10, 1)) == D(2025, 10, 9)


def test_spring_festival_monday_moves_to_the_tuesday_after_the_holiday():
    assert next_working_day(D(2026, 2, 16)) == D(2026, 2, 24)


def test_year_without_calendar_data_falls_back_to_weekdays_and_warns(caplog):
    with caplog.at_level(logging.WARNING, logger="cases.holidays"):
        assert next_working_day(D(2099, 1, 3)) == D(2099, 1, 5)  # Saturday → Monday
    assert "No calendar data for 2099" in caplog.text
    assert not year_is_known(2099)


# --- The table wins ---------------------------------------------------------------------


def test_a_table_working_day_wins_over_a_package_holiday():
    assert not is_working_day(D(2026, 10, 5))
    CalendarDay.objects.create(date=D(2026, 10, 5), kind=CalendarDay.Kind.WORKDAY, name="国庆节")
    assert is_working_day(D(2026, 10, 5))


def test_a_table_holiday_wins_over_an_ordinary_weekday_and_leaves_the_neighbours_to_the_package():
    CalendarDay.objects.create(date=D(2026, 3, 4), kind=CalendarDay.Kind.HOLIDAY, name="本地假日")
    assert not is_working_day(D(2026, 3, 4))
    assert is_working_day(D(2026, 3, 3)) and is_working_day(D(2026, 3, 5))
    assert not is_working_day(D(2026, 10, 1))  # still the package's


def test_an_edited_or_deleted_row_is_seen_at_once():
    row = CalendarDay.objects.create(date=D(2027, 3, 3), kind=CalendarDay.Kind.HOLIDAY)
    assert not is_working_day(D(2027, 3, 3))
    row.kind = CalendarDay.Kind.WORKDAY
    row.save()
    assert is_working_day(D(2027, 3, 3))
    row.delete()
    CalendarDay.objects.create(date=D(2027, 3, 6), kind=CalendarDay.Kind.WORKDAY)  # a Saturday
    assert is_working_day(D(2027, 3, 6))
    CalendarDay.objects.filter(date=D(2027, 3, 6)).delete()
    assert not is_working_day(D(2027, 3, 6))


def test_saving_a_row_bumps_the_shared_version_other_processes_check():
    before = cache.get(holidays._VERSION_KEY)
    CalendarDay.objects.create(date=D(2027, 3, 3), kind=CalendarDay.Kind.HOLIDAY)
    assert cache.get(holidays._VERSION_KEY) != before


def test_a_complete_year_is_known_and_its_unlisted_days_are_monday_to_friday(caplog):
    assert not year_is_known(2027)
    CalendarYear.objects.create(year=2027, complete=True)
    assert year_is_known(2027) and year_is_known(2026)
    with caplog.at_level(logging.WARNING, logger="cases.holidays"):
        assert is_working_day(D(2027, 3, 3)) and not is_working_day(D(2027, 3, 6))
    assert caplog.text == ""


def test_a_year_marked_incomplete_is_not_known():
    CalendarYear.objects.create(year=2027, complete=False)
    assert not year_is_known(2027)


def test_a_whole_year_is_counted_with_two_queries(django_assert_max_num_queries):
    CalendarDay.objects.create(date=D(2027, 2, 8), kind=CalendarDay.Kind.HOLIDAY)
    with django_assert_max_num_queries(2):
        assert working_days_between(D(2026, 12, 31), D(2027, 12, 31)) == 260
        add_working_days(D(2027, 1, 1), 200)
        is_working_day(D(2027, 6, 1))


# --- Counting ------------------------------------------------------------------------------


def test_working_days_between_counts_after_the_start_up_to_the_end():
    # 2026: National Day 10-01…10-07, 10-08 and 10-09 worked, 10-10 an adjusted Saturday.
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 9)) == 2
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 11)) == 3
    assert working_days_between(D(2026, 10, 9), D(2026, 9, 30)) == -2
    assert working_days_between(D(2026, 3, 2), D(2026, 3, 2)) == 0


def test_add_working_days_skips_holidays_and_counts_adjusted_saturdays():
    assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)  # the adjusted working Saturday
    assert add_working_days(D(2026, 10, 8), -1) == D(2026, 9, 30)
    assert add_working_days(D(2026, 10, 3), 0) == D(2026, 10, 3)
    for n in (1, 5, 30):
        assert working_days_between(D(2026, 9, 25), add_working_days(D(2026, 9, 25), n)) == n
