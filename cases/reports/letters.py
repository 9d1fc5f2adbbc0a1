"""The urging ladder in the report: the letters (督办函, `cases.urging`) issued in the period about
the report's items, with their level, 签收 and reply, and the weekly escalation reminders (督办)."""

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


def letters_of(measures, period: Period, limit: int = 100) -> list:
    """The letters issued in the period about any of these measures, newest first."""
    from cases.urging.models import Letter

    return list(
        Letter.objects.filter(issued_on__gte=period.start, issued_on__lte=period.end,
                              measures__in=measures.order_by().values("pk"))
        .distinct().select_related("unit", "level").order_by("-issued_on", "-pk")[:limit]
    )


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
