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


def write_totals_sheet(workbook, measures) -> None:
    """Add the 整改成效汇总 sheet to a write-only ledger workbook when the exported items have figures:
    the totals by kind, then per lead unit (`selectors`, the dashboard's own sums). The importer
    reads only the first sheet, so this one is for reading."""
    from django.utils import translation
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from .kinds import Kind
    from .selectors import totals, totals_by

    overall = totals(measures)
    if not overall:
        return
    ws = workbook.create_sheet("整改成效汇总")
    for letter, width in zip("ABCDE", (36, 14, 14, 14, 14), strict=True):
        ws.column_dimensions[letter].width = width
    bold = Font(name="宋体", bold=True, size=11)

    def heading(*texts):
        cells = []
        for text in texts:
            cell = WriteOnlyCell(ws, value=text)
            cell.font = bold
            cells.append(cell)
        ws.append(cells)

    unit_of = {Kind.INVESTIGATION.value: "件"}
    with translation.override("zh-hans"):
        heading("类别", "合计", "单位")
        for kind, label, value, money in overall.rows():
            word = "万元" if money else unit_of.get(kind, "项" if kind.startswith("rule") else "人")
            ws.append([str(label), float(str(value)) if money else value, word])
        ws.append([])
        heading("牵头单位", "追责问责(人)", "立案审查(件)", "建章立制(项)", "资金(万元)")
        for _key, name, unit_totals in totals_by(measures, "unit"):
            ws.append([name, unit_totals.people, unit_totals.count(Kind.INVESTIGATION), unit_totals.rules,
                       float(unit_totals.money_wan)])
        heading("合计", overall.people, overall.count(Kind.INVESTIGATION), overall.rules, float(overall.money_wan))
