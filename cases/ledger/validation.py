"""Checking every row of a ledger against the case: IDs, required cells, leaders, units, dates, words."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Unit, User

from .. import services
from ..models import Issue, Measure
from ..outcomes import ledger as outcome_ledger
from .cells import cell_text, parse_choice, parse_deadline, split_label, split_units
from .changes import describe_changes
from .columns import HEADER_OF, ISSUE_SPLIT, KIND_NAMES, KIND_SYNONYMS, REQUIRED, STATE_SYNONYMS
from .report import LedgerImport, LedgerRow
from .rows import IssuePaths, ledger_queryset


def validate_rows(raw_rows, result: LedgerImport, *, user: User) -> None:
    case = result.case
    # An import touches only what its user may change, and names only the case's organisation's units.
    existing = {
        m.pk: m for m in ledger_queryset(Measure.objects.restrict(user, "change").filter(case=case))
    }
    unit_names = {n for _, row in raw_rows for n in split_units(cell_text(row.get("units")))}
    units = {u.name: u for u in case_units(case, user).filter(name__in=unit_names)}
    leader_names = {cell_text(row.get("leader")) for _, row in raw_rows} - {""}
    leaders: dict[str, list[User]] = {}
    for person in User.objects.filter(name__in=leader_names, is_active=True):
        leaders.setdefault(person.name, []).append(person)
    issue_text = IssuePaths()
    issue_text.load(Issue.objects.filter(case=case))
    seen_ids: dict[int, int] = {}

    for number, row in raw_rows:
        before = len(result.errors)

        def err(key, message, number=number):
            result.error(number, HEADER_OF.get(key, ""), message)

        measure = None
        raw_id = cell_text(row.get("id"))
        if raw_id:
            if not raw_id.isdigit():
                err("id", _("“%(value)s” is not a valid measure ID; leave it empty for a new measure.")
                    % {"value": raw_id})
            elif int(raw_id) in seen_ids:
                err("id", _("Measure ID %(id)s repeats row %(row)s.") % {"id": raw_id, "row": seen_ids[int(raw_id)]})
            elif int(raw_id) not in existing:
                err("id", _("Measure ID %(id)s does not belong to this case (or was deleted); leave the ID empty for "
                            "a new measure.") % {"id": raw_id})
            else:
                seen_ids[int(raw_id)] = number
                measure = existing[int(raw_id)]

        for key in REQUIRED:
            if not cell_text(row.get(key)):
                err(key, _("Must not be empty."))

        path = []
        for part in ISSUE_SPLIT.split(cell_text(row.get("issue"))):
            part = part.strip()
            if part:
                label, title = split_label(part)
                if not title:
                    err("issue", _("“%(text)s” has a number but no problem text.") % {"text": part})
                path.append((label, title))
        if len(path) > 6:
            err("issue", _("The issue has more than 6 levels; check the use of the separator “ / ”."))
        label, text = split_label(cell_text(row.get("measure")))
        if len(text) > 5000:
            err("measure", _("The text is longer than 5000 characters."))

        leader = None
        leader_name = cell_text(row.get("leader"))
        if leader_name:
            found = leaders.get(leader_name, [])
            if not found:
                err("leader", _("There is no user named “%(name)s”; add them under “Users” first, or check the "
                                "name.") % {"name": leader_name})
            elif len(found) > 1:
                err("leader", ngettext(
                    "There is %(n)s user named “%(name)s”, so it is unclear which one is meant; give users of the "
                    "same name distinct names in the system.",
                    "There are %(n)s users named “%(name)s”, so it is unclear which one is meant; give users of the "
                    "same name distinct names in the system.", len(found)) % {"n": len(found), "name": leader_name})
            else:
                leader = found[0]

        names = split_units(cell_text(row.get("units")))
        unit_list = []
        for name in names:
            if name in units:
                unit_list.append(units[name])
            else:
                err("units", unknown_unit(name, case_units(case, user)))
        if len(set(names)) != len(names):
            err("units", _("The same unit is entered twice."))

        deadline, kind_from_deadline = parse_deadline(row.get("deadline"), err)
        kind = parse_choice(row.get("kind"), KIND_SYNONYMS, "kind", err) or kind_from_deadline
        if kind is None:
            kind = measure.kind if measure else Measure.Kind.BY_DEADLINE
        if kind != Measure.Kind.LONG_TERM and deadline is None and not result.errors[before:]:
            err("deadline", _("A deadline (e.g. 2026-06-30) is required, except for “%(long_term)s” measures.")
                % {"long_term": KIND_NAMES[Measure.Kind.LONG_TERM]})
        person = cell_text(row.get("person")) if "person" in row else None
        if person and len(person) > 100:
            err("person", _("The name is longer than 100 characters."))
        state = parse_choice(row.get("state"), STATE_SYNONYMS, "state", err)
        capped = False
        if state:
            # The one cap of imported states (cases.services): no 已销号 around a sign-off chain.
            decided = services.document_state(case=case, current=measure.state if measure else None, reported=state)
            state, capped = decided.state, decided.capped
            if capped:
                result.warnings.append(_("Row %(row)s: %(message)s") % {"row": number, "message": decided.warning})
        progress = cell_text(row.get("progress"))
        figures = outcome_ledger.read_cell(cell_text(row.get("outcomes")), err)

        if len(result.errors) > before:
            continue
        item = LedgerRow(
            row=number, measure=measure, path=path, label=label, text=text, leader=leader, lead_unit=unit_list[0],
            supporting=unit_list[1:], deadline=deadline, kind=kind, progress=progress, state=state,
            person=person, outcomes=outcome_ledger.new_figures(measure, figures), state_capped=capped,
        )
        item.changes = describe_changes(item, issue_text)
        if item.outcomes:
            item.changes.append(outcome_ledger.change_text(item.outcomes))
        result.rows.append(item)



def case_units(case, user):
    """The units a ledger row of `case` may name: those of the case's organisation (and below)
    that the importing user may see."""
    return Unit.objects.restrict(user).filter(organisation__path__startswith=case.organisation.path)


def unknown_unit(name: str, candidates=None) -> str:
    """The error for a unit name not in the system, suggesting up to two close names."""
    import difflib

    candidates = Unit.objects.none() if candidates is None else candidates
    names = list(candidates.filter(is_active=True).values_list("name", flat=True)[:20000])
    close = difflib.get_close_matches(name, names, n=2, cutoff=0.6)
    if len(close) >= 2:
        return (_("There is no responsible unit named “%(name)s” (did you mean “%(first)s” or “%(second)s”?).")
                % {"name": name, "first": close[0], "second": close[1]})
    if close:
        return (_("There is no responsible unit named “%(name)s” (did you mean “%(match)s”?).")
                % {"name": name, "match": close[0]})
    return (_("There is no responsible unit named “%(name)s”; add it under “Responsible units” first, or check "
              "the name.") % {"name": name})

