"""The date rules of look-backs, and which rule applies to a case.

- A 立行立改 / 限期整改 item is looked back at N months after its sign-off; a due date that is
  not a working day moves to the next working day (`cases.holidays`).
- A 长期坚持 item reports every period (week, month, quarter); the period that has ended
  without an entry counts as lagging.

The rule for a kind of item in a case: the case's own, else its organisation's, else the
nearest organisation above it that has one, else `DEFAULTS`.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from cases import holidays

from .models import LookbackPolicy, Period

KINDS = ("immediate", "by_deadline", "long_term")


@dataclass(frozen=True)
class Rule:
    months: int | None = None
    period: str = ""
    source: str = "default"  # "default", "organisation" or "case": where the rule was set


DEFAULTS = {
    "immediate": Rule(months=3),
    "by_deadline": Rule(months=6),
    "long_term": Rule(period=Period.MONTH),
}


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_after_completion(completed_on: datetime.date, months: int) -> datetime.date:
    """The look-back date: `months` after sign-off, on a working day."""
    return holidays.next_working_day(add_months(completed_on, months))


def period_bounds(period: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """First and last day of the reporting period holding `day`."""
    if period == Period.WEEK:
        start = day - datetime.timedelta(days=day.weekday())
        return start, start + datetime.timedelta(days=6)
    if period == Period.QUARTER:
        first_month = 3 * ((day.month - 1) // 3) + 1
        start = datetime.date(day.year, first_month, 1)
    else:
        start = day.replace(day=1)
    end = add_months(start, 3 if period == Period.QUARTER else 1) - datetime.timedelta(days=1)
    return start, end


def previous_period(period: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    start, _end = period_bounds(period, day)
    return period_bounds(period, start - datetime.timedelta(days=1))


def period_due(period: str, day: datetime.date) -> datetime.date:
    """The last working day of the period holding `day`: when its entry is due."""
    start, end = period_bounds(period, day)
    while end > start and not holidays.is_working_day(end):
        end -= datetime.timedelta(days=1)
    return end


class Resolver:
    """The rules of many cases from one read of the policies (they are few: a handful per office)."""

    def __init__(self):
        from accounts.models import Organisation

        self._org_paths = dict(Organisation.objects.values_list("pk", "path"))
        self._by_org: dict[int, dict[str, Rule]] = {}
        self._by_case: dict[int, dict[str, Rule]] = {}
        for p in LookbackPolicy.objects.all():
            rule = Rule(months=p.months_after_completion, period=p.period,
                        source="case" if p.case_id else "organisation")
            target = self._by_case.setdefault(p.case_id, {}) if p.case_id else self._by_org.setdefault(
                p.organisation_id, {})
            target[p.kind] = rule

    def rule(self, *, case_id: int, organisation_id: int, kind: str) -> Rule:
        own = self._by_case.get(case_id, {}).get(kind)
        if own:
            return own
        path = self._org_paths.get(organisation_id, "")
        for org_id in reversed([int(p) for p in path.strip("/").split("/") if p]):
            found = self._by_org.get(org_id, {}).get(kind)
            if found:
                return found
        return DEFAULTS[kind]

    def rules_of(self, case) -> dict[str, Rule]:
        return {k: self.rule(case_id=case.pk, organisation_id=case.organisation_id, kind=k) for k in KINDS}

    def long_term_periods(self, cases) -> dict[str, list[int]]:
        """Case ids grouped by the reporting period of their 长期坚持 items."""
        groups: dict[str, list[int]] = {}
        for case_id, organisation_id in cases:
            period = self.rule(case_id=case_id, organisation_id=organisation_id, kind="long_term").period
            groups.setdefault(period, []).append(case_id)
        return groups
