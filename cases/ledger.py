"""The Excel ledger (整改台账), both ways.

One list of columns (`COLUMNS`) drives the .xlsx and .csv exports and the importer, so a
file exported here can be edited in Excel or WPS and imported back unchanged. The header
texts are the fixed Chinese headings of the genre, not interface strings: a file must be
readable by the importer whatever language the person who exported it had chosen.

Import runs in two stages. `read_ledger` parses and validates every row without touching
the database beyond lookups, and returns a report (row, column, message, in Chinese) plus
a plan. `apply_ledger` then carries the plan out in one transaction through
`cases.services`, so deadlines moved in Excel leave a `DeadlineChange` and history, and
state changes are logged as imports with the file name. A file with any bad row writes
nothing.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import Unit, User

from . import services
from .models import Case, Issue, Measure, ProgressUpdate
from .states import Action, State

# --- Columns -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    header: str
    width: float  # Excel character units, chosen so an A4 landscape page holds a row
    hidden: bool = False
    # Other headings accepted on import (English exports, common variants in real ledgers).
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("id", "ID", 8, hidden=True, aliases=("id", "编号", "措施ID")),
    Column("number", "序号", 6, aliases=("no", "no.", "number")),
    Column("issue", "反馈问题", 38, aliases=("issue", "问题", "反馈问题及类别", "存在问题")),
    Column("measure", "整改措施", 50, aliases=("measure", "措施", "整改举措")),
    Column("leader", "牵头领导", 12, aliases=("lead leader", "leader", "责任领导")),
    Column("units", "责任单位", 22, aliases=("units", "responsible units", "牵头单位", "责任部门")),
    Column("deadline", "完成时限", 13, aliases=("deadline", "整改时限", "完成时间")),
    Column("kind", "整改类型", 10, aliases=("kind", "整改方式")),
    Column("progress", "整改进展", 40, aliases=("progress", "进展情况", "整改情况")),
    Column("state", "整改状态", 11, aliases=("state", "status", "完成情况")),
)
HEADERS = [c.header for c in COLUMNS]

# The ledger's own words for states and kinds: fixed, like the headers (see above).
STATE_NAMES = {
    State.PLANNED: "未启动",
    State.IN_PROGRESS: "推进中",
    State.PHASED: "阶段性成效",
    State.SUBMITTED: "申请销号",
    State.COMPLETED: "已完成",
    State.RELAPSED: "反弹回潮",
}
STATE_SYNONYMS = {
    **{name: state for state, name in STATE_NAMES.items()},
    **{state.value: state for state in State},
    **{str(state.label).lower(): state for state in State},
    "未开始": State.PLANNED, "尚未启动": State.PLANNED,
    "进行中": State.IN_PROGRESS, "正在推进": State.IN_PROGRESS, "正按计划推进": State.IN_PROGRESS,
    "整改中": State.IN_PROGRESS,
    "阶段性成效/持续整改": State.PHASED, "持续整改": State.PHASED, "已取得阶段性成效": State.PHASED,
    "长期坚持": State.PHASED,
    "待销号": State.SUBMITTED, "申请验收": State.SUBMITTED,
    "已销号": State.COMPLETED, "已完成整改": State.COMPLETED, "完成": State.COMPLETED, "已整改": State.COMPLETED,
    "已完成/已销号": State.COMPLETED,
    "反弹": State.RELAPSED,
}
KIND_NAMES = {
    Measure.Kind.IMMEDIATE: "立行立改",
    Measure.Kind.BY_DEADLINE: "限期整改",
    Measure.Kind.LONG_TERM: "长期坚持",
}
KIND_SYNONYMS = {
    **{name: kind for kind, name in KIND_NAMES.items()},
    **{kind.value: kind for kind in Measure.Kind},
    "立即整改": Measure.Kind.IMMEDIATE, "即知即改": Measure.Kind.IMMEDIATE,
    "限时整改": Measure.Kind.BY_DEADLINE, "长期整改": Measure.Kind.LONG_TERM, "持续整改": Measure.Kind.LONG_TERM,
}

# Separators between the levels of the 反馈问题 cell and between unit names.
ISSUE_SEPARATOR = " / "
UNIT_SEPARATOR = "、"
_ISSUE_SPLIT = re.compile(r"\s+/\s+|\n+")
_UNIT_SPLIT = re.compile(r"[、,，;；\n]+")

# Progress notes are what was done; sign-off comments and deadline notices are not.
PROGRESS_NOTE_ACTIONS = (Action.NOTE, Action.START, Action.PHASE, Action.SUBMIT, Action.RESUME, Action.IMPORT)


def latest_note_subquery() -> Subquery:
    """The newest progress note of each measure, as one correlated subquery (no per-row query)."""
    notes = (
        ProgressUpdate.objects.filter(measure=OuterRef("pk"), action__in=PROGRESS_NOTE_ACTIONS)
        .exclude(note="")
        .order_by("-created_at", "-pk")
        .values("note")[:1]
    )
    return Subquery(notes)


def ledger_queryset(measures) -> Any:
    """The measures in ledger order with everything a row shows loaded up front."""
    return (
        measures.with_related()
        .annotate(latest_note=latest_note_subquery())
        .order_by("case_id", "issue__position", "issue_id", "position", "pk")
    )


# --- Export ----------------------------------------------------------------------------


class _IssuePaths:
    """The 反馈问题 text of each issue (category / problem / …), ancestors fetched in bulk."""

    def __init__(self):
        self.issues: dict[int, tuple[str, str, str]] = {}

    def load(self, issues: Iterable[Issue]) -> None:
        wanted = set()
        for issue in issues:
            self.issues[issue.pk] = (issue.label, issue.title, issue.path)
            wanted.update(int(p) for p in issue.path.strip("/").split("/") if p)
        missing = wanted - self.issues.keys()
        if missing:
            for pk, label, title, path in Issue.objects.filter(pk__in=missing).values_list(
                "pk", "label", "title", "path"
            ):
                self.issues[pk] = (label, title, path)

    def text(self, issue_id: int) -> str:
        path = self.issues[issue_id][2]
        parts = [self.issues[int(p)] for p in path.strip("/").split("/") if p and int(p) in self.issues]
        return ISSUE_SEPARATOR.join(f"{label}{title}" for label, title, _ in parts)


def ledger_rows(measures, *, chunk_size: int = 500) -> Iterator[dict[str, Any]]:
    """One dict per measure, keyed by column key, in ledger order.

    Streams in chunks: each chunk costs a fixed number of queries (measures with their
    latest note, supporting units, missing ancestor issues), whatever the set's size.
    """
    paths = _IssuePaths()
    number = 0
    chunk: list[Measure] = []

    def flush():
        nonlocal number
        paths.load(m.issue for m in chunk)
        for m in chunk:
            number += 1
            units = [m.lead_unit.name, *sorted(u.name for u in m.supporting_units.all() if u.pk != m.lead_unit_id)]
            yield {
                "id": m.pk,
                "number": number,
                "issue": paths.text(m.issue_id),
                "measure": f"{m.label}{m.text}",
                "leader": m.lead_leader.name if m.lead_leader_id else "",
                "units": UNIT_SEPARATOR.join(units),
                "deadline": m.deadline,
                "kind": KIND_NAMES.get(m.kind, m.kind),
                "progress": m.latest_note or "",
                "state": STATE_NAMES.get(m.state, m.state),
                "_case": m.case,
            }

    for measure in ledger_queryset(measures).iterator(chunk_size=chunk_size):
        chunk.append(measure)
        if len(chunk) >= chunk_size:
            yield from flush()
            chunk = []
    if chunk:
        yield from flush()


def ledger_title(case: Case | None) -> str:
    return f"{case.title}整改台账" if case else "整改台账"


def write_ledger_xlsx(measures, stream: IO[bytes], *, title: str | None = None) -> None:
    """Write the measures (already scoped by `visible_to`) as an .xlsx ledger to `stream`.

    Write-only mode keeps memory flat for a province-sized export. Row 1 holds the title
    (the importer uses it to find the case), row 2 the headers; both stay frozen on screen
    and repeat on every printed page, which is A4 landscape, fitted to the page width.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    rows = ledger_rows(measures)
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

    def body(row):
        cells = []
        for column in COLUMNS:
            cell = WriteOnlyCell(ws, value=row[column.key] if row[column.key] is not None else "")
            if isinstance(cell.value, str) and cell.value.startswith("="):
                # Text typed by staff is never a formula: an "=…" note stays text in Excel.
                cell.data_type = "s"
            cell.font, cell.border = body_font, border
            cell.alignment = centre if column.key in ("number", "leader", "deadline", "kind", "state") else wrap
            if column.key == "deadline" and row["deadline"]:
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        return cells

    if first is not None:
        ws.append(body(first))
        for row in rows:
            ws.append(body(row))
    wb.save(stream)


