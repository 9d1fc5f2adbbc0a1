"""Adding issues and measures to a case in bulk: the one way a tree is written.

The ledger import, the notice importer, the plan import and the demo describe what they add
(`TreeWriter.add_issue`, `TreeWriter.add_measure`) and `TreeWriter.write()` stores it in a
number of statements that does not grow with the number of measures: one bulk insert per
tree level and one for their history, one for the measures, their history, supporting units
(and their history) and the progress rows recorded from the source document, then one roll-up
of the case.

Positions follow tree order: a new issue goes last among its siblings, i.e. right after its
parent's subtree, and the positions of the case's issues are renumbered in tree order (only
rows whose position changes are written). New measures go after the case's last measure
(`services.next_measure_position`, capped at `MAX_POSITION`: ties keep their order by id).

Validation is what `full_clean` would check without its per-row queries: field lengths and
choices, `Measure.clean()` (a deadline unless long-term) and `Issue.clean()`; foreign keys
are objects the caller already holds, and check constraints are enforced by the database.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, User

from .models import MAX_POSITION, Case, Issue, Measure, ProgressUpdate
from .states import Action, State

_BATCH = 500
_ISSUE_FKS = ["case", "parent"]
_MEASURE_FKS = ["case", "issue", "lead_unit", "lead_leader", "supporting_units"]


@dataclass(eq=False, slots=True)
class NewIssue:
    """An issue to add; `issue` holds the saved row after `write()`."""

    label: str
    title: str
    kind: str
    text: str = ""
    parent: NewIssue | Issue | None = None
    issue: Issue | None = None


@dataclass(eq=False, slots=True)
class NewMeasure:
    """A measure to add, with the state and note its source document reports (if any)."""

    issue: NewIssue | Issue
    text: str
    lead_unit: Unit
    label: str = ""
    lead_leader: User | None = None
    responsible_person: str = ""
    supporting_units: Sequence[Unit] = ()
    deadline: datetime.date | None = None
    kind: str = Measure.Kind.BY_DEADLINE
    state: str = State.PLANNED
    # The note recorded with the state (an IMPORT row), or alone as a progress note when the
    # state stays planned. Empty: no progress row.
    note: str = ""
    notes: list = field(default_factory=list)  # what the importer adds to the log (cases.lognotes)
    source_notice: object | None = None
    reported_at: datetime.datetime | None = None
    measure: Measure | None = None


@dataclass(slots=True)
class TreeWritten:
    issues: list[Issue] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    progress_rows: int = 0


class TreeWriter:
    """Collects new issues and measures of one case and writes them in bulk."""

    def __init__(self, case: Case, *, by: User | None = None, reason: str = ""):
        if by is not None and not by.has_perm("cases.add_measure"):
            raise PermissionDenied(_("Only a supervisor may add measures."))
        self.case = case
        self.by = by
        self.reason = reason[:100]  # simple-history's change reason column
        self.issues: list[NewIssue] = []
        self.measures: list[NewMeasure] = []

    def add_issue(self, *, label: str, title: str, kind: str = Issue.Kind.PROBLEM, text: str = "",
                  parent: NewIssue | Issue | None = None) -> NewIssue:
        if isinstance(parent, Issue) and parent.case_id != self.case.pk:
            raise ValueError("the parent issue belongs to another case")
        new = NewIssue(label=label, title=title, kind=kind, text=text, parent=parent)
        self.issues.append(new)
        return new

    def add_measure(self, *, issue: NewIssue | Issue, text: str, lead_unit: Unit, **values) -> NewMeasure:
        if isinstance(issue, Issue) and issue.case_id != self.case.pk:
            raise ValueError("the issue belongs to another case")
        new = NewMeasure(issue=issue, text=text, lead_unit=lead_unit, **values)
        self.measures.append(new)
        return new

    @transaction.atomic
    def write(self) -> TreeWritten:
        from . import services

        done = TreeWritten()
        self._write_issues(done)
        self._write_measures(done)
        services.refresh_issue_states(self.case.pk)
        return done

    # --- issues ---------------------------------------------------------------------

    def _write_issues(self, done: TreeWritten) -> None:
        if not self.issues:
            return
        case = self.case
        for new in self.issues:
            issue = Issue(case=case, kind=new.kind, label=new.label or "", title=new.title, text=new.text or "")
            issue.clean_fields(exclude=_ISSUE_FKS)
            new.issue = issue
        # Insert level by level, so every parent has its primary key before its children.
        pending = list(self.issues)
        while pending:
            ready = [n for n in pending if not isinstance(n.parent, NewIssue) or n.parent.issue.pk]
            if not ready:
                raise ValueError("the new issues form a cycle")
            for new in ready:
                new.issue.parent = _saved(new.parent)
            Issue.objects.bulk_create([n.issue for n in ready], batch_size=_BATCH)
            for new in ready:
                parent = new.issue.parent
                new.issue.path = f"{parent.path if parent else '/'}{new.issue.pk}/"
            pending = [n for n in pending if n.issue.pk is None]
        moved = self._renumber(done)
        Issue.objects.bulk_update([n.issue for n in self.issues], ["path", "position"], batch_size=_BATCH)
        # Bulk inserts send no signals: their history ("created", and "changed" for the existing
        # issues that moved down) is written here, in bulk, as saving each row would have.
        now = timezone.now()
        Issue.history.bulk_history_create([n.issue for n in self.issues], batch_size=_BATCH, default_user=self.by,
                                          default_change_reason=self.reason, default_date=now)
        if moved:
            Issue.history.bulk_history_create(list(Issue.objects.filter(pk__in=moved)), batch_size=_BATCH,
                                              update=True, default_user=self.by,
                                              default_change_reason=self.reason, default_date=now)
        done.issues = [n.issue for n in self.issues]

    def _renumber(self, done: TreeWritten) -> list[int]:
        """Give every issue of the case its place in tree order; write changed existing ones (their ids)."""
        new_ids = {n.issue.pk for n in self.issues}
        existing = [
            (pk, parent_id, position)
            for pk, parent_id, position in Issue.objects.filter(case=self.case).exclude(pk__in=new_ids)
            .values_list("pk", "parent_id", "position")
        ]
        children: dict[int | None, list[tuple[int, int, int]]] = defaultdict(list)
        for pk, parent_id, position in existing:
            children[parent_id].append((0, position, pk))  # existing siblings first, in their order
        for order, new in enumerate(self.issues):
            children[new.issue.parent_id].append((1, order, new.issue.pk))
        position_of: dict[int, int] = {}
        stack = [pk for *_, pk in sorted(children[None], reverse=True)]
        while stack:
            pk = stack.pop()
            position_of[pk] = len(position_of) + 1
            stack.extend(pk for *_, pk in sorted(children[pk], reverse=True))
        moved = [Issue(pk=pk, position=position_of[pk]) for pk, _parent, position in existing
                 if pk in position_of and position_of[pk] != position]
        if moved:
            Issue.objects.bulk_update(moved, ["position"], batch_size=_BATCH)
        for new in self.issues:
            new.issue.position = position_of[new.issue.pk]
        return [issue.pk for issue in moved]

    # --- measures -------------------------------------------------------------------

    def _write_measures(self, done: TreeWritten) -> None:
        from . import services

        if not self.measures:
            return
        case = self.case
        now = timezone.now()
        first = services.next_measure_position(case.pk)
        rows: list[Measure] = []
        errors: list[str] = []
        for offset, new in enumerate(self.measures):
            if new.lead_unit is None:
                raise ValidationError({"lead_unit": _("Every measure needs a responsible unit.")}, code="no_unit")
            at = new.reported_at or now
            reported = new.state != State.PLANNED or bool(new.note or new.notes)
            try:
                # The one rule of state changes (cases.services): no 已销号 around a sign-off chain.
                services.check_state_change(case=case, item=f"{new.label}{new.text[:30]}", source=State.PLANNED,
                                            target=new.state, how=services.How.DOCUMENT)
            except ValidationError as exc:
                errors.extend(exc.messages)
                continue
            measure = Measure(
                case=case, issue=_saved(new.issue), position=min(first + offset, MAX_POSITION), label=new.label or "",
                text=(new.text or "").strip(), lead_unit=new.lead_unit, lead_leader=new.lead_leader,
                responsible_person=new.responsible_person or "",
                kind=new.kind, deadline=new.deadline, original_deadline=new.deadline, state=new.state,
                last_progress_at=at if reported else None,
                completed_at=at if new.state == State.COMPLETED else None,
            )
            try:
                measure.clean_fields(exclude=_MEASURE_FKS)
                measure.clean()
            except ValidationError as exc:
                errors.extend(f"{new.label}{new.text[:30]}: {m}" for m in exc.messages)
            if new.state == State.SUBMITTED:
                services.open_round(measure, by=self.by, at=at)  # the chain starts at its first step
            measure._history_user = self.by
            new.measure = measure
            rows.append(measure)
        if errors:
            raise ValidationError(errors)
        Measure.objects.bulk_create(rows, batch_size=_BATCH)
        history = Measure.history.bulk_history_create(
            rows, batch_size=_BATCH, default_user=self.by, default_change_reason=self.reason, default_date=now,
        )
        self._write_supporting(history)
        progress = [
            ProgressUpdate(
                measure=new.measure, author=self.by, note=new.note, notes=list(new.notes),
                action=Action.IMPORT if new.state != State.PLANNED else Action.NOTE,
                from_state=State.PLANNED, to_state=new.state, source_notice=new.source_notice,
                created_at=new.reported_at or now,
            )
            for new in self.measures if new.state != State.PLANNED or new.note or new.notes
        ]
        ProgressUpdate.objects.bulk_create(progress, batch_size=_BATCH)
        done.measures = rows
        done.progress_rows = len(progress)

    def _write_supporting(self, history) -> None:
        """Supporting units, and the same rows in the history of the measure's creation."""
        through = Measure.supporting_units.through
        links = [
            through(measure_id=new.measure.pk, unit_id=unit.pk)
            for new in self.measures
            for unit in _unique(new.supporting_units)
        ]
        if not links:
            return
        through.objects.bulk_create(links, batch_size=_BATCH)
        history_of = {h.id: h.history_id for h in history}
        history_through = apps.get_model("cases", "HistoricalMeasure_supporting_units")
        history_through.objects.bulk_create(
            [history_through(id=link.pk, measure_id=link.measure_id, unit_id=link.unit_id,
                             history_id=history_of[link.measure_id]) for link in links],
            batch_size=_BATCH,
        )


def _saved(item: NewIssue | Issue | None) -> Issue | None:
    return item.issue if isinstance(item, NewIssue) else item


def _unique(units: Sequence[Unit]) -> list[Unit]:
    seen, result = set(), []
    for unit in units:
        if unit.pk not in seen:
            seen.add(unit.pk)
            result.append(unit)
    return result
