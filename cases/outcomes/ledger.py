"""The ledger's 整改成效 column: a measure's figures in the notice's words, one per clause
("党纪政务处分2人;追缴36.8万元;制定制度《…》(…)"), written by the export and read back by the
import, which records only the figures the measure does not have yet (so a round trip changes
nothing)."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from . import extract
from .models import OutcomeFigure
from .services import FigureInput, add_figures, describe
from .words import figure_words

SEPARATOR = ";"


def cell_texts(measure_ids) -> dict[int, str]:
    """The 整改成效 cell of each measure, for a chunk of the export (one query)."""
    words = defaultdict(list)
    for figure in OutcomeFigure.objects.filter(measure_id__in=list(measure_ids)).order_by("measure_id", "pk"):
        words[figure.measure_id].append(figure_words(figure))
    return {k: SEPARATOR.join(v) for k, v in words.items()}


def read_cell(text: str, err) -> list[FigureInput]:
    """The figures a cell states; a clause that states none is a row error (nothing is guessed)."""
    figures = []
    for clause in [c.strip() for c in text.replace(";", SEPARATOR).replace("\n", SEPARATOR).split(SEPARATOR)]:
        if not clause:
            continue
        found = extract.figures_in(clause)
        if not found:
            err("outcomes", _("“%(text)s” states no outcome figure (e.g. 党纪政务处分2人, 追缴36.8万元, "
                              "制定制度《…》).") % {"text": clause})
            continue
        figures.extend(found)
    return figures


def new_figures(measure, figures: list[FigureInput]) -> list[FigureInput]:
    """The figures of the cell the measure does not hold yet (each existing one matches once)."""
    if measure is None:
        return list(figures)
    existing = [FigureInput(kind=f.kind, count=f.count, amount=f.amount_wan, money_unit="wan", title=f.title,
                            doc_number=f.doc_number) for f in measure.outcomes.all()]
    fresh = []
    for figure in figures:
        match = next((e for e in existing if extract.same(e, figure)), None)
        if match is not None:
            existing.remove(match)
        else:
            fresh.append(figure)
    return fresh


def change_text(figures: list[FigureInput]) -> str:
    return _("New outcome figures: %(figures)s") % {"figures": "、".join(
        figure_words(_Shown(f)) for f in figures)}


def record(progress, figures: list[FigureInput], *, by) -> None:
    add_figures(progress=progress, figures=figures, by=by, source=OutcomeFigure.Source.LEDGER)


class _Shown:
    """A FigureInput dressed as a figure for `figure_words`."""

    def __init__(self, f: FigureInput):
        self.kind, self.count, self.amount_wan, self.title, self.doc_number = (
            f.kind, f.count, f.amount_wan, f.title, f.doc_number)


__all__ = ["cell_texts", "change_text", "describe", "new_figures", "read_cell", "record"]
