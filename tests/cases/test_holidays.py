import datetime
import logging

from cases.holidays import is_working_day, next_working_day


def test_national_day_is_not_a_working_day():
    assert not is_working_day(datetime.date(2025, 10, 1))


def test_adjusted_working_weekend_is_a_working_day():
    # 2025-09-28 was a Sunday worked in exchange for the National Day holiday (调休上班).
    assert is_working_day(datetime.date(2025, 9, 28))


def test_ordinary_weekday_is_its_own_next_working_day():
    assert next_working_day(datetime.date(2026, 3, 2)) == datetime.date(2026, 3, 2)


def test_next_working_day_skips_the_whole_national_day_week():
    assert next_working_day(datetime.date(2025, 10, 1)) == datetime.date(2025, 10, 9)


def test_spring_festival_monday_moves_to_the_tuesday_after_the_holiday():
    assert next_working_day(datetime.date(2026, 2, 16)) == datetime.date(2026, 2, 24)


def test_year_without_calendar_data_falls_back_to_weekdays_and_warns(caplog):
    with caplog.at_level(logging.WARNING, logger="cases.holidays"):
        assert next_working_day(datetime.date(2099, 1, 3)) == datetime.date(2099, 1, 5)  # Saturday → Monday
    assert "no data for 2099" in caplog.text
