"""Writing the ledger as .xlsx (streamed, write-only) and .csv.

One list of columns (`columns.COLUMNS`) drives both exports and the importer, so a file
exported here can be edited in Excel or WPS and imported back unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from copy import copy
from typing import IO

from django.utils import timezone

from ..csvexport import csv_lines
from ..models import Case
from .columns import COLUMNS, HEADERS
from .rows import ledger_rows


def ledger_title(case: Case | None) -> str:
    """Row 1 of the sheet: "<case>整改台账", without saying 整改 twice when the case's title already
    ends with it ("…反馈意见整改" → "…反馈意见整改台账", "…整改落实情况" → "…整改落实情况台账")."""
    if not case:
        return "整改台账"
    return f"{case.title}台账" if "整改" in case.title[-8:] else f"{case.title}整改台账"


def write_ledger_xlsx(measures, stream: IO[bytes], *, title: str | None = None,
                      progress: Callable[[int], None] | None = None) -> None:
    """Write the measures (already scoped by `restrict`) as an .xlsx ledger to `stream`.

    Write-only mode keeps memory flat for a province-sized export. Row 1 holds the title
    (the importer uses it to find the case), row 2 the headers; both stay frozen on screen
    and repeat on every printed page, which is A4 landscape, fitted to the page width.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    rows = ledger_rows(measures, progress=progress)
    first = next(rows, None)
    if title is None:
        title = ledger_title(_single_case(measures, first))

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("整改台账")
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    centre = Alignment(wrap_text=True, vertical="center", horizontal="center")
    header_font = Font(name="宋体", bold=True, size=11)
    body_font = Font(name="宋体", size=10.5)
    header_fill = PatternFill("solid", fgColor="D9E1F2")

    for index, column in enumerate(COLUMNS, start=1):
        dimension = ws.column_dimensions[get_column_letter(index)]
        dimension.width = column.width
        dimension.hidden = column.hidden
    ws.freeze_panes = "C3"
    ws.print_title_rows = "1:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = "第 &P 页,共 &N 页"

    title_cell = WriteOnlyCell(ws, value=title)
    title_cell.font = Font(name="黑体", bold=True, size=16)
    title_cell.alignment = Alignment(horizontal="left", vertical="center")
    ws.row_dimensions[1].height = 30
    ws.append([title_cell])

    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font, cell.fill, cell.alignment, cell.border = header_font, header_fill, centre, border
        header.append(cell)
    ws.append(header)

    # Each column's style is set once on a template cell and its style array copied to the body
    # cells: setting font, border and alignment per cell hashes the style objects every time,
    # which was two thirds of the export's time.
    styles = []
    for column in COLUMNS:
        template = WriteOnlyCell(ws)
        template.font, template.border = body_font, border
        centred = ("number", "leader", "person", "deadline", "kind", "state", "urging")
        template.alignment = centre if column.key in centred else wrap
        if column.key == "deadline":
            template.number_format = "yyyy-mm-dd"
        styles.append(template._style)

    def body(row):
        cells = []
        for column, style in zip(COLUMNS, styles, strict=True):
            cell = WriteOnlyCell(ws, value=row[column.key] if row[column.key] is not None else "")
            if isinstance(cell.value, str) and cell.value.startswith("="):
                # Text typed by staff is never a formula: an "=…" note stays text in Excel.
                cell.data_type = "s"
            cell._style = copy(style)
            cells.append(cell)
        return cells

    if first is not None:
        ws.append(body(first))
        for row in rows:
            ws.append(body(row))
    from ..signoff.ledger_sheet import write_extension_sheet

    write_extension_sheet(wb, measures)  # 延期申请: the extension requests and their decisions
    from ..outcomes.ledger import write_totals_sheet

    write_totals_sheet(wb, measures)  # 整改成效汇总: the outcome totals, as on the dashboard
    wb.save(stream)


def ledger_csv_lines(measures, *, progress: Callable[[int], None] | None = None) -> Iterator[str]:
    """The ledger columns as CSV lines (UTF-8 with BOM so Excel opens Chinese text), guarded and streamable."""
    return csv_lines(HEADERS, ([row[c.key] for c in COLUMNS] for row in ledger_rows(measures, progress=progress)))


def write_ledger_csv(measures, stream: IO[str]) -> None:
    """The same columns as the .xlsx, as CSV (see cases.csvexport)."""
    for line in ledger_csv_lines(measures):
        stream.write(line)


def _single_case(measures, first_row) -> Case | None:
    """The case the export belongs to, when every measure is from one case."""
    if first_row is None:
        return None
    case_id = first_row["_case"]
    if measures.exclude(case_id=case_id).order_by().exists():
        return None
    return Case.objects.filter(pk=case_id).first()


def ledger_filename(case: Case | None) -> str:
    stamp = timezone.localdate().strftime("%Y%m%d")
    base = f"{case.inspected_body or case.title}整改台账" if case else "整改台账"
    return f"{_safe_name(base)}-{stamp}.xlsx"


def _safe_name(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", name)[:80]

