"""What reading a ledger found and what importing it did: rows, errors, summary (no database)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, ngettext_lazy, pgettext

from accounts.models import Unit, User

from ..models import Case, Measure

# Defaults of settings.IMPORT_MAX_BYTES / IMPORT_MAX_ROWS (cases.limits reads the settings).
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5000  # three times a province's largest case; bigger files are split by case
MAX_REPORTED_ERRORS = 500


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
    person: str | None = None  # 责任人; None: the file has no such column, leave it as it is
    changes: list[str] = field(default_factory=list)
    outcomes: list = field(default_factory=list)  # new outcome figures (cases.outcomes.ledger)
    state_capped: bool = False  # the file said 已销号; a sign-off chain makes it 申请销号 (services.document_state)


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
            "rows": len(self.rows),
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



class LedgerRejected(Exception):
    """The file was refused; `result.errors` says why, row by row."""

    def __init__(self, result: LedgerImport):
        self.result = result
        super().__init__(result.report())

