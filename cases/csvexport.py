"""The one CSV writer of the app: every CSV Rectify produces goes through `csv_lines`.

Cells are guarded against spreadsheet formula injection (OWASP "CSV injection"): a text
cell starting with =, +, -, @, a tab or a carriage return is prefixed with an apostrophe,
so Excel and WPS show it as text instead of running it (`=HYPERLINK(…)`, `@SUM(…)`).
Lines are produced one at a time, so a large export can be streamed
(`StreamingHttpResponse(csv_lines(...))`) or written to a file without sitting in memory.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Iterator
from typing import IO, Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # Excel reads UTF-8 CSV only with a byte-order mark.


def safe_cell(value: Any) -> Any:
    """A cell value as written: dates in ISO form, formula-like text neutralised."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[Any], rows: Iterable[Iterable[Any]], *, bom: bool = True) -> Iterator[str]:
    """The CSV text, one line at a time: the BOM, the header, then every row, each cell guarded."""
    writer = csv.writer(_Echo())
    if bom:
        yield BOM
    yield writer.writerow([safe_cell(v) for v in header])
    for row in rows:
        yield writer.writerow([safe_cell(v) for v in row])


def write_csv(stream: IO[str], header: Iterable[Any], rows: Iterable[Iterable[Any]], *, bom: bool = True) -> None:
    for line in csv_lines(header, rows, bom=bom):
        stream.write(line)
