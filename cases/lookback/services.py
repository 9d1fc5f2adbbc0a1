"""Writes of look-backs: planning the checks, and recording what a check found.

An outcome goes through `cases.services` like every other change to an item: "held" is a
progress entry (note and evidence) on the item, "relapsed" is the reopen transition with the
finding as its reason, so the item is 反弹回潮 again with its history intact.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import services as case_services
from cases.models import Measure
from cases.states import State

from . import schedule
from .models import Lookback

CHUNK = 2000


@dataclass
class PlanResult:
    created: int = 0
    rescheduled: int = 0
    dropped: int = 0


def plan_lookbacks(*, case_ids: Sequence[int] | None = None) -> PlanResult:
    """Give every completed 立行立改 / 限期整改 item a pending look-back for its latest sign-off.

    Idempotent (the unique constraint per item and completion is the guard, so two runs at
    once cannot double a check); due dates of pending checks follow the current rules; a
    pending check of a completion that no longer stands (the item was reopened) is dropped.
    """
    resolver = schedule.Resolver()
    result = PlanResult()
    measures = Measure.objects.completed().exclude(kind=Measure.Kind.LONG_TERM)
    pending = Lookback.objects.pending().filter(completed_at__isnull=False)
    if case_ids is not None:
        measures = measures.filter(case_id__in=case_ids)
        pending = pending.filter(measure__case_id__in=case_ids)
    with transaction.atomic():
        stale = pending.exclude(measure__state=State.COMPLETED, measure__completed_at=F("completed_at"))
        result.dropped = stale.delete()[0] + pending.filter(measure__kind=Measure.Kind.LONG_TERM).delete()[0]
        # Existing pending checks: move their due dates if a rule changed.
        changed = []
        for row in pending.select_related("measure__case").iterator(CHUNK):
            m = row.measure
            rule = resolver.rule(case_id=m.case_id, organisation_id=m.case.organisation_id, kind=m.kind)
            due = schedule.due_after_completion(timezone.localdate(row.completed_at), rule.months)
            if due != row.due_on:
                row.due_on = due
                changed.append(row)
        Lookback.objects.bulk_update(changed, ["due_on"], batch_size=500)
        result.rescheduled = len(changed)
        missing = measures.exclude(
            Exists(Lookback.objects.filter(measure=OuterRef("pk"), completed_at=OuterRef("completed_at")))
        ).values_list("pk", "case_id", "case__organisation_id", "kind", "completed_at")
        batch = []
        for pk, case_id, organisation_id, kind, completed_at in missing.iterator(CHUNK):
            rule = resolver.rule(case_id=case_id, organisation_id=organisation_id, kind=kind)
            due = schedule.due_after_completion(timezone.localdate(completed_at), rule.months)
            batch.append(Lookback(measure_id=pk, completed_at=completed_at, due_on=due))
            if len(batch) >= CHUNK:
                result.created += len(Lookback.objects.bulk_create(batch, ignore_conflicts=True))
                batch = []
        if batch:
            result.created += len(Lookback.objects.bulk_create(batch, ignore_conflicts=True))
    return result


@transaction.atomic
def record_lookback(
    *, measure: Measure, by, outcome: str, note: str, files: Sequence = (), expected_version: int | None = None,
    on: datetime.date | None = None,
) -> Lookback:
    """Record a look-back at `measure`: held (巩固, note and evidence) or relapsed (reopened).

    A 立行立改 / 限期整改 item must be completed; the check closes the pending look-back of its
    latest sign-off (or records one, for a check made before it fell due). A 长期坚持 item's
    check is its entry for the current reporting period.
    """
    on = on or timezone.localdate()
    note = (note or "").strip()
    if by is None or not by.has_perm("cases.add_lookback"):
        raise PermissionDenied(_("Only a supervisor may record a look-back."))
    if outcome not in (Lookback.Outcome.HELD, Lookback.Outcome.RELAPSED):
        raise ValidationError({"outcome": _("Choose held or relapsed.")}, code="bad_outcome")
    if not note:
        message = (_("Write what the look-back found: it becomes the reason for reopening the item.")
                   if outcome == Lookback.Outcome.RELAPSED else _("Write what the look-back found."))
        raise ValidationError({"note": message}, code="note_required")
    long_term = measure.kind == Measure.Kind.LONG_TERM
    if not long_term and measure.state != State.COMPLETED:
        raise ValidationError(
            _("Only a completed item is looked back at; this one is “%(state)s”.")
            % {"state": State(measure.state).label},
            code="not_completed",
        )
    if outcome == Lookback.Outcome.RELAPSED and measure.state != State.COMPLETED:
        raise ValidationError(
            {"outcome": _("Only a completed item can relapse; log the finding as progress instead.")},
            code="not_completed",
        )
    if long_term:
        rule = schedule.Resolver().rule(case_id=measure.case_id, organisation_id=measure.case.organisation_id,
                                        kind=measure.kind)
        start, _end = schedule.period_bounds(rule.period, on)
        row, _created = Lookback.objects.select_for_update().get_or_create(
            measure=measure, period_start=start, defaults={"due_on": schedule.period_due(rule.period, on)}
        )
    else:
        rule = schedule.Resolver().rule(case_id=measure.case_id, organisation_id=measure.case.organisation_id,
                                        kind=measure.kind)
        row, _created = Lookback.objects.select_for_update().get_or_create(
            measure=measure, completed_at=measure.completed_at,
            defaults={"due_on": schedule.due_after_completion(timezone.localdate(measure.completed_at), rule.months)},
        )
    if row.outcome != Lookback.Outcome.PENDING:
        raise ValidationError(
            _("This look-back was already recorded (%(outcome)s, %(when)s).")
            % {"outcome": row.get_outcome_display(), "when": timezone.localtime(row.checked_at).strftime("%Y-%m-%d")},
            code="already_recorded",
        )
    prefix = _("Look-back (回头看): ")
    if outcome == Lookback.Outcome.HELD:
        progress = case_services.log_progress(measure=measure, by=by, note=prefix + note, files=files,
                                              expected_version=expected_version)
    else:
        progress = case_services.transition_measure(measure=measure, to_state=State.RELAPSED, by=by,
                                                    note=prefix + note, files=files,
                                                    expected_version=expected_version)
    row.outcome, row.note, row.by, row.checked_at, row.progress = outcome, note, by, progress.created_at, progress
    row.save()
    return row
