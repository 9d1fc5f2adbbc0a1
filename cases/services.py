"""Every write to a measure goes through here.

Each service is keyword-only, checks the actor's right and the rule, applies the change
only if the measure is still at the version the caller saw (else `StaleMeasure`), writes
the progress/audit row in the same transaction, and keeps the issue roll-up in step.
Admin actions, API views, pages, importers and tasks call these and nothing else.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, User

from . import figures, lognotes, notify
from .evidence import check_evidence_quota, validate_evidence_upload
from .models import MAX_POSITION, DeadlineChange, Evidence, Issue, Measure, ProgressUpdate, SignOff
from .signoff import eligibility
from .states import PAPER_SIGNOFF_PERM, RULES_BY_ACTION, Action, Rule, State, allowed_rules, find_rule, roll_up


class StaleMeasure(Exception):
    """The measure changed since the caller read it: reload and try again."""

    def __init__(self, measure: Measure, expected_version: int):
        self.measure_id = measure.pk
        self.expected_version = expected_version
        super().__init__(
            _("This item was changed by someone else in the meantime (version %(seen)s is no longer current). "
              "Reload it and try again.") % {"seen": expected_version}
        )


class TransitionNotAllowed(ValidationError):
    """The state change breaks the rules of cases.states."""


# --- Reading the rules for a user ----------------------------------------------------


def can_edit(user: User, measure: Measure) -> bool:
    """Supervisors edit every measure; staff those of their units (lead or supporting)."""
    if not user.is_authenticated or not user.is_active or not user.has_perm("cases.change_measure"):
        return False
    return Measure.objects.restrict(user).filter(pk=measure.pk).exists()


def available_actions(user: User, measure: Measure) -> list[Rule]:
    """The transitions this user may apply to this measure now (for buttons and menus)."""
    signs = measure.state == State.SUBMITTED and eligibility.may_sign(user, measure)
    if not can_edit(user, measure):
        return [r for r in allowed_rules(measure.state, user, signs_now=True) if r.by_step] if signs else []
    return allowed_rules(measure.state, user, signs_now=signs)


def available_actions_for(user: User, measures: Iterable[Measure]) -> dict[int, list[Rule]]:
    """`available_actions` for a page of measures in two queries instead of several per row."""
    measures = list(measures)
    if not measures or not user.is_authenticated or not user.is_active:
        return {m.pk: [] for m in measures}
    pks = [m.pk for m in measures]
    editable = set(
        Measure.objects.restrict(user).filter(pk__in=pks).values_list("pk", flat=True)
    ) if user.has_perm("cases.change_measure") else set()
    submitted = [m.pk for m in measures if m.state == State.SUBMITTED]
    signing = set(
        Measure.objects.restrict(user).filter(eligibility.awaiting_signature_of(user), pk__in=submitted)
        .values_list("pk", flat=True)
    ) if submitted else set()
    actions = {}
    for m in measures:
        rules = allowed_rules(m.state, user, signs_now=m.pk in signing)
        if m.pk not in editable:
            rules = [r for r in rules if r.by_step and m.pk in signing]
        actions[m.pk] = rules
    return actions


def _check_actor(user: User | None, measure: Measure, rule: Rule | None) -> None:
    if user is None:
        raise PermissionDenied(_("An action on a measure needs a signed-in user."))
    if rule and rule.by_step:
        if not eligibility.may_sign(user, measure):
            if measure.signoff_requested_by_id == user.pk and measure.state == State.SUBMITTED:
                raise PermissionDenied(
                    _("You asked for this sign-off yourself: someone else must sign it or send it back."))
            if not Measure.objects.restrict(user).filter(pk=measure.pk).exists():
                raise PermissionDenied(_("You may only act on the measures of your own units."))
            raise PermissionDenied(eligibility.not_your_step_message(measure))
        return
    if not can_edit(user, measure):
        raise PermissionDenied(_("You may only act on the measures of your own units."))
    if rule and rule.permission and not user.has_perm(rule.permission):
        raise PermissionDenied(
            _("Only a supervisor may “%(action)s”.") % {"action": Action(rule.action).label}
        )


# --- The one place a state is written ---------------------------------------------------


class How:
    """How a state change came about; `_write_state` decides from it whether completion is allowed."""

    RULE = "rule"  # a person applying a rule of cases.states
    FINAL_SIGNATURE = "final_signature"  # the last step of the item's chain signed it
    DOCUMENT = "document"  # read off a ledger or a notice
    PAPER = "paper"  # an administrator's paper sign-off sheet with its scan


def check_state_change(*, case, item, source: str, target: str, how: str) -> None:
    """The rule every state change obeys, whatever its source: an item of a case with a sign-off
    chain becomes 已销号 only by the last signature of its chain or by a paper sign-off an
    administrator records with its scan; a ledger, a notice, a rule applied by hand cannot
    complete it. `_write_state` applies it to a stored measure, the bulk tree writer
    (`cases.tree`) to the new measures it inserts."""
    if target != State.COMPLETED or source == State.COMPLETED or how in (How.FINAL_SIGNATURE, How.PAPER):
        return
    if how == How.DOCUMENT and not eligibility.is_chained(case):
        return  # without a chain, the document is the authority, as before chains existed
    raise TransitionNotAllowed(
        _("“%(item)s” belongs to a case with a sign-off chain: it is completed only by the chain's "
          "signatures, or by an administrator recording the paper sign-off sheet with its scan. "
          "Record it as “%(submitted)s” instead.")
        % {"item": item, "submitted": State.SUBMITTED.label},
        code="chain_required",
    )


@dataclass(frozen=True, slots=True)
class DocumentState:
    """The state an import may record: `state`, and whether the document's own word was capped."""

    state: str
    reported: str
    capped: bool = False

    @property
    def warning(self) -> str:
        """Why the state was capped, in the active language ("" when it was not)."""
        if not self.capped:
            return ""
        return lognotes.render_one({"msg": lognotes.CHAIN_CAPPED})


