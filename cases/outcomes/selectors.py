"""Totals of outcome figures over a scoped measure queryset: the dashboard's, the report's, the
ledger's and the notice draft's come from here, so they agree."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum

from .kinds import Category, Kind, category_of
from .models import OutcomeFigure


@dataclass
class Totals:
    counts: dict[str, int] = field(default_factory=dict)
    amounts: dict[str, Decimal] = field(default_factory=dict)
    records: int = 0

    def count(self, kind: str) -> int:
        return self.counts.get(kind, 0)

    def amount(self, kind: str) -> Decimal:
        return self.amounts.get(kind, Decimal(0))

    @property
    def people(self) -> int:
        """People held accountable (立案审查 counts cases, not people, and is left out)."""
        return sum(n for k, n in self.counts.items()
                   if category_of(k) == Category.ACCOUNTABILITY and k != Kind.INVESTIGATION)

    @property
    def rules(self) -> int:
        return sum(n for k, n in self.counts.items() if category_of(k) == Category.RULES)

    @property
    def money_wan(self) -> Decimal:
        return sum(self.amounts.values(), Decimal(0))

    def rows(self) -> list[tuple[str, str, object, bool]]:
        """(kind, label, value, is money) for every kind with a figure, in the order of `Kind`."""
        out = []
        for kind in Kind:
            if category_of(kind) == Category.MONEY:
                if self.amount(kind):
                    out.append((kind.value, kind.label, self.amount(kind), True))
            elif self.count(kind):
                out.append((kind.value, kind.label, self.count(kind), False))
        return out

    def __bool__(self) -> bool:
        return bool(self.records)


def figures_of(measures):
    return OutcomeFigure.objects.filter(measure__in=measures.order_by().values("pk"))


def _fill(rows) -> Totals:
    totals = Totals()
    for r in rows:
        totals.records += r["n"]
        if category_of(r["kind"]) == Category.MONEY:
            totals.amounts[r["kind"]] = totals.amounts.get(r["kind"], Decimal(0)) + (r["amount"] or Decimal(0))
        else:
            totals.counts[r["kind"]] = totals.counts.get(r["kind"], 0) + (r["count"] or 0)
    return totals


def totals_of(figures) -> Totals:
    """One grouped query over these figures."""
    return _fill(figures.order_by().values("kind").annotate(n=Count("pk"), count=Sum("count"),
                                                             amount=Sum("amount_wan")))


def totals(measures) -> Totals:
    """The totals of the figures of these measures."""
    return totals_of(figures_of(measures))


GROUPS = {
    "case": ("measure__case", "measure__case__title"),
    "unit": ("measure__lead_unit", "measure__lead_unit__name"),
    "organisation": ("measure__case__organisation", "measure__case__organisation__name"),
}


def totals_by(measures, by: str) -> list[tuple[int, str, Totals]]:
    """Totals per case, lead unit or organisation: one grouped query; largest first."""
    key, label = GROUPS[by]
    rows = figures_of(measures).order_by().values(key, label, "kind").annotate(
        n=Count("pk"), count=Sum("count"), amount=Sum("amount_wan"))
    grouped: dict[int, tuple[str, list]] = {}
    for r in rows:
        grouped.setdefault(r[key], (r[label], []))[1].append(r)
    result = [(k, name, _fill(rs)) for k, (name, rs) in grouped.items()]
    return sorted(result, key=lambda t: (-t[2].people, -t[2].rules, -t[2].money_wan, t[1]))


def per_measure(measure_ids) -> dict[int, Totals]:
    """Totals of each measure (the ledger's columns): one query for a chunk of ids."""
    rows = OutcomeFigure.objects.filter(measure_id__in=list(measure_ids)).order_by().values(
        "measure_id", "kind").annotate(n=Count("pk"), count=Sum("count"), amount=Sum("amount_wan"))
    grouped: dict[int, list] = {}
    for r in rows:
        grouped.setdefault(r["measure_id"], []).append(r)
    return {k: _fill(v) for k, v in grouped.items()}


def rule_documents(measures, limit: int = 200):
    """The rules made or revised, with their titles and numbers (for the report and the draft)."""
    return (figures_of(measures).filter(kind__in=[Kind.RULE_MADE, Kind.RULE_REVISED]).exclude(title="")
            .select_related("measure__case").order_by("-created_at", "pk")[:limit])


def breakdown(measures, limit: int = 10) -> tuple[Totals, dict[str, list[tuple[int, str, Totals]]]]:
    """The totals and the totals per case, organisation and lead unit in one grouped query (the
    dashboard's panel): rows are bounded by cases × units × kinds, never by figures."""
    fields = [k for pair in GROUPS.values() for k in pair]
    rows = list(figures_of(measures).order_by().values(*fields, "kind").annotate(
        n=Count("pk"), count=Sum("count"), amount=Sum("amount_wan")))
    total = _fill(rows)
    groups: dict[str, list[tuple[int, str, Totals]]] = {}
    for by, (key, label) in GROUPS.items():
        grouped: dict[int, tuple[str, list]] = {}
        for r in rows:
            grouped.setdefault(r[key], (r[label], []))[1].append(r)
        result = [(k, name, _fill(rs)) for k, (name, rs) in grouped.items()]
        groups[by] = sorted(result, key=lambda t: (-t[2].people, -t[2].rules, -t[2].money_wan, t[1]))[:limit]
    return total, groups
