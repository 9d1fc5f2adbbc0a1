"""How much an import may read: one place for the ledger and the plan-table imports.

A spreadsheet's cost is its unpacked XML and its rows, not its file size: a 5 MB .xlsx of
empty formatted rows unpacks to ~100 MB and took over two minutes to read. Each check returns
the message to show (in the active language) or None; settings hold the limits.
"""

from __future__ import annotations

import io
import zipfile

from django.conf import settings
from django.utils.translation import gettext as _


def max_bytes() -> int:
    return settings.IMPORT_MAX_BYTES


def max_rows() -> int:
    return settings.IMPORT_MAX_ROWS


def file_too_large(size: int) -> str | None:
    if size <= settings.IMPORT_MAX_BYTES:
        return None
    return _("The file is %(size).1f MB, over the limit of %(limit)s MB; split it by case and import the parts "
             "separately.") % {"size": size / 1024 / 1024, "limit": settings.IMPORT_MAX_BYTES // 1024 // 1024}


def unpacked_too_large(data: bytes) -> str | None:
    """Office files are zip archives: refuse one whose contents unpack past the limit before reading it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None  # not an archive: the reader says what it is
    if unpacked <= settings.IMPORT_MAX_UNPACKED_BYTES:
        return None
    return _("The file unpacks to %(size).0f MB of content, over the limit of %(limit).0f MB; it probably holds "
             "many empty formatted rows or cells. Delete the empty rows below the table (or copy the table into "
             "a new file) and import again.") % {
        "size": unpacked / 1024 / 1024, "limit": settings.IMPORT_MAX_UNPACKED_BYTES / 1024 / 1024}


def too_many_sheet_rows(row: int) -> str | None:
    if row <= settings.IMPORT_MAX_SHEET_ROWS:
        return None
    return _("The sheet has more than %(max)s rows (counting empty ones); delete the empty rows, or split the file, "
             "and import again.") % {"max": settings.IMPORT_MAX_SHEET_ROWS}


def blank_rows_end() -> int:
    """After this many empty rows in a row the table has ended; the rest is not read."""
    return settings.IMPORT_BLANK_ROWS_END


def stopped_at_blank_rows(row: int) -> str:
    return _("Reading stopped at row %(row)s: the %(n)s rows above it are empty, so the table is taken to end "
             "there and anything further down was not read.") % {"row": row, "n": settings.IMPORT_BLANK_ROWS_END}
