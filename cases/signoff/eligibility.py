"""Who may sign an item at its current step: the one rule behind the queue and the services.

`awaiting_signature_of(user)` is a condition on measures: submitted, at a step whose signer
this user is, and not requested by this user. The sign-off services ask the same condition of
one measure (`may_sign`), so what the queue offers and what the service accepts cannot differ.

A case uses its own chain, else the deployment's default chain; with neither, a case has the
single implicit step "the organisation's 整改办" (anyone supervising the case's organisation or
one above it, with the sign-off permission), which is what one signature meant before chains.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from accounts.models import Membership, Organisation, OrganisationMembership, User

from ..states import SIGN_OFF_PERM, State
from .models import SignoffChain, SignoffStep

Signer = SignoffStep.Signer


@dataclass(frozen=True)
class Step:
    """A step as the services use it (a stored step, or the implicit one of an unchained case)."""

    position: int
    title: str
    signer: str
    people_ids: frozenset[int] = frozenset()


IMPLICIT_STEP = Step(1, "", Signer.ORG_SUPERVISORS)


def chain_of(case) -> SignoffChain | None:
    """The case's own chain, else the deployment default, else None (the implicit one step)."""
    if case.signoff_chain_id:
        return case.signoff_chain
    cache = getattr(case, "_default_chain", False)
    if cache is False:
        cache = SignoffChain.objects.default()
        case._default_chain = cache
    return cache


def attach_chains(measures) -> None:
    """Give the cases of `measures` their chains (with steps and named people) from two queries,
    so a page of items does not read its chain once per row."""
    chains = {c.pk: c for c in SignoffChain.objects.prefetch_related("steps__people")}
    for chain in chains.values():
        chain._ordered_steps = sorted(chain.steps.all(), key=lambda s: s.position)
    default = next((c for c in chains.values() if c.is_default), None)
    for measure in measures:
        case = measure.case
        case._default_chain = default
        if case.signoff_chain_id:
            case.signoff_chain = chains[case.signoff_chain_id]


def default_chain() -> SignoffChain | None:
    """The deployment's default chain (what a case without its own follows), or None."""
    return SignoffChain.objects.default()


def is_chained(case) -> bool:
    """True when an explicit chain (the case's or the default) governs the case's sign-off."""
    return chain_of(case) is not None


def steps_of(case) -> list[Step]:
    chain = chain_of(case)
    if chain is None:
        return [IMPLICIT_STEP]
    steps = [Step(s.position, s.title, s.signer, frozenset(p.pk for p in s.people.all()))
             for s in chain.ordered_steps()]
    return steps or [IMPLICIT_STEP]


def step_title(step: Step) -> str:
    return step.title or str(Signer(step.signer).label)


def evidence_required(case) -> bool:
    chain = chain_of(case)
    return bool(chain and chain.evidence_required)


# --- The condition ------------------------------------------------------------------------


def _supervised_organisation_ids(user) -> list[int]:
    """Organisations whose 整改办 this user is part of: where they hold the supervisor role, and
    every organisation below those."""
    paths = list(OrganisationMembership.objects.filter(
        user=user, role=OrganisationMembership.OrgRole.SUPERVISOR
    ).values_list("organisation__path", flat=True))
    if not paths:
        return []
    return list(Organisation.objects.filter(reduce(or_, (Q(path__startswith=p) for p in paths)))
                .values_list("pk", flat=True))


