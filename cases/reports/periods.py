"""Report periods: a calendar week (Monday to Sunday) or a calendar month."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

WEEK, MONTH = "week", "month"
KINDS = {WEEK: _("Weekly summary (周汇总)"), MONTH: _("Monthly review (月调度)")}


@dataclass(frozen=True)
class Period:
    kind: str
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        return period_of(self.kind, self.start - datetime.timedelta(days=1))

    @property
    def display(self) -> str:
        """The period in the interface language (pages); `label` is the documents' Chinese."""
        from django.utils.formats import date_format
        from django.utils.translation import gettext

        if self.kind == MONTH:
            return date_format(self.start, "YEAR_MONTH_FORMAT")
        return gettext("%(start)s to %(end)s") % {"start": date_format(self.start, "Y-m-d"),
                                                  "end": date_format(self.end, "Y-m-d")}

    @property
    def label(self) -> str:
        if self.kind == MONTH:
            return f"{self.start.year}年{self.start.month}月"
        return f"{self.start:%Y年%m月%d日}—{self.end:%m月%d日}".replace("年0", "年").replace("月0", "月").replace(
            "—0", "—")


def period_of(kind: str, day: datetime.date) -> Period:
    """The week or month holding `day`."""
    if kind == MONTH:
        start = day.replace(day=1)
        nxt = (start + datetime.timedelta(days=32)).replace(day=1)
        return Period(MONTH, start, nxt - datetime.timedelta(days=1))
    start = day - datetime.timedelta(days=day.weekday())
    return Period(WEEK, start, start + datetime.timedelta(days=6))


def last_complete(kind: str, today: datetime.date) -> Period:
    """The last week or month that has ended by `today` (the default report)."""
    return period_of(kind, today).previous()


def parse(kind: str | None, start: str | None, today: datetime.date) -> Period:
    """The period a URL asks for; raises ValueError with a message for bad input."""
    kind = kind or WEEK
    if kind not in KINDS:
        raise ValueError(_("Choose a weekly or a monthly report."))
    if not start:
        return last_complete(kind, today)
    try:
        day = datetime.date.fromisoformat(start)
    except ValueError:
        raise ValueError(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": start}) from None
    period = period_of(kind, day)
    if period.start > today:
        raise ValueError(_("The period has not begun yet."))
    return period
