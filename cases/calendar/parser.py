"""Parse the State Council's yearly notice 国务院办公厅关于YYYY年部分节假日安排的通知.

Pure Python: text in, `Arrangement` out, no database. The notice is short and regular::

    国务院办公厅关于2026年部分节假日安排的通知
    一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。
    2月14日（周六）、2月28日（周六）上班。
    六、中秋节、国庆节：9月29日至10月6日放假调休，共8天。10月7日（星期六）、10月8日（星期日）上班。

Each numbered section names one or more festivals and holds sentences of two kinds: a
date or range followed by 放假 (…调休 / …与周末连休 / 放假1天，不调休), with an optional
declared count 共N天; and a list of dates followed by 上班. A date may carry its year
(2022年12月31日) and omit its month when it repeats the previous one (至3日). Weekday
annotations (周四, 星期六) are checked against the calendar, and a declared count against
the range, so a typo is refused instead of imported.
"""

from __future__ import annotations

import dataclasses
import datetime
import re

from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

FESTIVALS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")

_MESSAGES = {
    "empty": _("The text is empty: paste the whole notice, with its title."),
    "no_year": _("The title with the year (国务院办公厅关于YYYY年部分节假日安排的通知) was not found."),
    "no_sections": _("No numbered section (一、元旦：…) was found."),
    "unknown_festival": _("Section “%(section)s”: “%(name)s” is not a public holiday."),
    "duplicate_festival": _("“%(name)s” appears in two sections."),
    "no_holiday": _("Section “%(section)s” states no days off (…放假)."),
    "bad_date": _("Section “%(section)s”: “%(text)s” is not a date."),
    "bad_range": _("Section “%(section)s”: the range “%(text)s” ends before it starts."),
    "weekday": _("Section “%(section)s”: %(date)s is a %(actual)s, not a %(stated)s as the notice says."),
    "count": _("Section “%(section)s”: %(first)s to %(last)s is %(days)d days, but the notice says %(declared)d."),
    "unreadable": _("Section “%(section)s”: cannot read “%(text)s”."),
    "conflict": _("%(date)s is both a day off and a working day."),
    "far": _("Section “%(section)s”: %(date)s is not in %(year)d or next to it."),
    "incomplete": _("The notice does not arrange %(names)s: was it pasted in full? Importing marks the year "
                    "complete, so every public holiday must be in it."),
}


class NoticeParseError(ValueError):
    """The text cannot be read as a notice; `message` is in the active language."""

    def __init__(self, code: str, **params):
        self.code, self.params = code, params
        super().__init__(code)

    @property
    def message(self) -> str:
        params = dict(self.params)
        for key in ("actual", "stated"):  # weekday numbers, named in the active language
            if key in params:
                params[key] = WEEKDAYS[params[key]]
        return str(_MESSAGES[self.code]) % params

    def __str__(self) -> str:
        return self.message


@dataclasses.dataclass(frozen=True)
class Section:
    """One numbered section: its festival(s), days off and adjusted working days."""

    name: str  # as written: 春节, or 中秋节、国庆节
    holidays: tuple[datetime.date, ...]
    workdays: tuple[datetime.date, ...]


@dataclasses.dataclass(frozen=True)
class Arrangement:
    year: int
    title: str
    sections: tuple[Section, ...]

    def days(self) -> list[tuple[datetime.date, bool, str]]:
        """Every day the notice names, in date order: (date, is a working day, section name)."""
        rows = [(d, False, s.name) for s in self.sections for d in s.holidays]
        rows += [(d, True, s.name) for s in self.sections for d in s.workdays]
        return sorted(rows)


# --- Normalising ------------------------------------------------------------------------

_WIDTH = str.maketrans({
    **{chr(0xFF10 + i): str(i) for i in range(10)},  # ０-９
    "（": "(", "）": ")", "：": ":", "，": ",", "；": ";", "．": ".", "－": "-", "～": "~", "　": " ",
    "〔": "[", "〕": "]", "【": "[", "】": "]",
})
_ORDINAL = "一二三四五六七八九十"
_WEEKDAYS = "一二三四五六日"
_TITLE = re.compile(r"关于\s*(\d{4})\s*年\s*部分节假日安排的通知")
_HEADING = re.compile(rf"(?:^|(?<=[\s。.]))([{_ORDINAL}]+)[、.]\s*([^:\n。]{{1,20}}?)\s*:")
_DATE = re.compile(r"(?:(\d{4})\s*年\s*)?(?:(\d{1,2})\s*月\s*)?(\d{1,2})\s*日(?:\s*\(([^)]*)\))?")
# The notice ends with the issuer and the date it was issued: not an arrangement.
_SIGNATURE = re.compile(r"^(?:国务院办公厅)?\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")
_RANGE_SEP = re.compile(r"^\s*(?:至|到|-|—|–|~)\s*$")


def _normalise(text: str) -> str:
    text = text.translate(_WIDTH).replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    # "星期六" and "周六" mean the same; "礼拜" rarely appears but costs nothing.
    return re.sub(r"(?:星期|礼拜)(?=[一二三四五六日天])", "周", text)


# --- Parsing -------------------------------------------------------------------------------