class _UserRoles:
    """What a user is, read once: the facts every step kind tests."""

    def __init__(self, user: User):
        self.user = user
        self.headed_unit_ids = sorted(
            set(user.headed_units.values_list("pk", flat=True))
            | set(Membership.objects.filter(user=user, role=Membership.UnitRole.HEAD).values_list("unit_id", flat=True))
        )
        self.office_ids = sorted(_supervised_organisation_ids(user)) if user.has_perm(SIGN_OFF_PERM) else []
        self.led_organisation_ids = sorted(Organisation.objects.filter(principal_leader=user)
                                           .values_list("pk", flat=True))

    def condition(self, step: Step) -> Q | None:
        if step.signer == Signer.LEAD_UNIT_HEAD:
            return Q(lead_unit_id__in=self.headed_unit_ids) if self.headed_unit_ids else None
        if step.signer == Signer.LEAD_LEADER:
            return Q(lead_leader_id=self.user.pk)
        if step.signer == Signer.ORG_SUPERVISORS:
            return Q(case__organisation_id__in=self.office_ids) if self.office_ids else None
        if step.signer == Signer.PRINCIPAL_LEADER:
            return Q(case__organisation_id__in=self.led_organisation_ids) if self.led_organisation_ids else None
        if step.signer == Signer.NAMED:
            return Q() if self.user.pk in step.people_ids else None
        return None


def awaiting_signature_of(user) -> Q:
    """Measures waiting at a step this user signs (and which they did not request themselves)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    roles = _UserRoles(user)
    chains = list(SignoffChain.objects.prefetch_related("steps__people"))
    default = next((c for c in chains if c.is_default), None)
    parts = []

    def add(chain_condition: Q, steps: list[Step]) -> None:
        for step in steps:
            condition = roles.condition(step)
            if condition is not None:
                parts.append(chain_condition & Q(signoff_step=step.position) & condition)

    for chain in chains:
        condition = Q(case__signoff_chain=chain)
        if chain is default:
            condition |= Q(case__signoff_chain__isnull=True)
        add(condition, [Step(s.position, s.title, s.signer, frozenset(p.pk for p in s.people.all()))
                        for s in chain.steps.all()] or [IMPLICIT_STEP])
    if default is None:
        add(Q(case__signoff_chain__isnull=True), [IMPLICIT_STEP])
    if not parts:
        return Q(pk__in=[])
    from ..models import SignOff

    # One signature per person and round: who signed an earlier step does not sign again.
    signed = SignOff.objects.filter(measure=OuterRef("pk"), round=OuterRef("signoff_round"), by=user,
                                    decision=SignOff.Decision.APPROVE)
    return (Q(state=State.SUBMITTED) & ~Q(signoff_requested_by=user) & ~Exists(signed)
            & reduce(or_, parts))


def may_sign(user, measure) -> bool:
    """Whether `user` signs `measure` at the step it waits at now (and may see it)."""
    from ..models import Measure

    return Measure.objects.restrict(user).filter(awaiting_signature_of(user), pk=measure.pk).exists()


def signers_of(measure, step: Step):
    """The people who may sign `measure` at `step` (for the item page: "waiting for …")."""
    users = User.objects.filter(is_active=True)
    if step.signer == Signer.LEAD_UNIT_HEAD:
        unit = measure.lead_unit
        return users.filter(Q(headed_units=unit) | Q(memberships__unit=unit, memberships__role="head")).distinct()
    if step.signer == Signer.LEAD_LEADER:
        return users.filter(pk=measure.lead_leader_id) if measure.lead_leader_id else users.none()
    if step.signer == Signer.ORG_SUPERVISORS:
        organisation = measure.case.organisation
        ancestors = [int(p) for p in organisation.path.strip("/").split("/") if p]
        candidates = users.filter(organisation_memberships__organisation_id__in=ancestors,
                                  organisation_memberships__role="supervisor").distinct()
        return [u for u in candidates if u.has_perm(SIGN_OFF_PERM)]
    if step.signer == Signer.PRINCIPAL_LEADER:
        leader_id = measure.case.organisation.principal_leader_id
        return users.filter(pk=leader_id) if leader_id else users.none()
    return users.filter(pk__in=sorted(step.people_ids))


def not_your_step_message(measure) -> str:
    steps = steps_of(measure.case)
    current = next((s for s in steps if s.position == measure.signoff_step), None)
    if current is None:
        return _("This item is not waiting for a signature.")
    return _("This item waits at step %(n)s (%(title)s); you do not sign at that step.") % {
        "n": current.position, "title": step_title(current)}