def document_state(*, case, current: str | None, reported: str) -> DocumentState:
    """The one cap of every import's state (ledger, plan, notice; their previews and their jobs).

    A document (an Excel ledger, a plan table, a progress notice) may record any state up to
    申请销号 on an item; on a case with a sign-off chain it never records 已销号: an item it
    reports completed is recorded as 申请销号 (a sign-off round opens at step 1, so the chain
    decides), or stays 申请销号 while a round is open. `case` None is a case the import creates,
    governed by the deployment's default chain. `current` None is an item the import creates.
    Previews show what this returns, so what they announce is what the import writes."""
    if reported != State.COMPLETED or current == State.COMPLETED:
        return DocumentState(reported, reported)
    chained = eligibility.is_chained(case) if case is not None else eligibility.default_chain() is not None
    if not chained:
        return DocumentState(reported, reported)
    return DocumentState(State.SUBMITTED, reported, capped=True)


def _write_state(m: Measure, target: str, *, how: str, at: datetime.datetime) -> None:
    """Set a measure's state: every state change of a stored measure ends here (see
    `check_state_change` for the rule)."""
    check_state_change(case=m.case, item=m, source=m.state, target=target, how=how)
    m.state = target
    m.last_progress_at = at
    if target == State.COMPLETED:
        m.completed_at = m.completed_at or at
    else:
        m.completed_at = None
    if target != State.SUBMITTED:
        m.signoff_step = 0


def open_round(m: Measure, *, by: User | None, at: datetime.datetime) -> None:
    """A new sign-off request: the chain starts again at its first step."""
    m.signoff_round += 1
    m.signoff_step = eligibility.steps_of(m.case)[0].position
    m.signoff_requested_by = by
    m.signoff_requested_on = timezone.localdate(at)


# --- The core: claim, change, record --------------------------------------------------


def _apply(
    *, measure: Measure, expected_version: int | None, change: Callable[[Measure], None], by: User | None = None
) -> Measure:
    """Claim the row at the version the caller saw, then change and save it (with history).

    The conditional UPDATE is the lock: on PostgreSQL it row-locks until commit, on SQLite
    it takes the write lock; a concurrent writer finds zero rows and gets StaleMeasure.
    Must run inside transaction.atomic().
    """
    seen = measure.version if expected_version is None else expected_version
    claimed = Measure.objects.filter(pk=measure.pk, version=seen).update(version=F("version") + 1)
    if not claimed:
        raise StaleMeasure(measure, seen)
    fresh = Measure.objects.select_related("case", "issue").get(pk=measure.pk)
    change(fresh)
    if by is not None:
        fresh._history_user = by  # history names the actor outside requests too (API, tasks)
    # Foreign keys were checked when set; skipping them saves a query each.
    # Check constraints are enforced by the database itself, and clean() gives the readable
    # message for the ones a person can break; validating them here costs a SELECT each.
    fresh.full_clean(exclude=["supporting_units", "case", "issue", "lead_unit", "lead_leader", "signoff_requested_by"],
                     validate_constraints=False)
    fresh.save()
    # Hand the caller's object the new values so it can carry on with it.
    measure.__dict__.update({k: v for k, v in fresh.__dict__.items() if not k.startswith("_")})
    return fresh


