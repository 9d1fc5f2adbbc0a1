"""Dates as notices write them, including the ones text extraction damaged.

Copying notices out of web pages loses characters: ``2019年8月10日至10月15日`` arrives as
``2019810日至1015``. Such a date is recovered only when exactly one reading is possible
(month 1-12, a day that exists, no part starting with 0); the caller reports the damage and
the reading, or that none was possible.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from notices.parser.labels import cn_to_int
from notices.parser.text import fold

_YEAR_MIN, _YEAR_MAX = 1949, 2100

_FULL = r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?"
_RE_FULL_END = re.compile(_FULL + r"\s*$")
_RE_DAMAGED_END = re.compile(r"(?<!\d)(\d{4})\s*年?\s*(\d{2,4})\s*日?\s*$")
_RE_FULL_START = re.compile(r"^\s*" + _FULL)
_RE_MONTH_DAY_START = re.compile(r"^\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?")
_RE_DAY_START = re.compile(r"^\s*(\d{1,2})\s*日")
_RE_DAMAGED_START = re.compile(r"^\s*(\d{2,4})\s*日?(?!\d)")
_RE_ANY_FULL = re.compile(_FULL)
_RE_ANY_DAMAGED = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{3,4})\s*日?(?![\d年月.%])")
_RE_ISO = re.compile(r"(?<!\d)(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")
_RE_CN_DATE = re.compile(
    r"([〇○零一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日"
)
_CN_DIGIT = {"〇": "0", "○": "0", "零": "0", "一": "1", "二": "2", "三": "3", "四": "4",
             "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}


@dataclass(slots=True, frozen=True)
class DateRead:
    """A date found in the text, with how it was read."""

    value: date | None
    raw: str
    damaged: bool = False
    # For damaged dates: every (month, day) reading the digits allow.
    readings: tuple[tuple[int, int], ...] = ()


@dataclass(slots=True, frozen=True)
class PeriodRead:
    start: DateRead
    end: DateRead
    span: tuple[int, int]


def make_date(year: int, month: int, day: int) -> date | None:
    if not (_YEAR_MIN <= year <= _YEAR_MAX and 1 <= month <= 12):
        return None
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, day)


def month_end(year: int, month: int) -> date | None:
    if not (_YEAR_MIN <= year <= _YEAR_MAX and 1 <= month <= 12):
        return None
    return date(year, month, calendar.monthrange(year, month)[1])


def compact_readings(year: int, digits: str) -> tuple[tuple[int, int], ...]:
    """Every valid (month, day) split of digits that lost their 月 and 日."""
    readings = []
    for cut in range(1, len(digits)):
        month_part, day_part = digits[:cut], digits[cut:]
        if month_part.startswith("0") or day_part.startswith("0") or len(month_part) > 2 or len(day_part) > 2:
            continue
        if make_date(year, int(month_part), int(day_part)) is not None:
            readings.append((int(month_part), int(day_part)))
    return tuple(readings)


def _damaged(year: int, digits: str, raw: str) -> DateRead:
    readings = compact_readings(year, digits)
    value = make_date(year, *readings[0]) if len(readings) == 1 else None
    return DateRead(value, raw, damaged=True, readings=readings)


def read_date_line(line: str) -> DateRead | None:
    """A line that is nothing but a date, as under a signature (damaged forms included)."""
    text = fold(line).strip()
    if len(text) > 24:
        return None
    cn = _RE_CN_DATE.fullmatch(text)
    if cn:
        return _from_cn(cn.group(0), cn.group(1), cn.group(2), cn.group(3))
    match = re.fullmatch(_FULL, text)
    if match:
        return DateRead(make_date(*map(int, match.groups())), line.strip())
    match = re.fullmatch(r"(\d{4})\s*年?\s*(\d{2,4})\s*日?", text)
    if match and _YEAR_MIN <= int(match.group(1)) <= _YEAR_MAX:
        return _damaged(int(match.group(1)), match.group(2), line.strip())
    return None


def trailing_date(text: str) -> tuple[str, DateRead] | None:
    """Split ``"中共雷州市委 2021年11月22日"`` into the name and its date."""
    folded = fold(text)
    match = _RE_FULL_END.search(folded)
    if match and match.start() > 0:
        read = DateRead(make_date(*map(int, match.groups())), text[match.start():].strip())
        return text[: match.start()].strip(), read
    return None


def find_any_date(text: str) -> DateRead | None:
    """The first well-formed date in ``text`` (年月日, ISO or Chinese numerals)."""
    folded = fold(text)
    candidates = []
    for pattern in (_RE_ISO, _RE_ANY_FULL):
        match = pattern.search(folded)
        if match:
            value = make_date(*map(int, match.groups()[:3]))
            candidates.append((match.start(), DateRead(value, text[match.start():match.end()])))
    cn = _RE_CN_DATE.search(folded)
    if cn:
        candidates.append((cn.start(), _from_cn(cn.group(0), cn.group(1), cn.group(2), cn.group(3))))
    valid = [(pos, read) for pos, read in candidates if read.value is not None]
    return min(valid, key=lambda item: item[0])[1] if valid else None


def find_period(text: str, anchor: int = 0) -> PeriodRead | None:
    """The ``…至…`` period nearest to ``anchor`` (the inspection period of an intro)."""
    folded = fold(text)
    best: PeriodRead | None = None
    for match in re.finditer("至", folded):
        period = _period_at(text, folded, match.start())
        if period is None:
            continue
        if best is None or abs(period.span[0] - anchor) < abs(best.span[0] - anchor):
            best = period
    return best


def _period_at(text: str, folded: str, pos: int) -> PeriodRead | None:
    before = folded[max(0, pos - 20):pos]
    offset = max(0, pos - 20)
    start_match = _RE_FULL_END.search(before)
    if start_match:
        year, month, day = map(int, start_match.groups())
        start = DateRead(make_date(year, month, day), text[offset + start_match.start():pos])
    else:
        start_match = _RE_DAMAGED_END.search(before)
        if start_match is None or not _YEAR_MIN <= int(start_match.group(1)) <= _YEAR_MAX:
            return None
        year = int(start_match.group(1))
        start = _damaged(year, start_match.group(2), text[offset + start_match.start():pos])
    after = folded[pos + 1:pos + 21]
    end, length = _period_end(year, start, after, text[pos + 1:pos + 21])
    if end is None:
        return None
    return PeriodRead(start, end, (offset + start_match.start(), pos + 1 + length))


def _period_end(year: int, start: DateRead, after: str, original: str) -> tuple[DateRead | None, int]:
    match = _RE_FULL_START.match(after)
    if match:
        return DateRead(make_date(*map(int, match.groups())), original[: match.end()].strip()), match.end()
    match = _RE_MONTH_DAY_START.match(after)
    if match:
        month, day = map(int, match.groups())
        return DateRead(_after_start(year, month, day, start), original[: match.end()].strip()), match.end()
    match = _RE_DAY_START.match(after)
    if match and start.value is not None:
        day = int(match.group(1))
        return DateRead(make_date(year, start.value.month, day), original[: match.end()].strip()), match.end()
    match = _RE_DAMAGED_START.match(after)
    if match:
        readings = compact_readings(year, match.group(1))
        value = None
        if len(readings) == 1:
            value = _after_start(year, *readings[0], start)
        return DateRead(value, original[: match.end()].strip(), damaged=True, readings=readings), match.end()
    return None, 0


def _after_start(year: int, month: int, day: int, start: DateRead) -> date | None:
    """An end date written without its year: the start's year, or the next if it would precede it."""
    value = make_date(year, month, day)
    if value is not None and start.value is not None and value < start.value:
        value = make_date(year + 1, month, day)
    return value