def write_ledger_csv(measures, stream: IO[str]) -> None:
    """The same columns as CSV (UTF-8 with BOM so Excel opens Chinese text correctly)."""
    stream.write("\ufeff")
    writer = csv.writer(stream)
    writer.writerow(HEADERS)
    for row in ledger_rows(measures):
        writer.writerow(
            [_csv_safe(row[c.key].isoformat() if c.key == "deadline" and row[c.key] else row[c.key])
             for c in COLUMNS]
        )


def _csv_safe(value: Any) -> Any:
    """Neutralise spreadsheet formulas in text (CSV injection): Excel runs =, +, - and @ cells."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _single_case(measures, first_row) -> Case | None:
    """The case the export belongs to, when every measure is from one case."""
    if first_row is None:
        return None
    case = first_row["_case"]
    others = measures.exclude(case_id=case.pk).order_by()
    return None if others.exists() else case


def ledger_filename(case: Case | None) -> str:
    stamp = timezone.localdate().strftime("%Y%m%d")
    base = f"{case.inspected_body or case.title}整改台账" if case else "整改台账"
    return f"{_safe_name(base)}-{stamp}.xlsx"


def _safe_name(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", name)[:80]


# --- Import ----------------------------------------------------------------------------

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5000  # three times a province's largest case; bigger files are split by case
MAX_REPORTED_ERRORS = 500
_REQUIRED = ("issue", "measure", "units")


@dataclass(slots=True)
class RowError:
    row: int  # the Excel row number, 0 for the file as a whole
    column: str  # the column heading, "" for the row or file as a whole
    message: str

    def __str__(self) -> str:
        where = f"第{self.row}行" if self.row else "文件"
        return f"{where}{f'「{self.column}」' if self.column else ''}:{self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(slots=True)
class LedgerRow:
    """One validated row: what the measure should look like after the import."""

    row: int
    measure: Measure | None
    path: list[tuple[str, str]]  # (label, title) from the top of the tree down
    label: str
    text: str
    leader: User | None
    lead_unit: Unit
    supporting: list[Unit]
    deadline: datetime.date | None
    kind: str
    progress: str
    state: str | None  # None: leave as it is
    changes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class LedgerImport:
    """What reading a file found: the target case, the rows, the errors and the changes."""

    file_name: str
    case: Case | None = None
    rows: list[LedgerRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    new_issues: list[str] = field(default_factory=list)
    summary: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed_rows(self) -> list[LedgerRow]:
        return [r for r in self.rows if r.changes]

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))

    def report(self) -> str:
        """A plain-text report for the command line and logs."""
        lines = [f"台账文件:{self.file_name}"]
        if self.case:
            lines.append(f"案件:{self.case.title}")
        if self.errors:
            lines.append(f"发现{len(self.errors)}处错误,未导入任何数据:")
            lines += [f"  {e}" for e in self.errors]
            return "\n".join(lines)
        lines += [f"  注意:{w}" for w in self.warnings]
        for issue in self.new_issues:
            lines.append(f"  新增反馈问题:{issue}")
        for row in self.changed_rows:
            lines.append(f"  第{row.row}行:" + ";".join(row.changes))
        if not self.changed_rows:
            lines.append("与系统中的台账一致,没有需要更新的内容。")
        if self.summary:
            lines.append(summary_text(self.summary))
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file_name": self.file_name,
            "case": self.case.pk if self.case else None,
            "ok": self.ok,
            "errors": [e.as_dict() for e in self.errors],
            "warnings": self.warnings,
            "new_issues": self.new_issues,
            "changes": [{"row": r.row, "measure": r.measure.pk if r.measure else None, "changes": r.changes}
                        for r in self.changed_rows],
            "summary": self.summary,
        }


SUMMARY_LABELS = {
    "issues_created": "新增反馈问题",
    "measures_created": "新增整改措施",
    "measures_updated": "修改整改措施",
    "deadlines_changed": "调整完成时限",
    "states_changed": "更新整改状态",
    "notes_added": "新增整改进展",
    "unchanged": "未变化",
}


def summary_text(summary: dict[str, int]) -> str:
    return ",".join(f"{label}{summary.get(key, 0)}条" for key, label in SUMMARY_LABELS.items())


class LedgerRejected(Exception):
    """The file was refused; `result.errors` says why, row by row."""

    def __init__(self, result: LedgerImport):
        self.result = result
        super().__init__(result.report())


def read_ledger(stream: IO[bytes] | bytes, *, file_name: str, user: User, case: Case | None = None,
                max_rows: int = MAX_ROWS) -> LedgerImport:
    """Parse and validate every row of an .xlsx ledger. Writes nothing.

    The result names each bad row and column in Chinese; when it has no errors its rows
    hold exactly what `apply_ledger` will write, and each row's `changes` says what differs
    from the database.
    """
    if not user.has_perm("cases.add_measure"):
        raise PermissionDenied("只有整改办(督查)人员可以导入台账。")
    result = LedgerImport(file_name=file_name, case=case)
    data = stream if isinstance(stream, bytes) else stream.read()
    if len(data) > MAX_BYTES:
        result.error(0, "", f"文件大小为{len(data) / 1024 / 1024:.1f} MB,超过{MAX_BYTES // 1024 // 1024} MB的上限;"
                            "请按案件拆分后分别导入。")
        return result
    sheet_rows = _open_sheet(data, result)
    if sheet_rows is None:
        return result
    _read_rows(sheet_rows, result, user=user, max_rows=max_rows)
    if len(result.errors) > MAX_REPORTED_ERRORS:
        hidden = len(result.errors) - MAX_REPORTED_ERRORS
        result.errors = result.errors[:MAX_REPORTED_ERRORS]
        result.error(0, "", f"另有{hidden}处错误未列出;请先改正以上错误。")
    return result


def _open_sheet(data: bytes, result: LedgerImport):
    from openpyxl import load_workbook

    if not data:
        result.error(0, "", "文件是空的。")
        return None
    if not zipfile.is_zipfile(io.BytesIO(data)):
        hint = "(这是旧版 .xls 文件,请在 Excel 或 WPS 中另存为 .xlsx)" if data[:4] == b"\xd0\xcf\x11\xe0" else ""
        result.error(0, "", f"文件不是有效的 Excel 工作簿(.xlsx){hint}。")
        return None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files; all mean the same to the user
        result.error(0, "", f"无法读取该 Excel 文件:{exc.__class__.__name__}。请确认文件未损坏且为 .xlsx 格式。")
        return None
    sheet = workbook["整改台账"] if "整改台账" in workbook.sheetnames else workbook.worksheets[0]
    return sheet.iter_rows(values_only=True)


def _norm_header(value: Any) -> str:
    return re.sub(r"\s+", "", str(value or "")).lower()


_HEADER_LOOKUP = {
    _norm_header(name): column.key for column in COLUMNS for name in (column.header, *column.aliases)
}
_HEADER_OF = {c.key: c.header for c in COLUMNS}


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\r\n", "\n").replace("\u00a0", " ").strip()


def _read_rows(sheet_rows, result: LedgerImport, *, user: User, max_rows: int) -> None:
    title = ""
    columns: dict[int, str] | None = None
    raw_rows: list[tuple[int, dict[str, Any]]] = []
    for number, values in enumerate(sheet_rows, start=1):
        if columns is None:
            found = {i: _HEADER_LOOKUP.get(_norm_header(v)) for i, v in enumerate(values) if _norm_header(v)}
            known = {i: key for i, key in found.items() if key}
            if len(known) >= 3:
                columns = _check_header(number, values, known, result)
                if columns is None:
                    return
            elif not title:
                title = next((_cell_text(v) for v in values if _cell_text(v)), "")
            if number >= 10 and columns is None:
                break
            continue
        row = {key: values[i] if i < len(values) else None for i, key in columns.items()}
        if not any(_cell_text(v) for v in row.values()):
            continue  # blank lines between blocks are common in hand-kept ledgers
        if len(raw_rows) >= max_rows:
            result.error(number, "", f"数据行超过{max_rows}行的上限;请按案件或责任单位拆分后分别导入。")
            return
        raw_rows.append((number, row))
    if columns is None:
        result.error(0, "", "未找到表头行:前10行中没有「反馈问题」「整改措施」「责任单位」等列名。"
                            "请使用系统导出的台账模板。")
        return
    if not raw_rows:
        result.error(0, "", "表格中没有数据行。")
        return
    _resolve_case(title, raw_rows, result, user=user)
    if result.case is None:
        return
    _validate_rows(raw_rows, result, user=user)
    if result.ok:
        _plan_issues(result)


def _check_header(number: int, values, known: dict[int, str], result: LedgerImport) -> dict[int, str] | None:
    seen: dict[str, int] = {}
    for index, key in known.items():
        if key in seen:
            result.error(number, _HEADER_OF[key], f"表头中「{_HEADER_OF[key]}」列出现了两次。")
        seen[key] = index
    missing = [_HEADER_OF[k] for k in (*_REQUIRED, "deadline") if k not in seen]
    if missing:
        result.error(number, "", f"缺少必需的列:{'、'.join(missing)}。表头应为:{'、'.join(HEADERS[1:])}。")
    unknown = [_cell_text(v) for i, v in enumerate(values) if _norm_header(v) and i not in known]
    if unknown:
        result.warnings.append(f"以下列不属于台账,已忽略:{'、'.join(unknown)}。")
    return None if result.errors else {i: k for k, i in seen.items()}


def _resolve_case(title: str, raw_rows, result: LedgerImport, *, user: User) -> None:
    """The case is the one given, else the one whose measures the ID column names, else the title's."""
    visible = Case.objects.visible_to(user)
    if result.case is not None:
        if not visible.filter(pk=result.case.pk).exists():
            result.error(0, "", "您无权修改该案件。")
            result.case = None
        return
    ids = {_int_or_none(row.get("id")) for _, row in raw_rows} - {None}
    case_ids = set(Measure.objects.filter(pk__in=ids).values_list("case_id", flat=True).distinct()[:2])
    if len(case_ids) == 1:
        result.case = visible.filter(pk=case_ids.pop()).first()
    elif len(case_ids) > 1:
        result.error(0, "ID", "文件中的措施属于不同案件;一次只能导入一个案件的台账。")
        return
    if result.case is None and title:
        name = title.removesuffix("整改台账")
        matches = list(visible.filter(Q(title=title) | Q(title=name))[:2])
        if len(matches) == 1:
            result.case = matches[0]
    if result.case is None:
        result.error(0, "", "无法确定要导入到哪个案件:请在导入时选择案件(命令行使用 --case 案件编号)。")