def _pin(measure: Measure, expected_version: int | None) -> int:
    """The version a write applies to.

    Given: the caller's; if it is no longer current the claim in `_apply` refuses (StaleMeasure).
    None (the caller sent no version): the item as it is now. The row is locked first (a no-op
    UPDATE: a row lock on PostgreSQL, the write lock on SQLite) and the caller's object reloaded,
    so the rules are checked against the current state and a concurrent writer waits its turn
    instead of making this write fail with a conflict it never asked to detect.
    Must run inside transaction.atomic().
    """
    if expected_version is not None:
        return expected_version
    Measure.objects.filter(pk=measure.pk).update(version=F("version"))
    measure.refresh_from_db()
    return measure.version


def _store_files(progress: ProgressUpdate, files: Sequence, digests: Sequence[str]) -> None:
    # The measure's row is claimed (locked) by now, so the quota cannot be raced past.
    check_evidence_quota(progress.measure, files)
    for upload, digest in zip(files, digests, strict=True):
        Evidence.objects.create(
            progress=progress,
            file=upload,
            original_name=upload.name[:255],
            size=upload.size,
            content_type=(getattr(upload, "content_type", "") or "")[:100],
            sha256=digest,
        )


def validate_evidence_files(files: Sequence) -> list[str]:
    """Check the files of one update (see cases.evidence) and report all problems at once, as
    a ValidationError on the field `files`; returns the sha256 of each.

    The services run it, once per upload; forms and serializers do not, and show the service's
    error next to their file field instead.
    """
    return validate_evidence_upload(files)


# --- Services ----------------------------------------------------------------------------


@transaction.atomic
def log_progress(
    *,
    measure: Measure,
    by: User,
    note: str = "",
    to_state: str | None = None,
    files: Sequence = (),
    expected_version: int | None = None,
) -> ProgressUpdate:
    """Log progress on a measure: a note, evidence files, and optionally a new state.

    A state change must follow a rule of cases.states that the user may apply. A note
    alone (or files alone) is allowed in any state, e.g. a 回头看 on a completed item.
    """
    note = (note or "").strip()
    digests = validate_evidence_files(files)  # before the row is locked: reading files takes time
    expected_version = _pin(measure, expected_version)
    if to_state is None or to_state == measure.state:
        _check_actor(by, measure, None)
        if not note and not files:
            raise ValidationError(_("Write a progress note, attach a file or choose a new state."))
        _apply(measure=measure, expected_version=expected_version, change=_touch_progress, by=by)
        progress = ProgressUpdate.objects.create(
            measure=measure, author=by, action=Action.NOTE, note=note, from_state=measure.state,
            to_state=measure.state,
        )
        _store_files(progress, files, digests)
        case_changed(measure.case_id, issues=False)
        return progress
    return _transition(measure=measure, to_state=to_state, by=by, note=note, files=files, digests=digests,
                       expected_version=expected_version)


def _touch_progress(m: Measure) -> None:
    m.last_progress_at = timezone.now()


def check_transition(*, measure: Measure, to_state: str, by: User, note: str = "", files: Sequence = ()) -> Rule:
    """Raise the error a transition would raise, without changing anything; forms call it to
    show the problem next to the field. Returns the rule that applies."""
    if to_state not in State.values:
        raise TransitionNotAllowed(_("“%(state)s” is not a state.") % {"state": to_state}, code="bad_state")
    rule = find_rule(measure.state, to_state)
    if rule is None:
        raise TransitionNotAllowed(
            _("A measure cannot go from “%(source)s” to “%(target)s”.")
            % {"source": State(measure.state).label, "target": State(to_state).label},
            code="illegal_transition",
        )
    _check_actor(by, measure, rule)
    if rule.needs_reason and not (note or "").strip():
        raise ValidationError(
            _("“%(action)s” needs a reason.") % {"action": Action(rule.action).label}, code="reason_required"
        )
    if rule.action == Action.SUBMIT:
        if not (note or "").strip():
            raise ValidationError(_("A sign-off request needs a note: say what was done and where the proof is."),
                                  code="note_required")
        if not files and eligibility.evidence_required(measure.case):
            raise ValidationError(
                _("This case requires evidence with a sign-off request: attach at least one file."),
                code="evidence_required",
            )
    if rule.action == Action.APPROVE and SignOff.objects.filter(
        measure=measure, by=by, round=measure.signoff_round, decision=SignOff.Decision.APPROVE
    ).exists():
        raise TransitionNotAllowed(_("You have already signed this item off."), code="already_signed")
    return rule


