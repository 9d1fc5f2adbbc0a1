"""Writes of outcome figures. A figure belongs to a progress entry: entered with it (the progress
forms, the API), or recorded on an import entry (ledger, notice)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases import services as case_services
from cases.models import Measure, ProgressUpdate

from .kinds import TO_WAN, Category, Kind, MoneyUnit, category_of
from .models import OutcomeFigure
from .words import figure_words

MAX_FIGURES = 50


@dataclass(frozen=True)
class FigureInput:
    kind: str
    count: int | None = None
    amount: Decimal | None = None
    money_unit: str = ""
    title: str = ""
    doc_number: str = ""

    @property
    def amount_wan(self) -> Decimal | None:
        return None if self.amount is None else (self.amount * TO_WAN[MoneyUnit(self.money_unit)]).quantize(
            Decimal("0.0001"))


def clean_figure(data: dict, *, require_title: bool = True) -> FigureInput:
    """One figure from user input (a form row, a JSON object, a ledger cell): every problem at once.

    Accountability needs a number of people (cases for 立案审查); a rule needs its title (one rule
    per row; an import without titles may give a number instead); money needs a positive amount
    and its unit (元, 万元 or 亿元).
    """
    errors: dict[str, list[str]] = {}
    kind = str(data.get("kind") or "").strip()
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Choose the kind of figure.")}, code="bad_kind")
    category = category_of(kind)
    title = str(data.get("title") or "").strip()[:300]
    doc_number = str(data.get("doc_number") or "").strip()[:100]
    count = amount = None
    unit = ""
    if category == Category.MONEY:
        raw = str(data.get("amount") if data.get("amount") is not None else "").strip().replace(",", "")
        try:
            amount = Decimal(raw)
            if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e12"):
                raise InvalidOperation
            amount = amount.quantize(Decimal("0.0001"))
        except (InvalidOperation, ValueError):
            errors["amount"] = [_("Give the amount as a positive number, e.g. 356.7.")]
        unit = str(data.get("money_unit") or MoneyUnit.WAN).strip()
        if unit not in MoneyUnit.values:
            errors["money_unit"] = [_("Choose 元, 万元 or 亿元.")]
    else:
        raw = data.get("count")
        raw = "" if raw is None else str(raw).strip()
        if category == Category.RULES and not raw:
            raw = "1"
        try:
            count = int(raw)
            if count < 1 or count > 1_000_000:
                raise ValueError
        except ValueError:
            errors["count"] = [_("Give the number as a whole number of at least 1.")]
        if category == Category.RULES and require_title and not title:
            errors["title"] = [_("Give the rule's title (and its number, if it has one).")]
        if category == Category.RULES and title and count not in (None, 1):
            errors["count"] = [_("One rule per row: give each rule its own title.")]
    if errors:
        raise ValidationError(errors, code="bad_figure")
    return FigureInput(kind=kind, count=count, amount=amount, money_unit=unit, title=title, doc_number=doc_number)


def clean_figures(rows: Iterable[dict], *, require_title: bool = True) -> list[FigureInput]:
    """Several figures; a refused row is reported as "figure N: …" so nothing is lost silently."""
    figures, messages = [], []
    rows = list(rows)
    if len(rows) > MAX_FIGURES:
        raise ValidationError(_("At most %(n)s figures at once.") % {"n": MAX_FIGURES}, code="too_many")
    for i, row in enumerate(rows, start=1):
        try:
            figures.append(clean_figure(row, require_title=require_title))
        except ValidationError as exc:
            for msgs in exc.message_dict.values():
                messages += [_("Figure %(n)s: %(message)s") % {"n": i, "message": m} for m in msgs]
    if messages:
        raise ValidationError(messages, code="bad_figure")
    return figures


def add_figures(*, progress: ProgressUpdate, figures: Sequence[FigureInput], by=None,
                source: str = OutcomeFigure.Source.ENTERED) -> list[OutcomeFigure]:
    """Attach figures to a progress entry. `by=None` is the system (an import run by an administrator)."""
    if by is not None and not case_services.can_edit(by, progress.measure):
        raise PermissionDenied(_("You may only act on the measures of your own units."))
    rows = [
        OutcomeFigure(progress=progress, measure_id=progress.measure_id, kind=f.kind, count=f.count, amount=f.amount,
                      money_unit=f.money_unit, amount_wan=f.amount_wan, title=f.title, doc_number=f.doc_number,
                      source=source, by=by, created_at=progress.created_at)
        for f in figures
    ]
    return OutcomeFigure.objects.bulk_create(rows)


def describe(figures: Sequence[FigureInput]) -> str:
    """A progress note naming the figures, for an entry that reports figures only."""
    return _("Outcome figures: %(figures)s") % {"figures": "、".join(figure_words(f) for f in figures)}


@transaction.atomic
def log_progress_with_figures(
    *, measure: Measure, by, note: str = "", to_state: str | None = None, files: Sequence = (),
    figures: Sequence[FigureInput] = (), expected_version: int | None = None,
) -> ProgressUpdate:
    """`cases.services.log_progress`, with outcome figures on the same entry, in one transaction."""
    if figures and not (note or "").strip() and not files and not to_state:
        note = describe(figures)
    progress = case_services.log_progress(measure=measure, by=by, note=note, to_state=to_state, files=files,
                                          expected_version=expected_version)
    if figures:
        add_figures(progress=progress, figures=figures, by=by)
    return progress
