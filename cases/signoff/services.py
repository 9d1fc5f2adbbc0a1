"""Deadline extension requests (申请延期): a unit asks, a supervisor approves or refuses.

Both are written to the item's log; an approval moves the deadline through the same path as
any deadline change (the first deadline stays as the baseline, the reason is kept), and the
decision is announced to the unit at once (cases.notify).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from .. import lognotes, notify
from .. import services as core
from ..models import Measure, ProgressUpdate
from ..states import Action
from .models import ExtensionRequest

DECIDE_PERM = "cases.add_deadlinechange"


@transaction.atomic
def request_extension(
    *, measure: Measure, by: User, proposed_deadline: datetime.date | None, reason: str,
    expected_version: int | None = None,
) -> ExtensionRequest:
    """Staff of the item's units (or a supervisor) ask for a later deadline, with a reason."""
    reason = (reason or "").strip()
    if by is None or not core.can_edit(by, measure):
        raise PermissionDenied(_("You may only act on the measures of your own units."))
    errors = {}
    if not reason:
        errors["reason"] = _("Say why more time is needed.")
    if proposed_deadline is None:
        errors["proposed_deadline"] = _("Propose the new deadline.")
    elif measure.deadline and proposed_deadline <= measure.deadline:
        errors["proposed_deadline"] = _("The proposed deadline must be after the current one (%(current)s).") % {
            "current": measure.deadline.isoformat()}
    elif proposed_deadline < timezone.localdate():
        errors["proposed_deadline"] = _("The proposed deadline is in the past.")
    if not measure.is_ongoing:
        errors["proposed_deadline"] = _("A completed item needs no extension.")
    if errors:
        raise ValidationError(errors, code="bad_extension")
    if ExtensionRequest.objects.pending().filter(measure=measure).exists():
        raise ValidationError(_("An extension request for this item is already awaiting a decision."),
                              code="extension_pending")
    core._apply(measure=measure, expected_version=expected_version, change=lambda m: None, by=by)
    request = ExtensionRequest.objects.create(
        measure=measure, requested_by=by, current_deadline=measure.deadline, proposed_deadline=proposed_deadline,
        reason=reason,
    )
    ProgressUpdate.objects.create(
        measure=measure, author=by, action=Action.EXTENSION_REQUEST, note=reason,
        notes=[lognotes.note(lognotes.EXTENSION_REQUESTED, date=proposed_deadline)],
        from_state=measure.state, to_state=measure.state,
    )
    return request


@transaction.atomic
def decide_extension(
    *, request: ExtensionRequest, by: User, approve: bool, note: str = "",
) -> ExtensionRequest:
    """Approve (the deadline moves to the proposed date) or refuse (with a reason) a pending request."""
    note = (note or "").strip()
    measure = Measure.objects.select_related("case").get(pk=request.measure_id)
    if by is None or not by.has_perm(DECIDE_PERM):
        raise PermissionDenied(_("Only a supervisor may decide an extension request."))
    if not Measure.objects.restrict(by).filter(pk=measure.pk).exists():
        raise PermissionDenied(_("You may only act on the measures of your own units."))
    if by.pk == request.requested_by_id:
        raise PermissionDenied(_("You asked for this extension yourself: someone else must decide it."))
    if not approve and not note:
        raise ValidationError({"note": _("Say why the extension is refused.")}, code="reason_required")
    now = timezone.now()
    claimed = ExtensionRequest.objects.filter(pk=request.pk, status=ExtensionRequest.Status.PENDING).update(
        status=ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REFUSED,
        decided_by=by, decided_at=now, decision_note=note,
    )
    if not claimed:
        raise ValidationError(_("This extension request has already been decided."), code="extension_decided")
    request.refresh_from_db()
    if approve:
        # The reason kept with the deadline change is the unit's own (and the decider's comment);
        # the log entry says in the reader's language that it was an approved extension.
        reason = f"{request.reason}({note})" if note else request.reason
        core._move_deadline(
            measure=measure, new_deadline=request.proposed_deadline, reason=reason, by=by,
            action=Action.EXTENSION_APPROVED, note=note,
            notes=[lognotes.note(lognotes.EXTENSION_APPROVED, old=request.current_deadline,
                                 new=request.proposed_deadline)],
        )
        progress = measure.progress_updates.filter(action=Action.EXTENSION_APPROVED).order_by("-pk").first()
    else:
        core._apply(measure=measure, expected_version=None, change=lambda m: None, by=by)
        progress = ProgressUpdate.objects.create(
            measure=measure, author=by, action=Action.EXTENSION_REFUSED, note=note,
            notes=[lognotes.note(lognotes.EXTENSION_REFUSED, date=request.proposed_deadline)],
            from_state=measure.state, to_state=measure.state, created_at=now,
        )
    notify.decision_made(progress)
    return request
