"""Reading an item's sign-off: where it stands in its chain, and the signatures of the round."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch

from ..models import Evidence, Measure, SignOff
from ..states import State
from . import eligibility


@dataclass
class StepStatus:
    position: int
    title: str
    signer: str  # who signs, in words
    status: str  # "signed", "waiting" (the item waits here now) or "pending"
    signoff: SignOff | None = None
    signers: list = field(default_factory=list)  # who may sign, while waiting

    @property
    def evidence(self) -> list[Evidence]:
        return list(self.signoff.progress.evidence.all()) if self.signoff and self.signoff.progress else []


def round_signoffs(measure: Measure) -> list[SignOff]:
    """The decisions of the item's current round, oldest first, with their authors and files."""
    return list(
        SignOff.objects.filter(measure=measure, round=measure.signoff_round)
        .select_related("by", "progress")
        .prefetch_related(Prefetch("progress__evidence", queryset=Evidence.objects.order_by("pk")))
        .order_by("created_at", "pk")
    )


def chain_status(measure: Measure, signoffs: list[SignOff] | None = None) -> list[StepStatus]:
    """Each step of the item's chain: signed (by whom, when, with what), waiting, or still to come."""
    signoffs = round_signoffs(measure) if signoffs is None else signoffs
    approvals = {s.step: s for s in signoffs if s.decision == SignOff.Decision.APPROVE and s.step}
    completed = measure.state == State.COMPLETED
    rows = []
    for step in eligibility.steps_of(measure.case):
        signoff = approvals.get(step.position)
        if signoff is not None:
            status = "signed"
        elif measure.state == State.SUBMITTED and measure.signoff_step == step.position:
            status = "waiting"
        else:
            status = "pending" if not completed else "skipped"
        row = StepStatus(step.position, eligibility.step_title(step),
                         str(eligibility.Signer(step.signer).label), status, signoff)
        if status == "waiting":
            row.signers = [u for u in eligibility.signers_of(measure, step) if u.pk != measure.signoff_requested_by_id]
        rows.append(row)
    return rows