def _current_step(measure: Measure) -> tuple[eligibility.Step, eligibility.Step | None, int, int]:
    """The step the item waits at, the one after it (None: it is the last), its number and the count."""
    steps = eligibility.steps_of(measure.case)
    index = next((i for i, s in enumerate(steps) if s.position == measure.signoff_step), 0)
    following = steps[index + 1] if index + 1 < len(steps) else None
    return steps[index], following, index + 1, len(steps)


def _transition(
    *, measure: Measure, to_state: str, by: User, note: str, files: Sequence = (), digests: Sequence[str] = (),
    expected_version: int | None,
) -> ProgressUpdate:
    source = measure.state
    rule = check_transition(measure=measure, to_state=to_state, by=by, note=note, files=files)
    if rule.action == Action.APPROVE:
        return _approve(measure=measure, by=by, note=note, files=files, digests=digests,
                        expected_version=expected_version)

    now = timezone.now()
    step = _current_step(measure)[0] if rule.action == Action.SEND_BACK else None

    def change(m: Measure) -> None:
        if m.state != source:  # changed between the read and the claim of the same version: impossible
            raise StaleMeasure(measure, m.version - 1)
        _write_state(m, rule.target, how=How.RULE, at=now)
        if rule.action == Action.SUBMIT:
            open_round(m, by=by, at=now)

    _apply(measure=measure, expected_version=expected_version, change=change, by=by)
    progress = ProgressUpdate.objects.create(
        measure=measure, author=by, action=rule.action, note=note, from_state=source, to_state=rule.target,
        created_at=now,
    )
    _store_files(progress, files, digests)
    if rule.action in (Action.SEND_BACK, Action.REOPEN):
        SignOff.objects.create(
            measure=measure, by=by, decision=rule.action, comment=note, round=measure.signoff_round,
            step=step.position if step else None, step_title=step.title[:60] if step else "",
            signer=step.signer if step else "", progress=progress, created_at=now,
        )
        notify.decision_made(progress)
    if rule.action == Action.REOPEN:
        # Ongoing again, and usually past its deadline: on the ladder now, not at tomorrow's refresh.
        from .urging import levels

        levels.refresh(on=timezone.localdate(), measures=Measure.objects.filter(pk=measure.pk))
    case_changed(measure.case_id)
    return progress


def _approve(*, measure: Measure, by: User, note: str, files: Sequence, digests: Sequence[str],
             expected_version: int | None) -> ProgressUpdate:
    """One signature at the item's current step; the last step's signature completes it."""
    now = timezone.now()
    step, following, number, total = _current_step(measure)

    def change(m: Measure) -> None:
        if m.state != State.SUBMITTED or m.signoff_step != measure.signoff_step:
            raise StaleMeasure(measure, m.version - 1)
        if following is None:
            _write_state(m, State.COMPLETED, how=How.FINAL_SIGNATURE, at=now)
        else:
            m.signoff_step = following.position
            m.last_progress_at = now

    _apply(measure=measure, expected_version=expected_version, change=change, by=by)
    # Stored as ids and parameters: the log names the step in its reader's language (cases.lognotes).
    notes = [lognotes.note(lognotes.STEP_SIGNED, n=number, total=total, title=step.title, signer=step.signer)]
    progress = ProgressUpdate.objects.create(
        measure=measure, author=by, action=Action.APPROVE, note=note, from_state=State.SUBMITTED,
        to_state=measure.state, created_at=now, notes=notes,
    )
    _store_files(progress, files, digests)
    SignOff.objects.create(
        measure=measure, by=by, decision=SignOff.Decision.APPROVE, comment=note, round=measure.signoff_round,
        step=step.position, step_title=step.title[:60], signer=step.signer, progress=progress, created_at=now,
    )
    if following is None:
        notify.decision_made(progress)
        from .urging import levels

        levels.refresh(on=timezone.localdate(), measures=Measure.objects.filter(pk=measure.pk))  # off the ladder
    case_changed(measure.case_id)
    return progress