def _int_or_none(value: Any) -> int | None:
    text = _cell_text(value)
    return int(text) if text.isdigit() else None


def split_label(text: str) -> tuple[str, str]:
    """("（一）", "…方面") from "（一）…方面"; ("", text) when the text carries no label."""
    from notices.parser.labels import read_label

    label = read_label(text)
    if label is None:
        return "", text
    return label.text, text[len(label.text):].lstrip() if text.startswith(label.text) else label.rest


def _validate_rows(raw_rows, result: LedgerImport, *, user: User) -> None:
    case = result.case
    existing = {
        m.pk: m for m in ledger_queryset(Measure.objects.filter(case=case))
    }
    unit_names = {n for _, row in raw_rows for n in _split_units(_cell_text(row.get("units")))}
    units = {u.name: u for u in Unit.objects.filter(name__in=unit_names)}
    leader_names = {_cell_text(row.get("leader")) for _, row in raw_rows} - {""}
    leaders: dict[str, list[User]] = {}
    for person in User.objects.filter(name__in=leader_names, is_active=True):
        leaders.setdefault(person.name, []).append(person)
    issue_text = _IssuePaths()
    issue_text.load(Issue.objects.filter(case=case))
    seen_ids: dict[int, int] = {}

    for number, row in raw_rows:
        before = len(result.errors)

        def err(key, message, number=number):
            result.error(number, _HEADER_OF.get(key, ""), message)

        measure = None
        raw_id = _cell_text(row.get("id"))
        if raw_id:
            if not raw_id.isdigit():
                err("id", f"「{raw_id}」不是有效的措施ID;新增措施请留空。")
            elif int(raw_id) in seen_ids:
                err("id", f"措施ID {raw_id} 与第{seen_ids[int(raw_id)]}行重复。")
            elif int(raw_id) not in existing:
                err("id", f"措施ID {raw_id} 不属于本案件(或已被删除);新增措施请留空ID。")
            else:
                seen_ids[int(raw_id)] = number
                measure = existing[int(raw_id)]

        for key in _REQUIRED:
            if not _cell_text(row.get(key)):
                err(key, "不能为空。")

        path = []
        for part in _ISSUE_SPLIT.split(_cell_text(row.get("issue"))):
            part = part.strip()
            if part:
                label, title = split_label(part)
                if not title:
                    err("issue", f"「{part}」只有编号,缺少问题内容。")
                path.append((label, title))
        if len(path) > 6:
            err("issue", "问题层级超过6级,请检查分隔符「 / 」的使用。")
        label, text = split_label(_cell_text(row.get("measure")))
        if len(text) > 5000:
            err("measure", "内容超过5000字。")

        leader = None
        leader_name = _cell_text(row.get("leader"))
        if leader_name:
            found = leaders.get(leader_name, [])
            if not found:
                err("leader", f"系统中没有名为「{leader_name}」的用户;请先在“用户”中添加,或核对姓名。")
            elif len(found) > 1:
                err("leader", f"系统中有{len(found)}位名为「{leader_name}」的用户,无法确定是哪一位;"
                              "请在系统中修改同名用户的姓名以示区分。")
            else:
                leader = found[0]

        names = _split_units(_cell_text(row.get("units")))
        unit_list = []
        for name in names:
            if name in units:
                unit_list.append(units[name])
            else:
                err("units", f"系统中没有名为「{name}」的责任单位{_did_you_mean(name)}。")
        if len(set(names)) != len(names):
            err("units", "同一单位填写了两次。")

        deadline, kind_from_deadline = _parse_deadline(row.get("deadline"), err)
        kind = _parse_choice(row.get("kind"), KIND_SYNONYMS, "kind", err) or kind_from_deadline
        if kind is None:
            kind = measure.kind if measure else Measure.Kind.BY_DEADLINE
        if kind != Measure.Kind.LONG_TERM and deadline is None and not result.errors[before:]:
            err("deadline", "除“长期坚持”的措施外,必须填写完成时限(如 2026-06-30)。")
        state = _parse_choice(row.get("state"), STATE_SYNONYMS, "state", err)
        progress = _cell_text(row.get("progress"))

        if len(result.errors) > before:
            continue
        item = LedgerRow(
            row=number, measure=measure, path=path, label=label, text=text, leader=leader, lead_unit=unit_list[0],
            supporting=unit_list[1:], deadline=deadline, kind=kind, progress=progress, state=state,
        )
        item.changes = _describe_changes(item, issue_text)
        result.rows.append(item)


