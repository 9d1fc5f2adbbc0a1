"""Reading a ledger file: open the sheet, find the header and the case, then validate the rows."""

from __future__ import annotations

import io
import zipfile
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User

from .. import limits
from ..models import Case, Measure
from .cells import HEADER_LOOKUP, cell_text, int_or_none, join_names, norm_header
from .changes import plan_issues
from .columns import HEADER_OF, HEADERS, REQUIRED
from .report import MAX_REPORTED_ERRORS, LedgerImport
from .validation import validate_rows


def read_ledger(stream: IO[bytes] | bytes, *, file_name: str, user: User, case: Case | None = None,
                max_rows: int | None = None) -> LedgerImport:
    """Parse and validate every row of an .xlsx ledger. Writes nothing.

    The result names each bad row and column (messages in the active language); when it
    has no errors its rows hold exactly what `apply_ledger` will write, and each row's
    `changes` says what differs from the database.
    """
    if not user.has_perm("cases.add_measure"):
        raise PermissionDenied(_("Only a supervisor may import a ledger."))
    result = LedgerImport(file_name=file_name, case=case)
    data = stream if isinstance(stream, bytes) else stream.read()
    refusal = limits.file_too_large(len(data)) or limits.unpacked_too_large(data)
    if refusal:
        result.error(0, "", refusal)
        return result
    sheet_rows = _open_sheet(data, result)
    if sheet_rows is None:
        return result
    _read_rows(sheet_rows, result, user=user, max_rows=max_rows or limits.max_rows())
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



def _read_rows(sheet_rows, result: LedgerImport, *, user: User, max_rows: int) -> None:
    title = ""
    columns: dict[int, str] | None = None
    raw_rows: list[tuple[int, dict[str, Any]]] = []
    blank_run = 0
    for number, values in enumerate(sheet_rows, start=1):
        if refusal := limits.too_many_sheet_rows(number):
            result.error(number, "", refusal)
            return
        if columns is None:
            found = {i: HEADER_LOOKUP.get(norm_header(v)) for i, v in enumerate(values) if norm_header(v)}
            known = {i: key for i, key in found.items() if key}
            if len(known) >= 3:
                columns = _check_header(number, values, known, result)
                if columns is None:
                    return
            elif not title:
                title = next((cell_text(v) for v in values if cell_text(v)), "")
            if number >= 10 and columns is None:
                break
            continue
        row = {key: values[i] if i < len(values) else None for i, key in columns.items()}
        if not any(cell_text(v) for v in row.values()):
            # Blank lines between blocks are common in hand-kept ledgers; a long run of them
            # (formatting dragged down a sheet) is its end.
            blank_run += 1
            if blank_run >= limits.blank_rows_end():
                result.warnings.append(limits.stopped_at_blank_rows(number))
                break
            continue
        blank_run = 0
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
                     % {key: HEADER_OF[key] for key in REQUIRED})
        return
    if not raw_rows:
        result.error(0, "", _("The sheet has no data rows."))
        return
    _resolve_case(title, raw_rows, result, user=user)
    if result.case is None:
        return
    validate_rows(raw_rows, result, user=user)
    if result.ok:
        plan_issues(result)


def _check_header(number: int, values, known: dict[int, str], result: LedgerImport) -> dict[int, str] | None:
    seen: dict[str, int] = {}
    for index, key in known.items():
        if key in seen:
            result.error(number, HEADER_OF[key],
                         _("The column “%(column)s” appears twice in the header.") % {"column": HEADER_OF[key]})
        seen[key] = index
    missing = [HEADER_OF[k] for k in (*REQUIRED, "deadline") if k not in seen]
    if missing:
        result.error(number, "", ngettext("Missing required column: %(missing)s. The headers should be: %(headers)s.",
                                          "Missing required columns: %(missing)s. The headers should be: %(headers)s.",
                                          len(missing)) % {"missing": join_names(missing),
                                                           "headers": join_names(HEADERS[1:])})
    unknown = [cell_text(v) for i, v in enumerate(values) if norm_header(v) and i not in known]
    if unknown:
        result.warnings.append(ngettext("This column is not part of the ledger and was ignored: %(columns)s.",
                                        "These columns are not part of the ledger and were ignored: %(columns)s.",
                                        len(unknown)) % {"columns": join_names(unknown)})
    return None if result.errors else {i: k for k, i in seen.items()}


def _resolve_case(title: str, raw_rows, result: LedgerImport, *, user: User) -> None:
    """The case is the one given, else the one whose measures the ID column names, else the title's."""
    visible = Case.objects.restrict(user)
    if result.case is not None:
        if not visible.filter(pk=result.case.pk).exists():
            result.error(0, "", _("You may not change this case."))
            result.case = None
        return
    ids = {int_or_none(row.get("id")) for _, row in raw_rows} - {None}
    case_ids = set(Measure.objects.filter(pk__in=ids).values_list("case_id", flat=True).distinct()[:2])
    if len(case_ids) == 1:
        result.case = visible.filter(pk=case_ids.pop()).first()
    elif len(case_ids) > 1:
        result.error(0, "ID", _("The measures in the file belong to different cases; import the ledger of one case "
                                "at a time."))
        return
    if result.case is None and title:
        names = {title, title.removesuffix("整改台账"), title.removesuffix("台账")}
        matches = list(visible.filter(title__in=names)[:2])
        if len(matches) == 1:
            result.case = matches[0]
    if result.case is None:
        result.error(0, "", _("Cannot tell which case to import into: choose the case when importing (on the "
                              "command line, --case CASE_ID)."))

