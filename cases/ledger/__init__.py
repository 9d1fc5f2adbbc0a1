"""The Excel ledger (整改台账), both ways.

One list of columns drives the .xlsx and .csv exports and the importer, so a file exported
here can be edited in Excel or WPS and imported back unchanged.

Import runs in two stages. `read_ledger` parses and validates every row without touching
the database beyond lookups, and returns a report (row, column, message, in the active
language: Chinese by default) plus a plan. `apply_ledger` then carries the plan out in one
transaction: new issues and measures through `cases.tree` in bulk, changes to existing
measures through `cases.services`, so deadlines moved in Excel leave a `DeadlineChange`
and history, and state changes are logged as imports with the file name. A file with any
bad row writes nothing.

Messages, report lines and change descriptions are English msgids translated through
gettext (catalogue: locale/ledger); headers, state and kind words, the sheet and file
names stay in the genre's fixed Chinese.

Modules, one concern each:

- `columns`: the columns and the fixed words (headers, state and kind names, separators);
- `cells`: reading one cell (text, labels, unit lists, dates, choice words), pure functions;
- `rows`: the ledger's rows from the database, streamed (selectors);
- `export`: .xlsx (write-only, streamed) and .csv;
- `report`: what reading found and importing did (rows, errors, summary);
- `reading`: opening the file, the header, the case; `validation`: every row against the case;
- `changes`: what an import would change, in words; `writing`: the one transaction.
"""

from .cells import split_label
from .columns import (
    COLUMNS,
    HEADERS,
    ISSUE_SEPARATOR,
    KIND_NAMES,
    KIND_SYNONYMS,
    PROGRESS_NOTE_ACTIONS,
    STATE_NAMES,
    STATE_SYNONYMS,
    UNIT_SEPARATOR,
    Column,
)
from .export import ledger_csv_lines, ledger_filename, ledger_title, write_ledger_csv, write_ledger_xlsx
from .reading import read_ledger
from .report import (
    MAX_BYTES,
    MAX_REPORTED_ERRORS,
    MAX_ROWS,
    SUMMARY_LABELS,
    LedgerImport,
    LedgerRejected,
    LedgerRow,
    RowError,
    summary_text,
)
from .rows import latest_note_subquery, ledger_queryset, ledger_rows
from .writing import apply_ledger, import_ledger

__all__ = [
    "COLUMNS", "HEADERS", "ISSUE_SEPARATOR", "KIND_NAMES", "KIND_SYNONYMS", "MAX_BYTES", "MAX_REPORTED_ERRORS",
    "MAX_ROWS", "PROGRESS_NOTE_ACTIONS", "STATE_NAMES", "STATE_SYNONYMS", "SUMMARY_LABELS", "UNIT_SEPARATOR",
    "Column", "LedgerImport", "LedgerRejected", "LedgerRow", "RowError", "apply_ledger", "import_ledger",
    "latest_note_subquery", "ledger_csv_lines", "ledger_filename", "ledger_queryset", "ledger_rows",
    "ledger_title", "read_ledger", "split_label", "summary_text", "write_ledger_csv", "write_ledger_xlsx",
]
