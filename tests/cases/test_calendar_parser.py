"""The holiday notice parser: real 2023, 2025 and 2026 wording checked day by day against
chinese_calendar, the invented 2027 notice, variants of layout and punctuation, and errors."""

import datetime

import chinese_calendar
import pytest
from chinese_calendar import constants
from django.utils import translation

from cases.calendar.parser import NoticeParseError, parse_notice

from .holiday_notices import NOTICE_2023, NOTICE_2025, NOTICE_2026, NOTICE_2027

D = datetime.date
TITLE = "国务院办公厅关于2030年部分节假日安排的通知\n"


def _package_days(first, last):
    off = {d for d in constants.holidays if first <= d <= last}
    on = {d for d in constants.workdays if first <= d <= last}
    return off, on


@pytest.mark.parametrize("text, year, sections", [
    (NOTICE_2023, 2023, 6), (NOTICE_2025, 2025, 6), (NOTICE_2026, 2026, 7),
])
def test_real_notice_gives_exactly_the_days_of_chinese_calendar(text, year, sections):
    arrangement = parse_notice(text)
    assert arrangement.year == year and len(arrangement.sections) == sections
    assert arrangement.title == f"国务院办公厅关于{year}年部分节假日安排的通知"
    days = arrangement.days()
    off = {d for d, working, _ in days if not working}
    on = {d for d, working, _ in days if working}
    for day in off:
        assert chinese_calendar.is_holiday(day), day
    for day in on:
        assert chinese_calendar.is_workday(day) and day.weekday() >= 5, day
    # …and nothing the package has in that span is missing.
    assert (off, on) == _package_days(days[0][0], days[-1][0])


def test_2026_sections_in_detail():
    sections = {s.name: s for s in parse_notice(NOTICE_2026).sections}
    assert list(sections) == ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]
    spring = sections["春节"]
    assert spring.holidays == tuple(D(2026, 2, 15) + datetime.timedelta(days=i) for i in range(9))
    assert spring.workdays == (D(2026, 2, 14), D(2026, 2, 28))
    assert sections["元旦"].workdays == (D(2026, 1, 4),)


def test_combined_sections_and_dates_over_months_and_years():
    a2023 = {s.name: s for s in parse_notice(NOTICE_2023).sections}
    assert a2023["元旦"].holidays == (D(2022, 12, 31), D(2023, 1, 1), D(2023, 1, 2))
    assert a2023["中秋节、国庆节"].holidays[0] == D(2023, 9, 29)
    assert a2023["中秋节、国庆节"].holidays[-1] == D(2023, 10, 6)
    a2025 = {s.name: s for s in parse_notice(NOTICE_2025).sections}
    assert a2025["元旦"].holidays == (D(2025, 1, 1),)  # 放假1天，不调休
    assert a2025["端午节"].holidays == (D(2025, 5, 31), D(2025, 6, 1), D(2025, 6, 2))  # over a month end
    assert "国庆节、中秋节" in a2025


def test_invented_2027_notice():
    arrangement = parse_notice(NOTICE_2027)
    assert arrangement.year == 2027 and len(arrangement.sections) == 7
    on = [d for d, working, _ in arrangement.days() if working]
    assert on == [D(2027, 1, 31), D(2027, 2, 20), D(2027, 5, 8), D(2027, 9, 26), D(2027, 10, 9)]
    assert len([d for d, working, _ in arrangement.days() if not working]) == 3 + 9 + 3 + 5 + 1 + 1 + 7


def test_half_width_punctuation_full_width_digits_and_one_line_paste():
    squeezed = (NOTICE_2026.replace("\n", "").replace("：", ":").replace("，", ",").replace("（", "(")
                .replace("）", ")"))
    assert parse_notice(squeezed).days() == parse_notice(NOTICE_2026).days()
    wide = NOTICE_2026.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert parse_notice(wide).days() == parse_notice(NOTICE_2026).days()


def test_older_wording_with_the_weekend_and_work_days_on_their_own_line():
    # 2019's wording: 星期 for the weekday, 与周末连休, the working days on a line of their own.
    text = ("国务院办公厅关于2019年部分节假日安排的通知\n"
            "三、清明节：4月5日（星期五）放假，与周末连休。\n"
            "四、劳动节：5月1日（星期三）至4日（星期六）放假调休，共4天。\n"
            "4月28日（星期日）、5月5日（星期日）上班。\n")
    sections = {s.name: s for s in parse_notice(text).sections}
    assert sections["清明节"].holidays == (D(2019, 4, 5),)
    assert sections["劳动节"].holidays == tuple(D(2019, 5, d) for d in range(1, 5))
    assert sections["劳动节"].workdays == (D(2019, 4, 28), D(2019, 5, 5))


def test_work_days_listed_without_repeating_the_month():
    arrangement = parse_notice(TITLE + "一、春节：2月2日至8日放假调休，共7天。2月9日、10日上班。")
    assert arrangement.sections[0].workdays == (D(2030, 2, 9), D(2030, 2, 10))


@pytest.mark.parametrize("text, code", [
    ("", "empty"),
    ("一、元旦：1月1日放假1天。", "no_year"),
    (TITLE + "经国务院批准，现将安排通知如下。", "no_sections"),
    (TITLE + "一、植树节：3月12日放假，共1天。", "unknown_festival"),
    (TITLE + "一、元旦：1月1日放假。二、元旦：1月2日放假。", "duplicate_festival"),
    (TITLE + "一、春节：2月9日上班。", "no_holiday"),
    (TITLE + "一、春节：2月30日至3月2日放假。", "bad_date"),
    (TITLE + "一、春节：8日至10日放假。", "bad_date"),
    (TITLE + "一、春节：2月10日至2月8日放假。", "bad_range"),
    (TITLE + "一、元旦：1月1日（周一）放假1天。", "weekday"),
    (TITLE + "一、春节：2月2日至8日放假调休，共8天。", "count"),
    (TITLE + "一、春节：2月2日至8日放假调休，共7天。2月3日上班。", "conflict"),
    (TITLE + "一、春节：2月2日至8日放假调休，共7天。2月9日调休。", "unreadable"),
    (TITLE + "一、元旦：2035年1月1日放假1天。", "far"),
])
def test_bad_notice_is_refused_with_a_reason(text, code):
    with pytest.raises(NoticeParseError) as caught:
        parse_notice(text)
    assert caught.value.code == code
    assert caught.value.message


def test_error_message_is_in_the_interface_language():
    with pytest.raises(NoticeParseError) as caught:
        parse_notice(TITLE + "一、元旦：1月1日（周一）放假1天。")
    with translation.override("en"):
        assert "2030-01-01 is a Tuesday, not a Monday" in caught.value.message
    with translation.override("zh-hans"):
        assert "2030-01-01 是星期二，不是通知所写的星期一" in caught.value.message
