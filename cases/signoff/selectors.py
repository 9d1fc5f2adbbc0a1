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


@dataclass
class PastRound:
    """A round that is over (sent back, or completed and then reopened as relapsed): history."""

    number: int
    decisions: list[SignOff]


def live_round(measure: Measure) -> int | None:
    """The round the chain shows as current: the open one while the item waits, the one that
    completed it while it stays completed. None otherwise (in progress after a send-back, relapsed,
    never requested): every earlier round is history, and the next request opens a new one."""
    return measure.signoff_round if measure.state in (State.SUBMITTED, State.COMPLETED) else None


def _decisions():
    return (SignOff.objects.select_related("by", "progress")
            .prefetch_related(Prefetch("progress__evidence", queryset=Evidence.objects.order_by("pk")))
            .order_by("created_at", "pk"))


def round_signoffs(measure: Measure) -> list[SignOff]:
    """The decisions of the item's live round (see `live_round`), oldest first, with their authors
    and files; none when no round is live."""
    live = live_round(measure)
    if live is None:
        return []
    return list(_decisions().filter(measure=measure, round=live))


def past_rounds(measure: Measure) -> list[PastRound]:
    """The decisions of every round that is over, newest round first (each oldest decision first)."""
    live = live_round(measure)
    decisions = _decisions().filter(measure=measure)
    if live is not None:
        decisions = decisions.exclude(round=live)
    rounds: dict[int, list[SignOff]] = {}
    for decision in decisions:
        rounds.setdefault(decision.round, []).append(decision)
    return [PastRound(number, rounds[number]) for number in sorted(rounds, reverse=True)]


def chain_status(measure: Measure, signoffs: list[SignOff] | None = None) -> list[StepStatus]:
    """Each step of the item's chain in its live round: signed (by whom, when, with what), waiting,
    or still to come. A relapsed item's old signatures are not shown here (see `past_rounds`)."""
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
