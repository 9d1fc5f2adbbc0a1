"""The Excel ledger (整改台账), both ways.

One list of columns (`COLUMNS`) drives the .xlsx and .csv exports and the importer, so a
file exported here can be edited in Excel or WPS and imported back unchanged. The header
texts are the fixed Chinese headings of the genre, not interface strings: a file must be
readable by the importer whatever language the person who exported it had chosen.

Import runs in two stages. `read_ledger` parses and validates every row without touching
the database beyond lookups, and returns a report (row, column, message, in the active
language: Chinese by default) plus a plan. `apply_ledger` then carries the plan out in one
transaction through `cases.services`, so deadlines moved in Excel leave a `DeadlineChange`
and history, and state changes are logged as imports with the file name. A file with any
bad row writes nothing.

Messages, report lines and change descriptions are English msgids translated through
gettext (catalogue: locale/ledger); headers, state and kind words, the sheet and file
names stay in the genre's fixed Chinese.
"""

from __future__ import annotations

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
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, ngettext_lazy, pgettext

from accounts.models import Unit, User

from . import services
from .choices import VOCABULARY
from .csvexport import csv_lines
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
STATE_NAMES = {state: words.ledger_word for state, words in VOCABULARY.items()}
STATE_SYNONYMS = {
    **{name: state for state, name in STATE_NAMES.items()},
    **{state.value: state for state in State},
    **{str(state.label).lower(): state for state in State},
    **{word: state for state, words in VOCABULARY.items() for word in words.ledger_synonyms},
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
    from .signoff.ledger_sheet import write_extension_sheet

    write_extension_sheet(wb, measures)  # 延期申请: the extension requests and their decisions
    wb.save(stream)


def ledger_csv_lines(measures) -> Iterator[str]:
    """The ledger columns as CSV lines (UTF-8 with BOM so Excel opens Chinese text), guarded and streamable."""
    return csv_lines(HEADERS, ([row[c.key] for c in COLUMNS] for row in ledger_rows(measures)))


def write_ledger_csv(measures, stream: IO[str]) -> None:
    """The same columns as the .xlsx, as CSV (see cases.csvexport)."""
    for line in ledger_csv_lines(measures):
        stream.write(line)


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
        values = {"row": self.row, "column": self.column, "message": self.message}
        if self.row and self.column:
            return _("Row %(row)s, “%(column)s”: %(message)s") % values
        if self.row:
            return _("Row %(row)s: %(message)s") % values
        if self.column:
            return _("File, “%(column)s”: %(message)s") % values
        return _("File: %(message)s") % values

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
        lines = [_("Ledger file: %(name)s") % {"name": self.file_name}]
        if self.case:
            lines.append(_("Case: %(title)s") % {"title": self.case.title})
        if self.errors:
            n = len(self.errors)
            lines.append(ngettext("%(n)s error found; nothing was imported:",
                                  "%(n)s errors found; nothing was imported:", n) % {"n": n})
            lines += [f"  {e}" for e in self.errors]
            return "\n".join(lines)
        lines += ["  " + _("Note: %(warning)s") % {"warning": w} for w in self.warnings]
        for issue in self.new_issues:
            lines.append("  " + _("New issue: %(issue)s") % {"issue": issue})
        separator = pgettext("separator between the changes of a ledger row", "; ")
        for row in self.changed_rows:
            lines.append("  " + _("Row %(row)s: %(message)s") % {"row": row.row,
                                                                 "message": separator.join(row.changes)})
        if not self.changed_rows:
            lines.append(_("Same as the ledger in the system: nothing to update."))
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


# Each label takes the count as %(n)s; translated when formatted.
SUMMARY_LABELS = {
    "issues_created": ngettext_lazy("%(n)s new issue", "%(n)s new issues", "n"),
    "measures_created": ngettext_lazy("%(n)s new measure", "%(n)s new measures", "n"),
    "measures_updated": ngettext_lazy("%(n)s measure edited", "%(n)s measures edited", "n"),
    "deadlines_changed": ngettext_lazy("%(n)s deadline moved", "%(n)s deadlines moved", "n"),
    "states_changed": ngettext_lazy("%(n)s state updated", "%(n)s states updated", "n"),
    "notes_added": ngettext_lazy("%(n)s new progress note", "%(n)s new progress notes", "n"),
    "unchanged": ngettext_lazy("%(n)s unchanged", "%(n)s unchanged", "n"),
}


def summary_text(summary: dict[str, int]) -> str:
    separator = pgettext("separator between the counts of the ledger import summary", ", ")
    return separator.join(label % {"n": summary.get(key, 0)} for key, label in SUMMARY_LABELS.items())


def _join(items: Iterable[str]) -> str:
    """Names in a message (headers, state words), as a list in the active language."""
    return pgettext("separator between the names of a list", ", ").join(items)


class LedgerRejected(Exception):
    """The file was refused; `result.errors` says why, row by row."""

    def __init__(self, result: LedgerImport):
        self.result = result
        super().__init__(result.report())


def read_ledger(stream: IO[bytes] | bytes, *, file_name: str, user: User, case: Case | None = None,
                max_rows: int = MAX_ROWS) -> LedgerImport:
    """Parse and validate every row of an .xlsx ledger. Writes nothing.

    The result names each bad row and column (messages in the active language); when it
    has no errors its rows hold exactly what `apply_ledger` will write, and each row's
    `changes` says what differs from the database.
    """
    if not user.has_perm("cases.add_measure"):
        raise PermissionDenied(_("Only a supervisor may import a ledger."))
    result = LedgerImport(file_name=file_name, case=case)
    data = stream if isinstance(stream, bytes) else stream.read()
    if len(data) > MAX_BYTES:
        result.error(0, "", _("The file is %(size).1f MB, over the limit of %(limit)s MB; split it by case and "
                              "import the parts separately.")
                     % {"size": len(data) / 1024 / 1024, "limit": MAX_BYTES // 1024 // 1024})
        return result
    sheet_rows = _open_sheet(data, result)
    if sheet_rows is None:
        return result
    _read_rows(sheet_rows, result, user=user, max_rows=max_rows)
    if len(result.errors) > MAX_REPORTED_ERRORS:
        hidden = len(result.errors) - MAX_REPORTED_ERRORS
        result.errors = result.errors[:MAX_REPORTED_ERRORS]
        result.error(0, "", ngettext("%(n)s more error is not listed; correct the errors above first.",
                                     "%(n)s more errors are not listed; correct the errors above first.",
                                     hidden) % {"n": hidden})
    return result


def _open_sheet(data: bytes, result: LedgerImport):
    from openpyxl import load_workbook

    if not data:
        result.error(0, "", _("The file is empty."))
        return None
    if not zipfile.is_zipfile(io.BytesIO(data)):
        if data[:4] == b"\xd0\xcf\x11\xe0":
            message = _("The file is not a valid Excel workbook (.xlsx) (it is an old .xls file: save it as "
                        ".xlsx in Excel or WPS).")
        else:
            message = _("The file is not a valid Excel workbook (.xlsx).")
        result.error(0, "", message)
        return None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files; all mean the same to the user
        result.error(0, "", _("The Excel file cannot be read: %(error)s. Make sure the file is not damaged and "
                              "is in .xlsx format.") % {"error": exc.__class__.__name__})
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
            result.error(number, "", ngettext(
                "More than the limit of %(max)s data row; split the file by case or responsible unit and import "
                "the parts separately.",
                "More than the limit of %(max)s data rows; split the file by case or responsible unit and import "
                "the parts separately.", max_rows) % {"max": max_rows})
            return
        raw_rows.append((number, row))
    if columns is None:
        result.error(0, "", _("No header row found: the first 10 rows have no column names such as “%(issue)s”, "
                              "“%(measure)s” or “%(units)s”. Use the ledger template exported by the system.")
                     % {key: _HEADER_OF[key] for key in _REQUIRED})
        return
    if not raw_rows:
        result.error(0, "", _("The sheet has no data rows."))
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
            result.error(number, _HEADER_OF[key],
                         _("The column “%(column)s” appears twice in the header.") % {"column": _HEADER_OF[key]})
        seen[key] = index
    missing = [_HEADER_OF[k] for k in (*_REQUIRED, "deadline") if k not in seen]
    if missing:
        result.error(number, "", ngettext("Missing required column: %(missing)s. The headers should be: %(headers)s.",
                                          "Missing required columns: %(missing)s. The headers should be: %(headers)s.",
                                          len(missing)) % {"missing": _join(missing), "headers": _join(HEADERS[1:])})
    unknown = [_cell_text(v) for i, v in enumerate(values) if _norm_header(v) and i not in known]
    if unknown:
        result.warnings.append(ngettext("This column is not part of the ledger and was ignored: %(columns)s.",
                                        "These columns are not part of the ledger and were ignored: %(columns)s.",
                                        len(unknown)) % {"columns": _join(unknown)})
    return None if result.errors else {i: k for k, i in seen.items()}


def _resolve_case(title: str, raw_rows, result: LedgerImport, *, user: User) -> None:
    """The case is the one given, else the one whose measures the ID column names, else the title's."""
    visible = Case.objects.restrict(user)
    if result.case is not None:
        if not visible.filter(pk=result.case.pk).exists():
            result.error(0, "", _("You may not change this case."))
            result.case = None
        return
    ids = {_int_or_none(row.get("id")) for _, row in raw_rows} - {None}
    case_ids = set(Measure.objects.filter(pk__in=ids).values_list("case_id", flat=True).distinct()[:2])
    if len(case_ids) == 1:
        result.case = visible.filter(pk=case_ids.pop()).first()
    elif len(case_ids) > 1:
        result.error(0, "ID", _("The measures in the file belong to different cases; import the ledger of one case "
                                "at a time."))
        return
    if result.case is None and title:
        name = title.removesuffix("整改台账")
        matches = list(visible.filter(Q(title=title) | Q(title=name))[:2])
        if len(matches) == 1:
            result.case = matches[0]
    if result.case is None:
        result.error(0, "", _("Cannot tell which case to import into: choose the case when importing (on the "
                              "command line, --case CASE_ID)."))


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
    # An import touches only what its user may change, and names only the case's organisation's units.
    existing = {
        m.pk: m for m in ledger_queryset(Measure.objects.restrict(user, "change").filter(case=case))
    }
    unit_names = {n for _, row in raw_rows for n in _split_units(_cell_text(row.get("units")))}
    units = {u.name: u for u in _case_units(case, user).filter(name__in=unit_names)}
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
                err("id", _("“%(value)s” is not a valid measure ID; leave it empty for a new measure.")
                    % {"value": raw_id})
            elif int(raw_id) in seen_ids:
                err("id", _("Measure ID %(id)s repeats row %(row)s.") % {"id": raw_id, "row": seen_ids[int(raw_id)]})
            elif int(raw_id) not in existing:
                err("id", _("Measure ID %(id)s does not belong to this case (or was deleted); leave the ID empty for "
                            "a new measure.") % {"id": raw_id})
            else:
                seen_ids[int(raw_id)] = number
                measure = existing[int(raw_id)]

        for key in _REQUIRED:
            if not _cell_text(row.get(key)):
                err(key, _("Must not be empty."))

        path = []
        for part in _ISSUE_SPLIT.split(_cell_text(row.get("issue"))):
            part = part.strip()
            if part:
                label, title = split_label(part)
                if not title:
                    err("issue", _("“%(text)s” has a number but no problem text.") % {"text": part})
                path.append((label, title))
        if len(path) > 6:
            err("issue", _("The issue has more than 6 levels; check the use of the separator “ / ”."))
        label, text = split_label(_cell_text(row.get("measure")))
        if len(text) > 5000:
            err("measure", _("The text is longer than 5000 characters."))

        leader = None
        leader_name = _cell_text(row.get("leader"))
        if leader_name:
            found = leaders.get(leader_name, [])
            if not found:
                err("leader", _("There is no user named “%(name)s”; add them under “Users” first, or check the "
                                "name.") % {"name": leader_name})
            elif len(found) > 1:
                err("leader", ngettext(
                    "There is %(n)s user named “%(name)s”, so it is unclear which one is meant; give users of the "
                    "same name distinct names in the system.",
                    "There are %(n)s users named “%(name)s”, so it is unclear which one is meant; give users of the "
                    "same name distinct names in the system.", len(found)) % {"n": len(found), "name": leader_name})
            else:
                leader = found[0]

        names = _split_units(_cell_text(row.get("units")))
        unit_list = []
        for name in names:
            if name in units:
                unit_list.append(units[name])
            else:
                err("units", _unknown_unit(name, _case_units(case, user)))
        if len(set(names)) != len(names):
            err("units", _("The same unit is entered twice."))

        deadline, kind_from_deadline = _parse_deadline(row.get("deadline"), err)
        kind = _parse_choice(row.get("kind"), KIND_SYNONYMS, "kind", err) or kind_from_deadline
        if kind is None:
            kind = measure.kind if measure else Measure.Kind.BY_DEADLINE
        if kind != Measure.Kind.LONG_TERM and deadline is None and not result.errors[before:]:
            err("deadline", _("A deadline (e.g. 2026-06-30) is required, except for “%(long_term)s” measures.")
                % {"long_term": KIND_NAMES[Measure.Kind.LONG_TERM]})
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


def _case_units(case, user):
    """The units a ledger row of `case` may name: those of the case's organisation (and below)
    that the importing user may see."""
    return Unit.objects.restrict(user).filter(organisation__path__startswith=case.organisation.path)


def _unknown_unit(name: str, candidates=None) -> str:
    """The error for a unit name not in the system, suggesting up to two close names."""
    import difflib

    candidates = Unit.objects.none() if candidates is None else candidates
    names = list(candidates.filter(is_active=True).values_list("name", flat=True)[:20000])
    close = difflib.get_close_matches(name, names, n=2, cutoff=0.6)
    if len(close) >= 2:
        return (_("There is no responsible unit named “%(name)s” (did you mean “%(first)s” or “%(second)s”?).")
                % {"name": name, "first": close[0], "second": close[1]})
    if close:
        return (_("There is no responsible unit named “%(name)s” (did you mean “%(match)s”?).")
                % {"name": name, "match": close[0]})
    return (_("There is no responsible unit named “%(name)s”; add it under “Responsible units” first, or check "
              "the name.") % {"name": name})


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
    # The examples are accepted input, not interface text: the same in every language.
    err("deadline", _("“%(value)s” is not a valid date; write e.g. %(iso)s, %(full)s or %(month)s, or "
                      "“%(long_term)s” for a long-term measure.")
        % {"value": text, "iso": "2026-06-30", "full": "2026年6月30日", "month": "2026年6月底前",
           "long_term": KIND_NAMES[Measure.Kind.LONG_TERM]})
    return None, None


def _parse_choice(value: Any, choices: dict[str, str], key: str, err) -> str | None:
    text = _cell_text(value)
    if not text:
        return None
    found = choices.get(text) or choices.get(text.lower())
    if found is None:
        names = STATE_NAMES if key == "state" else KIND_NAMES
        err(key, _("“%(value)s” is not recognised; it should be one of: %(choices)s.")
            % {"value": text, "choices": _join(names.values())})
    return found


def _describe_changes(item: LedgerRow, issues: _IssuePaths) -> list[str]:
    """What the import would change, in words for the preview; empty when nothing differs."""
    path_text = ISSUE_SEPARATOR.join(f"{label}{title}" for label, title in item.path)
    m = item.measure
    if m is None:
        return [_("New measure “%(text)s”") % {"text": _short(item.label + item.text)}]
    none = pgettext("ledger change: the field is empty", "none")
    changes = []
    if issues.text(m.issue_id) != path_text:
        changes.append(_("Issue changed to “%(issue)s”") % {"issue": _short(path_text)})
    if f"{m.label}{m.text}" != f"{item.label}{item.text}":
        changes.append(_("Measure text changed to “%(text)s”") % {"text": _short(item.label + item.text)})
    if m.lead_leader_id != (item.leader.pk if item.leader else None):
        changes.append(_("Lead leader: %(old)s → %(new)s") % {
            "old": m.lead_leader.name if m.lead_leader else none, "new": item.leader.name if item.leader else none})
    if m.lead_unit_id != item.lead_unit.pk:
        changes.append(_("Lead unit: %(old)s → %(new)s") % {"old": m.lead_unit.name, "new": item.lead_unit.name})
    old_supporting = {u.pk for u in m.supporting_units.all()} - {m.lead_unit_id}
    if old_supporting != {u.pk for u in item.supporting}:
        changes.append(_("Supporting units changed to: %(units)s")
                       % {"units": UNIT_SEPARATOR.join(u.name for u in item.supporting) or none})
    if m.kind != item.kind:
        changes.append(_("Kind: %(old)s → %(new)s") % {"old": KIND_NAMES[m.kind], "new": KIND_NAMES[item.kind]})
    if m.deadline != item.deadline:
        changes.append(_("Deadline: %(old)s → %(new)s") % {"old": m.deadline or none, "new": item.deadline or none})
    if item.state and item.state != m.state:
        changes.append(_("State: %(old)s → %(new)s")
                       % {"old": STATE_NAMES[m.state], "new": STATE_NAMES[item.state]})
    if item.progress and item.progress != (m.latest_note or ""):
        changes.append(_("New progress note “%(note)s”") % {"note": _short(item.progress)})
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
            result.error(row, "", _("Writing failed and everything was undone: %(message)s") % {"message": message})
        raise LedgerRejected(result) from exc
    result.summary = summary
    return result


def _apply_rows(result: LedgerImport, *, user: User, summary: dict[str, int]) -> None:
    from django.db.models import F

    case = result.case
    index = _issue_index(case)
    # Stored as the reason of deadline changes and the note of state changes, like the
    # notes cases.services writes: in the importer's language.
    reason = _("Ledger import: %(file)s") % {"file": result.file_name}
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
