"""The ledger's second sheet, 延期申请: every deadline extension request of the exported items and
its decision. The importer reads only the first sheet (整改台账), so this one is for reading."""

from __future__ import annotations

from django.utils import timezone

from .models import ExtensionRequest

HEADERS = ["措施ID", "整改措施", "责任单位", "申请人", "申请时间", "原完成时限", "申请延至", "延期理由", "审批结果",
           "审批人", "审批时间", "审批意见"]
STATUS_WORDS = {ExtensionRequest.Status.PENDING: "待审批", ExtensionRequest.Status.APPROVED: "同意延期",
                ExtensionRequest.Status.REFUSED: "不同意延期"}
WIDTHS = [8, 40, 20, 10, 16, 13, 13, 36, 10, 10, 16, 30]


def extension_rows(measures):
    requests = (ExtensionRequest.objects.filter(measure__in=measures.order_by().values("pk"))
                .select_related("measure__lead_unit", "requested_by", "decided_by")
                .order_by("measure_id", "requested_at", "pk"))
    for r in requests.iterator(chunk_size=500):
        yield [
            r.measure_id, f"{r.measure.label}{r.measure.text}", r.measure.lead_unit.name, str(r.requested_by),
            timezone.localtime(r.requested_at).strftime("%Y-%m-%d %H:%M"), r.current_deadline, r.proposed_deadline,
            r.reason, STATUS_WORDS[r.status], str(r.decided_by or ""),
            timezone.localtime(r.decided_at).strftime("%Y-%m-%d %H:%M") if r.decided_at else "", r.decision_note,
        ]


def write_extension_sheet(workbook, measures) -> None:
    """Add the 延期申请 sheet to a write-only workbook when any exported item has a request."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    rows = extension_rows(measures)
    first = next(rows, None)
    if first is None:
        return
    ws = workbook.create_sheet("延期申请")
    for index, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    header = []
    for text in HEADERS:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = Font(name="宋体", bold=True, size=11)
        header.append(cell)
    ws.append(header)
    for row in [first, *rows]:
        cells = []
        for value in row:
            cell = WriteOnlyCell(ws, value=value if value is not None else "")
            if isinstance(cell.value, str):
                cell.data_type = "s"  # typed text is never a formula
            if hasattr(value, "isoformat") and not isinstance(value, str):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        ws.append(cells)
