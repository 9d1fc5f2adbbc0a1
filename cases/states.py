"""The states of a measure and every transition between them: the one place the rules live.

未启动 planned → 推进中 in progress → 阶段性成效 phased → 申请销号 submitted → 已销号 completed.
A supervisor may send a submitted item back, and reopen a completed one as relapsed
(反弹回潮). Services consult `find_rule`; forms, admin actions and the API only ask
`allowed_rules` which buttons to show.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from .choices import Action, State

__all__ = [
    "ONGOING_STATES",
    "PAPER_SIGNOFF_PERM",
    "REOPEN_PERM",
    "RULES",
    "RULES_BY_ACTION",
    "SIGN_OFF_PERM",
    "STATE_RANK",
    "Action",
    "Rule",
    "State",
    "allowed_rules",
    "find_rule",
    "roll_up",
]


# The states and actions themselves, with their words and colours, are in cases.choices.
ONGOING_STATES = frozenset(s for s in State.values if s != State.COMPLETED)

# Order used to roll states up and to sort by advancement; relapsed sits with in progress.
STATE_RANK: dict[str, int] = {
    State.PLANNED: 0,
    State.RELAPSED: 1,
    State.IN_PROGRESS: 1,
    State.PHASED: 2,
    State.SUBMITTED: 3,
    State.COMPLETED: 4,
}


class PermissionHolder(Protocol):
    """Anything with `has_perm`: a user (or a test double of one)."""

    def has_perm(self, perm: str, /) -> bool: ...


# Permissions that lift an action above the staff of the responsible unit.
SIGN_OFF_PERM = "cases.sign_off_measure"
REOPEN_PERM = "cases.reopen_measure"
PAPER_SIGNOFF_PERM = "cases.record_paper_signoff"


@dataclass(frozen=True)
class Rule:
    action: str
    sources: frozenset[str]
    target: str
    permission: str | None = None  # None: anyone who may edit the measure
    needs_reason: bool = False
    # Signed at a step of the case's sign-off chain: the step says who (cases.signoff.eligibility),
    # not a group permission, so unit heads and leaders sign without being supervisors.
    by_step: bool = False


RULES: tuple[Rule, ...] = (
    Rule(Action.START, frozenset({State.PLANNED}), State.IN_PROGRESS),
    Rule(Action.PHASE, frozenset({State.PLANNED, State.IN_PROGRESS, State.RELAPSED}), State.PHASED),
    Rule(Action.RESUME, frozenset({State.RELAPSED}), State.IN_PROGRESS),
    Rule(
        Action.SUBMIT,
        frozenset({State.PLANNED, State.IN_PROGRESS, State.PHASED, State.RELAPSED}),
        State.SUBMITTED,
    ),
    Rule(Action.APPROVE, frozenset({State.SUBMITTED}), State.COMPLETED, by_step=True),
    Rule(Action.SEND_BACK, frozenset({State.SUBMITTED}), State.IN_PROGRESS, needs_reason=True, by_step=True),
    Rule(Action.REOPEN, frozenset({State.COMPLETED}), State.RELAPSED, REOPEN_PERM, needs_reason=True),
)
RULES_BY_ACTION = {rule.action: rule for rule in RULES}


def find_rule(source: str, target: str) -> Rule | None:
    """The rule that moves `source` to `target`, if any. At most one rule joins two states."""
    for rule in RULES:
        if source in rule.sources and rule.target == target:
            return rule
    return None


def allowed_rules(source: str, user: PermissionHolder, *, signs_now: bool = False) -> list[Rule]:
    """Rules the user may apply from `source`; scope (whose measure it is) is checked elsewhere.

    Sign-off and send-back belong to whoever signs the item's current step: the caller says
    whether that is this user (`signs_now`, from cases.signoff.eligibility.may_sign)."""
    return [
        r for r in RULES
        if source in r.sources
        and (signs_now if r.by_step else (r.permission is None or user.has_perm(r.permission)))
    ]


def roll_up(states: Iterable[str]) -> str:
    """An issue's state from the set of its measures' states.

    All completed → completed; all at least submitted → submitted; all at least phased →
    phased; none started → planned; otherwise in progress. No measures → planned.
    """
    states = set(states)
    if not states or states == {State.PLANNED}:
        return State.PLANNED
    lowest = min(STATE_RANK[s] for s in states)
    if lowest >= STATE_RANK[State.COMPLETED]:
        return State.COMPLETED
    if lowest >= STATE_RANK[State.SUBMITTED]:
        return State.SUBMITTED
    if lowest >= STATE_RANK[State.PHASED]:
        return State.PHASED
    return State.IN_PROGRESS