@transaction.atomic
def record_paper_signoff(
    *, measure: Measure, by: User, scan, note: str, expected_version: int | None = None,
) -> ProgressUpdate:
    """An administrator records a sign-off made on paper (纸质销号单), with the sheet's scan.

    The one way to complete an item of a chained case outside its chain; logged as such, with
    the file."""
    note = (note or "").strip()
    if by is None or not by.has_perm(PAPER_SIGNOFF_PERM):
        raise PermissionDenied(_("Only an administrator may record a paper sign-off."))
    if not Measure.objects.restrict(by).filter(pk=measure.pk).exists():
        raise PermissionDenied(_("You may only act on the measures of your own units."))
    errors = {}
    if not scan:
        errors["scan"] = _("Attach the scan of the signed paper sign-off sheet.")
    if not note:
        errors["note"] = _("Say which sheet this is (its number, who signed and when).")
    if errors:
        raise ValidationError(errors, code="paper_incomplete")
    digests = validate_evidence_files([scan])
    if measure.state == State.COMPLETED:
        raise TransitionNotAllowed(_("This item is already completed."), code="illegal_transition")
    source = measure.state
    now = timezone.now()

    def change(m: Measure) -> None:
        if m.state != source:
            raise StaleMeasure(measure, m.version - 1)
        _write_state(m, State.COMPLETED, how=How.PAPER, at=now)

    _apply(measure=measure, expected_version=expected_version, change=change, by=by)
    progress = ProgressUpdate.objects.create(
        measure=measure, author=by, action=Action.PAPER_SIGNOFF, note=note, from_state=source,
        to_state=State.COMPLETED, created_at=now, notes=[lognotes.note(lognotes.PAPER_SIGNOFF)],
    )
    _store_files(progress, [scan], digests)
    SignOff.objects.create(
        measure=measure, by=by, decision=SignOff.Decision.PAPER, comment=note, round=measure.signoff_round,
        progress=progress, created_at=now,
    )
    notify.decision_made(progress)
    case_changed(measure.case_id)
    return progress


@transaction.atomic
def transition_measure(
    *, measure: Measure, to_state: str, by: User, note: str = "", files: Sequence = (),
    expected_version: int | None = None,
) -> ProgressUpdate:
    """Move a measure to `to_state` under the rules; see cases.states."""
    digests = validate_evidence_files(files)
    expected_version = _pin(measure, expected_version)
    return _transition(measure=measure, to_state=to_state, by=by, note=(note or "").strip(), files=files,
                       digests=digests, expected_version=expected_version)


def apply_action(
    *, measure: Measure, action: str, by: User, note: str = "", expected_version: int | None = None
) -> ProgressUpdate:
    """Apply a named action (start, submit, approve, send_back, reopen…): admin actions use this."""
    rule = RULES_BY_ACTION.get(action)
    if rule is None:
        raise TransitionNotAllowed(_("Unknown action “%(action)s”.") % {"action": action}, code="bad_action")
    return transition_measure(measure=measure, to_state=rule.target, by=by, note=note,
                              expected_version=expected_version)