def parse_notice(text: str) -> Arrangement:
    """The arrangement in `text`, or NoticeParseError saying what is wrong with it."""
    text = _normalise(text or "").strip()
    if not text:
        raise NoticeParseError("empty")
    title_match = _TITLE.search(text)
    if not title_match:
        raise NoticeParseError("no_year")
    year = int(title_match.group(1))
    title = f"国务院办公厅关于{year}年部分节假日安排的通知"
    headings = list(_HEADING.finditer(text, title_match.end()))
    if not headings:
        raise NoticeParseError("no_sections")
    sections, seen = [], set()
    for index, heading in enumerate(headings):
        name = re.sub(r"\s+", "", heading.group(2))
        festivals = [n for n in re.split(r"[、,和与及]", name) if n]
        for festival in festivals:
            if festival not in FESTIVALS:
                raise NoticeParseError("unknown_festival", section=name, name=festival)
            if festival in seen:
                raise NoticeParseError("duplicate_festival", name=festival)
            seen.add(festival)
        end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
        body = text[heading.end():end]
        # The closing part of the notice (各地区、各部门要妥善安排…) follows the last section
        # after a blank line or the paragraph that starts without a date.
        body = _cut_trailer(body)
        sections.append(_parse_section(name, body, year))
    _check_conflicts(sections)
    return Arrangement(year=year, title=title, sections=tuple(sections))


def parse_complete_notice(text: str) -> Arrangement:
    """`parse_notice`, refusing a notice that leaves out a public holiday.

    Importing marks the year complete (every special day is a row), so a notice cut short in the
    copying — 元旦 only, say — must not be taken for the whole year's arrangement."""
    arrangement = parse_notice(text)
    named = {festival for section in arrangement.sections for festival in re.split(r"[、,和与及]", section.name)}
    missing = [festival for festival in FESTIVALS if festival not in named]
    if missing:
        raise NoticeParseError("incomplete", names="、".join(missing))
    return arrangement


def _cut_trailer(body: str) -> str:
    paragraphs = re.split(r"\n\s*\n|\n(?=\S)", body.strip())
    kept = [paragraphs[0]]
    for paragraph in paragraphs[1:]:
        if not _DATE.match(paragraph.strip()):
            break
        kept.append(paragraph)
    return " ".join(kept)


def _parse_section(name: str, body: str, year: int) -> Section:
    holidays: list[datetime.date] = []
    workdays: list[datetime.date] = []
    for sentence in re.split(r"[。;]", body):
        sentence = sentence.strip().strip(",")
        if not sentence:
            continue
        if "放假" in sentence:
            holidays.extend(_days_off(name, sentence, year))
        elif re.search(r"上班\s*$", sentence):
            workdays.extend(_working_days(name, sentence, year))
        elif _DATE.search(sentence) and not _SIGNATURE.match(sentence):
            raise NoticeParseError("unreadable", section=name, text=sentence)
    if not holidays:
        raise NoticeParseError("no_holiday", section=name)
    return Section(name=name, holidays=tuple(sorted(set(holidays))), workdays=tuple(sorted(set(workdays))))


def _dates(name: str, text: str, year: int) -> list[tuple[datetime.date, re.Match]]:
    """The dates in `text`, a missing year or month carried from the previous date."""
    found, current_year, current_month = [], year, None
    for match in _DATE.finditer(text):
        y, m, d, note = match.groups()
        if y:
            current_year = int(y)
        if m:
            current_month = int(m)
        if current_month is None:
            raise NoticeParseError("bad_date", section=name, text=match.group(0))
        try:
            day = datetime.date(current_year, current_month, int(d))
        except ValueError:
            raise NoticeParseError("bad_date", section=name, text=match.group(0)) from None
        if abs(day.year - year) > 1:
            raise NoticeParseError("far", section=name, date=day.isoformat(), year=year)
        weekday = re.search(r"周([一二三四五六日天])", note or "")
        if weekday:
            stated = _WEEKDAYS.index(weekday.group(1).replace("天", "日"))
            if stated != day.weekday():
                raise NoticeParseError("weekday", section=name, date=day.isoformat(),
                                       actual=day.weekday(), stated=stated)
        found.append((day, match))
    return found


def _days_off(name: str, sentence: str, year: int) -> list[datetime.date]:
    head, _sep, tail = sentence.partition("放假")
    dates = _dates(name, head, year)
    if not dates or len(dates) > 2:
        raise NoticeParseError("unreadable", section=name, text=sentence)
    first = dates[0][0]
    last = first
    if len(dates) == 2:
        between = head[dates[0][1].end():dates[1][1].start()]
        if not _RANGE_SEP.match(between):
            raise NoticeParseError("unreadable", section=name, text=sentence)
        last = dates[1][0]
        if last < first:
            raise NoticeParseError("bad_range", section=name, text=head.strip())
    days = [first + datetime.timedelta(days=i) for i in range((last - first).days + 1)]
    count = re.search(r"(?:共|放假)\s*(\d+)\s*天", tail) or re.search(r"^\s*(\d+)\s*天", tail)
    if count and int(count.group(1)) != len(days):
        raise NoticeParseError("count", section=name, first=first.isoformat(), last=last.isoformat(),
                               days=len(days), declared=int(count.group(1)))
    return days


def _working_days(name: str, sentence: str, year: int) -> list[datetime.date]:
    dates = _dates(name, sentence, year)
    if not dates:
        raise NoticeParseError("unreadable", section=name, text=sentence)
    leftover = _DATE.sub("", sentence)
    if re.sub(r"[\s、,和及]|上班", "", leftover):
        raise NoticeParseError("unreadable", section=name, text=sentence)
    return [day for day, _match in dates]


def _check_conflicts(sections: list[Section]) -> None:
    off = {d for s in sections for d in s.holidays}
    for section in sections:
        for day in section.workdays:
            if day in off:
                raise NoticeParseError("conflict", date=day.isoformat())
