"""Carrying out a validated ledger import in one transaction (cases.tree and cases.services)."""

from __future__ import annotations

from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import change_reasons
from accounts.models import User

from .. import lognotes, services
from ..models import Case, Issue, Measure
from ..outcomes import ledger as outcome_ledger
from ..states import State
from ..tree import NewIssue, TreeWriter
from .reading import read_ledger
from .report import SUMMARY_LABELS, LedgerImport, LedgerRejected, LedgerRow
from .rows import issue_index, path_key


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
    """New issues and measures in bulk (cases.tree), then each changed measure through the services."""
    case = result.case
    index: dict[tuple[str, ...], Issue | NewIssue] = dict(issue_index(case))
    # Stored as the reason of deadline changes (and the history's change reason), in the
    # importer's language; the log entries carry the file as a language-neutral note instead.
    reason = _("Ledger import: %(file)s") % {"file": result.file_name}
    writer = TreeWriter(case, by=user, reason=change_reasons.stored(lognotes.LEDGER_IMPORT, result.file_name))
    targets: list[tuple[LedgerRow, Issue | NewIssue]] = []
    new_with_outcomes = []
    for item in result.rows:
        key: tuple[str, ...] = ()
        parent = None
        for depth, (label, title) in enumerate(item.path):
            key = (*key, path_key(label, title))
            node = index.get(key)
            if node is None:
                kind = (Issue.Kind.PROBLEM if len(item.path) == 1 or depth == 1
                        else Issue.Kind.GROUP if depth == 0 else Issue.Kind.DETAIL)
                node = index[key] = writer.add_issue(parent=parent, kind=kind, label=label, title=title)
                summary["issues_created"] += 1
            parent = node
        if item.measure is None:
            reports_state = bool(item.state) and item.state != State.PLANNED
            created = writer.add_measure(
                issue=parent, text=item.text, label=item.label, lead_unit=item.lead_unit, lead_leader=item.leader,
                responsible_person=item.person or "",
                supporting_units=item.supporting, deadline=item.deadline, kind=item.kind,
                state=item.state if reports_state else State.PLANNED, note=item.progress,
                notes=_import_notes(item, result.file_name) if reports_state else [],
            )
            summary["measures_created"] += 1
            if item.outcomes:
                new_with_outcomes.append((item, created))
            if reports_state:
                summary["states_changed"] += 1
            elif item.progress:
                summary["notes_added"] += 1
        else:
            targets.append((item, parent))
    with services.batched_issue_refresh():
        writer.write()
        for item, parent in targets:
            issue = parent.issue if isinstance(parent, NewIssue) else parent
            try:
                _apply_measure(item, issue=issue, user=user, reason=reason, file_name=result.file_name,
                               summary=summary)
            except (ValidationError, PermissionDenied, services.StaleMeasure) as exc:
                exc.ledger_row = item.row
                raise
        for item, created in new_with_outcomes:
            _record_outcomes(item, created.measure, user=user, summary=summary)


def _import_notes(item: LedgerRow, file_name: str) -> list[dict]:
    """What the log of a state the ledger records says beside the row's own progress note, stored
    language-neutral (cases.lognotes): the file, and why 已销号 became 申请销号 when it did."""
    notes = [lognotes.note(lognotes.LEDGER_IMPORT, file=file_name)]
    if item.state_capped:
        notes.append(lognotes.note(lognotes.CHAIN_CAPPED))
    return notes


def _apply_measure(item: LedgerRow, *, issue: Issue, user: User, reason: str, file_name: str,
                   summary: dict[str, int]) -> None:
    measure = item.measure
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
    if item.person is not None and measure.responsible_person != item.person:
        fields["responsible_person"] = item.person
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
        services.change_deadline(measure=measure, new_deadline=item.deadline, reason=reason, by=user,
                                 source_notes=[lognotes.note(lognotes.LEDGER_IMPORT, file=file_name)])
        summary["deadlines_changed"] += 1
    if fields or supporting is not None:
        services.update_measure(measure=measure, by=user, supporting_units=supporting, **fields)
        summary["measures_updated"] += 1
    if deadline_changed and item.deadline is None:
        services.change_deadline(measure=measure, new_deadline=None, reason=reason, by=user,
                                 source_notes=[lognotes.note(lognotes.LEDGER_IMPORT, file=file_name)])
        summary["deadlines_changed"] += 1
    progress_changed = bool(item.progress) and item.progress != (measure.latest_note or "")
    if item.state and item.state != measure.state:
        services.record_state_from_source(measure=measure, to_state=item.state, note=item.progress, by=user,
                                          notes=_import_notes(item, file_name))
        summary["states_changed"] += 1
    elif progress_changed:
        services.log_progress(measure=measure, by=user, note=item.progress)
        summary["notes_added"] += 1
    _record_outcomes(item, measure, user=user, summary=summary)


def _record_outcomes(item: LedgerRow, measure: Measure, *, user: User, summary: dict[str, int]) -> None:
    """New figures of the 整改成效 cell, on a progress entry of their own (cases.outcomes.ledger)."""
    if not item.outcomes:
        return
    entry = services.log_progress(measure=measure, by=user, note=outcome_ledger.describe(item.outcomes))
    outcome_ledger.record(entry, item.outcomes, by=user)
    summary["outcomes_added"] = summary.get("outcomes_added", 0) + len(item.outcomes)


def import_ledger(stream: IO[bytes] | bytes, *, file_name: str, user: User, case: Case | None = None,
                  dry_run: bool = False) -> LedgerImport:
    """Read, validate and (unless dry_run) write a ledger file; raises LedgerRejected on any error."""
    result = read_ledger(stream, file_name=file_name, user=user, case=case)
    return apply_ledger(result, user=user, dry_run=dry_run)