@transaction.atomic
def change_deadline(
    *, measure: Measure, new_deadline: datetime.date | None, reason: str, by: User,
    expected_version: int | None = None, source_notes: Sequence[dict] | None = None,
) -> DeadlineChange:
    """Move a deadline. The reason is required; the first deadline stays in original_deadline.

    `source_notes`: the reason is the code's own (an import names its file), so the log entry
    says it in the reader's language (cases.lognotes) instead of repeating the reason's text."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"deadline": _("Give the reason for moving the deadline.")}, code="reason_required")
    if by is None or not by.has_perm("cases.add_deadlinechange"):
        raise PermissionDenied(_("Only a supervisor may move a deadline."))
    expected_version = _pin(measure, expected_version)
    _check_actor(by, measure, None)
    if source_notes is None:
        return _move_deadline(measure=measure, new_deadline=new_deadline, reason=reason, by=by,
                              expected_version=expected_version)
    return _move_deadline(measure=measure, new_deadline=new_deadline, reason=reason, by=by,
                          expected_version=expected_version, note="",
                          notes=[lognotes.note(lognotes.DEADLINE_MOVED, old=measure.deadline, new=new_deadline),
                                 *source_notes])


def _move_deadline(*, measure: Measure, new_deadline: datetime.date | None, reason: str, by: User,
                   expected_version: int | None = None, action: str = Action.DEADLINE,
                   note: str | None = None, notes: list[dict] | None = None) -> DeadlineChange:
    old = measure.deadline
    if new_deadline == old:
        raise ValidationError({"deadline": _("The new deadline is the same as the current one.")})

    def change(m: Measure) -> None:
        if m.original_deadline is None:
            m.original_deadline = m.deadline
        m.deadline = new_deadline

    _apply(measure=measure, expected_version=expected_version, change=change, by=by)
    record = DeadlineChange.objects.create(
        measure=measure, old_deadline=old, new_deadline=new_deadline, reason=reason, by=by
    )
    from .urging import levels

    levels.refresh(on=timezone.localdate(), measures=Measure.objects.filter(pk=measure.pk))
    ProgressUpdate.objects.create(
        measure=measure, author=by, action=action, note=reason if note is None else note,
        notes=notes if notes is not None else [lognotes.note(lognotes.DEADLINE_MOVED, old=old, new=new_deadline)],
        from_state=measure.state, to_state=measure.state,
    )
    case_changed(measure.case_id, issues=False)
    return record


_EDITABLE_FIELDS = {
    "text", "label", "kind", "lead_leader", "responsible_person", "lead_unit", "issue", "position",
}


@transaction.atomic
def update_measure(
    *, measure: Measure, by: User, expected_version: int | None = None,
    supporting_units: Iterable[Unit] | None = None, **fields,
) -> Measure:
    """Edit the ledger columns of a measure (not its state or deadline, which have their own services)."""
    unknown = set(fields) - _EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"update_measure cannot set {sorted(unknown)}")
    if by is None or not by.has_perm("cases.add_measure"):
        raise PermissionDenied(_("Only a supervisor may edit the ledger columns of a measure."))
    expected_version = _pin(measure, expected_version)

    old_case = measure.case_id

    def change(m: Measure) -> None:
        for name, value in fields.items():
            setattr(m, name, value)
        if "issue" in fields:
            m.case_id = m.issue.case_id

    _apply(measure=measure, expected_version=expected_version, change=change, by=by)
    if supporting_units is not None:
        measure.supporting_units.set(supporting_units)
    if "issue" in fields and old_case != measure.case_id:
        case_changed(old_case)
    case_changed(measure.case_id, issues="issue" in fields)
    return measure


def next_measure_position(case_id: int) -> int:
    """After the last measure of the case; at the top of the range, the top again (ties keep
    their order by id), so no stored position ever stops a measure from being added."""
    last = Measure.objects.filter(case_id=case_id).order_by("-position").values_list("position", flat=True).first()
    return min((last or 0) + 1, MAX_POSITION)


@transaction.atomic
def create_measure(
    *, issue: Issue, text: str, lead_unit: Unit | None, deadline: datetime.date | None = None,
    kind: str = Measure.Kind.BY_DEADLINE, lead_leader: User | None = None,
    supporting_units: Iterable[Unit] = (), label: str = "", position: int | None = None,
    by: User | None = None, responsible_person: str = "",
) -> Measure:
    """Add a measure to an issue. `by=None` is the system (an importer run by an administrator)."""
    if by is not None and not by.has_perm("cases.add_measure"):
        raise PermissionDenied(_("Only a supervisor may add measures."))
    if lead_unit is None:
        raise ValidationError({"lead_unit": _("Every measure needs a responsible unit.")}, code="no_unit")
    if position is None:
        position = next_measure_position(issue.case_id)
    measure = Measure(
        case_id=issue.case_id, issue=issue, text=(text or "").strip(), lead_unit=lead_unit, deadline=deadline,
        original_deadline=deadline, kind=kind, lead_leader=lead_leader, label=label, position=position,
        responsible_person=responsible_person or "",
    )
    measure.full_clean(validate_constraints=False)
    measure.save()
    if supporting_units:
        measure.supporting_units.set(supporting_units)
    case_changed(issue.case_id)
    return measure


@transaction.atomic
def record_state_from_source(
    *, measure: Measure, to_state: str, note: str = "", source_notice=None, by: User | None = None,
    at: datetime.datetime | None = None, notes: Sequence[dict] = (),
) -> ProgressUpdate:
    """Record a state read off an official document (a progress notice, a ledger).

    The document is the authority for what happened, so the transition rules for people do
    not apply; the change is logged as an import with its source. The importing person must
    be allowed to change the measure (`by=None` is the system: a command an administrator
    runs), and an item of a case with a sign-off chain is never completed this way: importers
    pass the state `document_state` gives them (and `_write_state` refuses 已销号 all the same).
    Recording 申请销号 opens a sign-off round at the chain's first step. `notes`: what the importer
    adds to the log (cases.lognotes).
    """
    if to_state not in State.values:
        raise TransitionNotAllowed(_("“%(state)s” is not a state.") % {"state": to_state}, code="bad_state")
    if by is not None and not Measure.objects.restrict(by, "change").filter(pk=measure.pk).exists():
        raise PermissionDenied(_("You may only act on the measures of your own units."))
    at = at or timezone.now()
    version = _pin(measure, None)  # a document records what happened: applied to the item as it is
    source = measure.state

    def change(m: Measure) -> None:
        _write_state(m, to_state, how=How.DOCUMENT, at=at)
        if to_state == State.SUBMITTED and source != State.SUBMITTED:
            open_round(m, by=by, at=at)

    _apply(measure=measure, expected_version=version, change=change, by=by)
    progress = ProgressUpdate.objects.create(
        measure=measure, author=by, action=Action.IMPORT, note=note, from_state=source, to_state=to_state,
        source_notice=source_notice, created_at=at, notes=list(notes),
    )
    case_changed(measure.case_id)
    return progress


def case_changed(case_id: int, *, issues: bool = True) -> None:
    """After a write to a case: roll its issue states up (unless `issues` is False: nothing that
    rolls up changed) and recount its dashboard figures (`cases.figures`), in the writer's
    transaction. Inside `batched_issue_refresh()` both wait for the end of the block."""
    pending = _postponed_refresh.get()
    if pending is not None:
        pending.add(case_id)
        return
    if issues:
        refresh_issue_states(case_id)
    figures.refresh_case(case_id)


# Cases whose roll-up is postponed to the end of a `batched_issue_refresh()` block.
_postponed_refresh: contextvars.ContextVar[set[int] | None] = contextvars.ContextVar(
    "postponed_issue_refresh", default=None
)


@contextlib.contextmanager
def batched_issue_refresh():
    """Recompute issue roll-ups once per case when the block ends, not after every write.

    For writers of hundreds of measures in one transaction (the notice importer): each
    service call would otherwise re-read the whole tree. Nested blocks defer to the outer one;
    if the block raises, nothing is refreshed (the transaction is being rolled back anyway).
    """
    if _postponed_refresh.get() is not None:
        yield
        return
    pending: set[int] = set()
    token = _postponed_refresh.set(pending)
    try:
        yield
    finally:
        _postponed_refresh.reset(token)
    for case_id in sorted(pending):
        refresh_issue_states(case_id)
        figures.refresh_case(case_id)


def refresh_issue_states(case_id: int) -> int:
    """Recompute the rolled-up state of every issue of a case; returns how many changed.

    Two queries read the tree and the distinct (issue, state) pairs; only changed issues
    are written. A case holds hundreds of issues, not millions, so this stays cheap.
    Inside `batched_issue_refresh()` it only notes the case and returns 0.
    """
    pending = _postponed_refresh.get()
    if pending is not None:
        pending.add(case_id)
        return 0
    issues = list(Issue.objects.filter(case_id=case_id).values_list("pk", "parent_id", "state", "path"))
    states: dict[int, set[str]] = defaultdict(set)
    pairs = Measure.objects.filter(case_id=case_id).order_by().values_list("issue_id", "state").distinct()
    for issue_id, state in pairs:
        states[issue_id].add(state)
    # Deepest first, so each node's set already holds its children's states.
    for pk, parent_id, _state, _path in sorted(issues, key=lambda row: -row[3].count("/")):
        if parent_id:
            states[parent_id] |= states[pk]
    changed = defaultdict(list)
    for pk, _parent, state, _path in issues:
        new = roll_up(states[pk])
        if new != state:
            changed[new].append(pk)
    for new, pks in changed.items():
        Issue.objects.filter(pk__in=pks).update(state=new)
    return sum(len(p) for p in changed.values())
