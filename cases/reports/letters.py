"""The urging ladder's letters (督办函) in the report.

The letters themselves (number, level, 签收, reply) are being built as a package of their own
(`cases.reminders` as a package with a delivery interface). Until it lands, the report shows
the rung the weekly reminders already record: the escalations (督办) of the period, per unit.
When the letters land, `letters_of` is the one place to read them from.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from cases.models import Reminder

from .periods import Period


@dataclass
class LadderRow:
    unit_id: int | None
    unit: str
    escalations: int
    items: int


def letters_of(measures, period: Period):
    """The letters (督办函) sent in the period about these measures; None while the letters are not
    part of Rectify (see the module docstring)."""
    return None


def escalations_of(measures, period: Period) -> list[LadderRow]:
    """Escalation reminders (督办) of the weeks in the period that list these measures, per unit."""
    rows = (
        Reminder.objects.filter(kind=Reminder.Kind.ESCALATION, period__gte=period.start, period__lte=period.end,
                                measures__in=measures.order_by().values("pk"))
        .order_by().values("measures__lead_unit", "measures__lead_unit__name")
        .annotate(escalations=Count("pk", distinct=True), items=Count("measures", distinct=True))
    )
    return sorted((LadderRow(r["measures__lead_unit"], r["measures__lead_unit__name"] or "", r["escalations"],
                             r["items"]) for r in rows), key=lambda r: (-r.items, r.unit))