def last_date_before(
    text: str, end: int, *, window: int = 60, skip: tuple[int, int] | None = None
) -> DateRead | None:
    """The last date (well-formed or damaged) ending before ``end`` within ``window`` characters."""
    start = max(0, end - window)
    folded = fold(text[start:end])
    found: list[tuple[int, DateRead]] = []
    for match in _RE_ANY_FULL.finditer(folded):
        raw = text[start + match.start():start + match.end()]
        found.append((match.start(), DateRead(make_date(*map(int, match.groups())), raw)))
    for match in _RE_ANY_DAMAGED.finditer(folded):
        raw = text[start + match.start():start + match.end()]
        found.append((match.start(), _damaged(int(match.group(1)), match.group(2), raw)))
    if skip is not None:
        found = [(pos, read) for pos, read in found if not skip[0] <= start + pos < skip[1]]
    if not found:
        return None
    return max(found, key=lambda item: item[0])[1]


def _from_cn(raw: str, year: str, month: str, day: str) -> DateRead:
    year_digits = "".join(_CN_DIGIT.get(ch, "") for ch in year)
    month_value, day_value = cn_to_int(month), cn_to_int(day)
    if len(year_digits) != 4 or month_value is None or day_value is None:
        return DateRead(None, raw)
    return DateRead(make_date(int(year_digits), month_value, day_value), raw)