def _split_units(text: str) -> list[str]:
    return [n.strip() for n in _UNIT_SPLIT.split(text) if n.strip()]


def _did_you_mean(name: str) -> str:
    import difflib

    names = list(Unit.objects.filter(is_active=True).values_list("name", flat=True)[:20000])
    close = difflib.get_close_matches(name, names, n=2, cutoff=0.6)
    return f"(是否为「{'」或「'.join(close)}」?)" if close else ";请先在“责任单位”中添加,或核对名称"


_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:前|之前)?$"), "ymd"),
    (re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:底|末)?(?:前|之前)?$"), "ym"),
    (re.compile(r"^(\d{4})\s*年\s*(?:底|末)(?:前|之前)?$"), "y"),
)


def _parse_deadline(value: Any, err) -> tuple[datetime.date | None, str | None]:
    """A date cell, or text such as 2026-06-30, 2026年6月30日, 2026年6月底前, 长期坚持."""
    if value is None or value == "":
        return None, None
    if isinstance(value, datetime.datetime):
        return value.date(), None
    if isinstance(value, datetime.date):
        return value, None
    text = _cell_text(value)
    if text in KIND_SYNONYMS:
        return None, KIND_SYNONYMS[text]
    for pattern, kind in _DATE_PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        try:
            year = int(match.group(1))
            if kind == "ymd":
                return datetime.date(year, int(match.group(2)), int(match.group(3))), None
            month = int(match.group(2)) if kind == "ym" else 12
            following = datetime.date(year + month // 12, month % 12 + 1, 1)
            return following - datetime.timedelta(days=1), None
        except ValueError:
            break
    err("deadline", f"「{text}」不是有效日期;请填写如 2026-06-30、2026年6月30日 或 2026年6月底前,"
                    "长期坚持的措施填“长期坚持”。")
    return None, None


def _parse_choice(value: Any, choices: dict[str, str], key: str, err) -> str | None:
    text = _cell_text(value)
    if not text:
        return None
    found = choices.get(text) or choices.get(text.lower())
    if found is None:
        names = STATE_NAMES if key == "state" else KIND_NAMES
        err(key, f"「{text}」无法识别;应为:{'、'.join(names.values())}。")
    return found


def _describe_changes(item: LedgerRow, issues: _IssuePaths) -> list[str]:
    """What the import would change, in words for the preview; empty when nothing differs."""
    path_text = ISSUE_SEPARATOR.join(f"{label}{title}" for label, title in item.path)
    m = item.measure
    if m is None:
        return [f"新增措施「{_short(item.label + item.text)}」"]
    changes = []
    if issues.text(m.issue_id) != path_text:
        changes.append(f"所属问题改为「{_short(path_text)}」")
    if f"{m.label}{m.text}" != f"{item.label}{item.text}":
        changes.append(f"措施内容改为「{_short(item.label + item.text)}」")
    if m.lead_leader_id != (item.leader.pk if item.leader else None):
        changes.append(f"牵头领导:{m.lead_leader.name if m.lead_leader else '无'} → "
                       f"{item.leader.name if item.leader else '无'}")
    if m.lead_unit_id != item.lead_unit.pk:
        changes.append(f"牵头单位:{m.lead_unit.name} → {item.lead_unit.name}")
    old_supporting = {u.pk for u in m.supporting_units.all()} - {m.lead_unit_id}
    if old_supporting != {u.pk for u in item.supporting}:
        changes.append("配合单位改为:" + (UNIT_SEPARATOR.join(u.name for u in item.supporting) or "无"))
    if m.kind != item.kind:
        changes.append(f"整改类型:{KIND_NAMES[m.kind]} → {KIND_NAMES[item.kind]}")
    if m.deadline != item.deadline:
        changes.append(f"完成时限:{m.deadline or '无'} → {item.deadline or '无'}")
    if item.state and item.state != m.state:
        changes.append(f"整改状态:{STATE_NAMES[m.state]} → {STATE_NAMES[item.state]}")
    if item.progress and item.progress != (m.latest_note or ""):
        changes.append(f"新增整改进展「{_short(item.progress)}」")
    return changes


def _short(text: str, length: int = 30) -> str:
    return text if len(text) <= length else text[:length] + "…"


def _plan_issues(result: LedgerImport) -> None:
    """Name the issues the import will add (for the preview)."""
    existing = _issue_index(result.case)
    planned: set[tuple[str, ...]] = set()
    for row in result.rows:
        key: tuple[str, ...] = ()
        for label, title in row.path:
            key = (*key, f"{label}{title}")
            if key not in existing and key not in planned:
                planned.add(key)
                result.new_issues.append(ISSUE_SEPARATOR.join(key))


def _issue_index(case: Case) -> dict[tuple[str, ...], Issue]:
    """Every issue of the case keyed by the texts of its path from the top (label+title per level)."""
    issues = list(Issue.objects.filter(case=case).order_by("position", "pk"))
    by_pk = {i.pk: i for i in issues}
    index = {}
    for issue in issues:
        chain = [by_pk[int(p)] for p in issue.path.strip("/").split("/") if p and int(p) in by_pk]
        index.setdefault(tuple(f"{i.label}{i.title}" for i in chain), issue)
    return index


def apply_ledger(result: LedgerImport, *, user: User, dry_run: bool = False) -> LedgerImport:
    """Write a validated import in one transaction through cases.services.

    With dry_run the writes run and are rolled back, so the preview has met every check
    the real import meets. Raises LedgerRejected (nothing written) if the file had errors
    or a write failed (e.g. someone changed a measure in the meantime).
    """
    if not result.ok:
        raise LedgerRejected(result)
    summary = dict.fromkeys(SUMMARY_LABELS, 0)
    try:
        with transaction.atomic():
            _apply_rows(result, user=user, summary=summary)
            if dry_run:
                transaction.set_rollback(True)
    except (ValidationError, PermissionDenied, services.StaleMeasure) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        row = getattr(exc, "ledger_row", 0)
        for message in messages:
            result.error(row, "", f"写入失败,已全部撤销:{message}")
        raise LedgerRejected(result) from exc
    result.summary = summary
    return result


def _apply_rows(result: LedgerImport, *, user: User, summary: dict[str, int]) -> None:
    from django.db.models import F

    case = result.case
    index = _issue_index(case)
    reason = f"台账导入:{result.file_name}"
    for item in result.rows:
        try:
            key: tuple[str, ...] = ()
            parent = None
            for depth, (label, title) in enumerate(item.path):
                key = (*key, f"{label}{title}")
                issue = index.get(key)
                if issue is None:
                    # A new issue goes last among its siblings: right after its parent's subtree
                    # (or at the end of the case), so tree order and position order agree.
                    after = max((i.position for k, i in index.items() if k[: len(key) - 1] == key[:-1]),
                                default=parent.position if parent else 0)
                    Issue.objects.filter(case=case, position__gt=after).update(position=F("position") + 1)
                    kind = (Issue.Kind.PROBLEM if len(item.path) == 1 or depth == 1
                            else Issue.Kind.GROUP if depth == 0 else Issue.Kind.DETAIL)
                    issue = Issue(case=case, parent=parent, kind=kind, label=label, title=title, position=after + 1)
                    issue.full_clean()
                    issue.save()
                    for other in index.values():
                        if other.position > after:
                            other.position += 1
                    index[key] = issue
                    summary["issues_created"] += 1
                parent = issue
            _apply_measure(item, issue=parent, user=user, reason=reason, summary=summary)
        except (ValidationError, PermissionDenied, services.StaleMeasure) as exc:
            exc.ledger_row = item.row
            raise


def _apply_measure(item: LedgerRow, *, issue: Issue, user: User, reason: str, summary: dict[str, int]) -> None:
    measure = item.measure
    if measure is None:
        measure = services.create_measure(
            issue=issue, text=item.text, label=item.label, lead_unit=item.lead_unit, lead_leader=item.leader,
            supporting_units=item.supporting, deadline=item.deadline, kind=item.kind, by=user,
        )
        summary["measures_created"] += 1
        if item.state and item.state != measure.state:
            services.record_state_from_source(measure=measure, to_state=item.state, note=item.progress or reason,
                                              by=user)
            summary["states_changed"] += 1
        elif item.progress:
            services.log_progress(measure=measure, by=user, note=item.progress)
            summary["notes_added"] += 1
        return
    if not item.changes:
        summary["unchanged"] += 1
        return
    fields: dict[str, Any] = {}
    if measure.issue_id != issue.pk:
        fields["issue"] = issue
    if (measure.label, measure.text) != (item.label, item.text):
        fields["label"], fields["text"] = item.label, item.text
    if measure.lead_leader_id != (item.leader.pk if item.leader else None):
        fields["lead_leader"] = item.leader
    if measure.lead_unit_id != item.lead_unit.pk:
        fields["lead_unit"] = item.lead_unit
    if measure.kind != item.kind:
        fields["kind"] = item.kind
    old_supporting = {u.pk for u in measure.supporting_units.all()} - {measure.lead_unit_id}
    supporting = item.supporting if old_supporting != {u.pk for u in item.supporting} else None
    deadline_changed = measure.deadline != item.deadline
    # A measure must keep a deadline unless long-term: give the date before dropping
    # "long-term", and drop the date only once it is long-term.
    if deadline_changed and item.deadline is not None:
        services.change_deadline(measure=measure, new_deadline=item.deadline, reason=reason, by=user)
        summary["deadlines_changed"] += 1
    if fields or supporting is not None:
        services.update_measure(measure=measure, by=user, supporting_units=supporting, **fields)
        summary["measures_updated"] += 1
    if deadline_changed and item.deadline is None:
        services.change_deadline(measure=measure, new_deadline=None, reason=reason, by=user)
        summary["deadlines_changed"] += 1
    progress_changed = bool(item.progress) and item.progress != (measure.latest_note or "")
    if item.state and item.state != measure.state:
        services.record_state_from_source(measure=measure, to_state=item.state, note=item.progress or reason, by=user)
        summary["states_changed"] += 1
    elif progress_changed:
        services.log_progress(measure=measure, by=user, note=item.progress)
        summary["notes_added"] += 1


def import_ledger(stream: IO[bytes] | bytes, *, file_name: str, user: User, case: Case | None = None,
                  dry_run: bool = False) -> LedgerImport:
    """Read, validate and (unless dry_run) write a ledger file; raises LedgerRejected on any error."""
    result = read_ledger(stream, file_name=file_name, user=user, case=case)
    return apply_ledger(result, user=user, dry_run=dry_run)
