"""Units and leaders named in a document, matched to the organisation's by name.

One matcher for every import that names them: the plan import (`notices.plans.importer`) and
the notice import (`notices.importer`). Units are matched inside the organisation, ignoring
width, spaces and punctuation (`cases.names.comparison_key`); a name not found gets "did you
mean" suggestions among the organisation's units and is created only when the administrator
confirms (`create_missing`). Leaders are matched to active people of that name in the
organisation or the organisations above it (never a namesake elsewhere), the organisation's own
first when several share it; an unknown one gets suggestions among the
organisation's people and, on confirmation, is created as a user who cannot sign in, made a
leader of the organisation so that its offices see and can edit them.

Nothing here reads a document or writes measures; the callers say which names to look for and
what to do with what is found.
"""

from __future__ import annotations

import difflib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q

from accounts.models import Membership, Organisation, OrganisationMembership, Unit, User
from cases.names import comparison_key

_SUGGESTIONS = 2
_CUTOFF = 0.5
_UNIT_NAME_MAX = 200
_PERSON_NAME_MAX = 150


@dataclass(slots=True)
class NameMatches:
    """What the names of one document found in one organisation."""

    units: dict[str, Unit] = field(default_factory=dict)  # name as written → unit
    missing_units: dict[str, list[str]] = field(default_factory=dict)  # name → did you mean
    leaders: dict[str, User] = field(default_factory=dict)
    missing_leaders: dict[str, list[str]] = field(default_factory=dict)
    ambiguous_leaders: dict[str, int] = field(default_factory=dict)  # name → how many users bear it

    @property
    def missing(self) -> bool:
        return bool(self.missing_units or self.missing_leaders)


def match_units(names: Iterable[str], organisation: Organisation) -> tuple[dict[str, Unit], dict[str, list[str]]]:
    """The organisation's units of these names, and for each name not found, close names that are."""
    wanted = sorted({n for n in names if n and n.strip()})
    if not wanted:
        return {}, {}
    known = {comparison_key(u.name): u for u in Unit.objects.filter(organisation=organisation).only("pk", "name")}
    found: dict[str, Unit] = {}
    missing: dict[str, list[str]] = {}
    for name in wanted:
        unit = known.get(comparison_key(name))
        if unit is not None:
            found[name] = unit
        else:
            missing[name] = difflib.get_close_matches(name, [u.name for u in known.values()], n=_SUGGESTIONS,
                                                      cutoff=_CUTOFF)
    return found, missing


def _people_of(organisation: Organisation, *, with_ancestors: bool = False):
    """Active people of the organisation (its offices and leaders, its units' staff); with
    `with_ancestors`, of the organisations above it too."""
    ids = [organisation.pk]
    if with_ancestors:
        ids += [int(part) for part in (organisation.path or "").split("/") if part.isdigit()]
    return User.objects.filter(
        Q(Exists(OrganisationMembership.objects.filter(user=OuterRef("pk"), organisation_id__in=ids)))
        | Q(Exists(Membership.objects.filter(user=OuterRef("pk"), unit__organisation_id__in=ids))),
        is_active=True,
    )


def match_leaders(names: Iterable[str], organisation: Organisation | None = None
                  ) -> tuple[dict[str, User], dict[str, list[str]], dict[str, int]]:
    """Users of these names; names nobody bears (with suggestions); names several users bear.

    Of several users of one name, the single one who belongs to ``organisation`` is taken."""
    wanted = sorted({n for n in names if n and n.strip()})
    if not wanted:
        return {}, {}, {}
    bearers: dict[str, list[User]] = {}
    # Inside an organisation only its own people and those of the bodies above it may lead its
    # items: a namesake in a sibling county is someone else, never assigned (nor shown) here.
    candidates = (_people_of(organisation, with_ancestors=True) if organisation is not None
                  else User.objects.filter(is_active=True))
    for person in candidates.filter(name__in=wanted).order_by("pk"):
        bearers.setdefault(person.name, []).append(person)
    local: set[int] = set()
    if organisation is not None and any(len(people) > 1 for people in bearers.values()):
        local = set(_people_of(organisation).filter(name__in=wanted).values_list("pk", flat=True))
    found: dict[str, User] = {}
    missing: dict[str, list[str]] = {}
    ambiguous: dict[str, int] = {}
    for name in wanted:
        people = bearers.get(name, [])
        if len(people) > 1:
            people = [p for p in people if p.pk in local] or people
        if len(people) == 1:
            found[name] = people[0]
        elif people:
            ambiguous[name] = len(people)
        else:
            missing[name] = []
    if missing and organisation is not None:
        close_to = list(_people_of(organisation).values_list("name", flat=True)[:5000])
        for name in missing:
            missing[name] = difflib.get_close_matches(name, close_to, n=_SUGGESTIONS, cutoff=_CUTOFF)
    return found, missing, ambiguous


def match_names(*, units: Iterable[str], leaders: Iterable[str], organisation: Organisation) -> NameMatches:
    found_units, missing_units = match_units(units, organisation)
    found_leaders, missing_leaders, ambiguous = match_leaders(leaders, organisation)
    return NameMatches(units=found_units, missing_units=missing_units, leaders=found_leaders,
                       missing_leaders=missing_leaders, ambiguous_leaders=ambiguous)


def unit_kind(name: str) -> str:
    """A new unit's kind from its name: a Party body, a government, an enterprise, else other."""
    if name.startswith("中共") or name.endswith(("委", "委员会", "党委", "党组")):
        return Unit.Kind.PARTY
    if name.endswith("政府"):
        return Unit.Kind.GOVERNMENT
    if name.endswith(("公司", "集团")):
        return Unit.Kind.ENTERPRISE
    return Unit.Kind.OTHER


def create_units(names: Iterable[str], organisation: Organisation) -> dict[str, Unit]:
    """New units of these names in the organisation (the administrator confirmed them)."""
    return {name: Unit.objects.create(name=name[:_UNIT_NAME_MAX], organisation=organisation, kind=unit_kind(name))
            for name in names}


def create_leaders(names: Iterable[str], organisation: Organisation | None = None) -> dict[str, User]:
    """New users of these names who cannot sign in until given a password, leaders of the organisation."""
    created: dict[str, User] = {}
    for name in names:
        person = User(username=f"leader-{uuid.uuid4().hex[:10]}", name=name[:_PERSON_NAME_MAX])
        person.set_unusable_password()
        person.save()
        if organisation is not None:
            OrganisationMembership.objects.create(user=person, organisation=organisation,
                                                  role=OrganisationMembership.OrgRole.LEADER)
        created[name] = person
    return created
