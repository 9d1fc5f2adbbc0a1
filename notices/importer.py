"""Turn a parsed notice into a case: issues, measures and the states the notice reports.

`preview_notice` says what an import would do and writes nothing; `import_notice` does it
in one transaction, so a notice is imported whole or not at all. Both build the same
`ImportPlan`, so what the administrator confirmed in the preview is what gets written.

A notice is identified by the sha256 of its normalised text: importing the same text again
changes nothing and says so. A later notice of the same inspection round (same inspected
body and inspection team, and the same inspection or feedback dates) updates the case the
first one created: its issues are matched by label and title, its measures by label or
order, and the states it reports are recorded with the notice as their source.

New measures are written through `cases.tree`, states of matched ones through
`cases.services.record_state_from_source`. A measure whose item names its units and leader
(责任单位/牵头单位/配合单位/责任领导 field lines, or "（责任单位：县财政局）" inline) gets
them, matched by name to the organisation's units and people (`notices.matching`, the plan
import's matcher); a name not found blocks the import with "did you mean" suggestions until
it is corrected or the administrator confirms creating it (`create_missing`). Only measures
that name no unit fall back to the one "responsible unit" chosen for the import, by default
a unit named after the issuer.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import change_reasons
from accounts.models import Organisation, Unit, User
from cases import lognotes, services
from cases.models import Case, Issue, Measure, ProgressUpdate
from cases.names import body_key, comparison_key
from cases.outcomes import notices as outcome_notices
from cases.states import State
from cases.tree import NewIssue, TreeWriter
from notices.matching import NameMatches, create_leaders, create_units, match_names, unit_kind
from notices.models import Notice, content_hash
from notices.parser.fields import split_units
from notices.parser.messages import stored as stored_warning
from notices.parser.model import IssueNode, ParsedNotice
from notices.parser.model import Measure as ParsedMeasure

# Case.title, Issue.title and the labels have these limits; longer text is kept in full in
# Issue.text and Notice.parsed, so cutting the short columns loses nothing.
_CASE_TITLE_MAX = 300
_ISSUE_TITLE_MAX = 500
_LABEL_MAX = 40
_UNIT_NAME_MAX = 200

# What a measure's wording says about its kind (立行立改 / 长期坚持); everything else is
# 限期整改. 长期坚持 items need no deadline, which the model allows only for them.
_LONG_TERM = re.compile(r"长期坚持|长期整改|久久为功|长期推进")
_IMMEDIATE = re.compile(r"立行立改|立即整改|即知即改|立知立改|即查即改")

# Under the 巡视工作条例 the inspected body reports its rectification two months after the
# feedback; with no deadline in the text, that is the date a measure is first due.
_DEFAULT_PERIOD_MONTHS = 2


class NoticeImportError(Exception):
    """The import cannot go ahead for a reason the administrator can fix (the message says which)."""


# --- What an import will do ----------------------------------------------------------


@dataclass(slots=True)
class MeasurePlan:
    parsed: ParsedMeasure
    action: str  # "create", "state" (state changes), "note" (same state, new report), "unchanged"
    kind: str
    deadline: datetime.date | None
    deadline_source: str  # "notice", "default", "none" (long-term)
    state: str  # the state the measure will have
    current_state: str | None = None
    measure_id: int | None = None
    # True when the notice's wording proposes a state but the existing one is kept, because
    # the parser found no phrase for it (its default) while people had moved it on.
    state_kept: bool = False
    # True when the notice says 已完成 but the case's sign-off chain makes it 申请销号
    # (cases.services.document_state): the preview shows the capped state and says why.
    capped: bool = False

    @property
    def backwards(self) -> bool:
        from cases.states import STATE_RANK

        return (
            self.current_state is not None
            and self.state != self.current_state
            and STATE_RANK[State(self.state)] < STATE_RANK[State(self.current_state)]
        )


@dataclass(slots=True)
class NodePlan:
    node: IssueNode
    depth: int
    action: str  # "create" or "match"
    issue_id: int | None = None
    parent: NodePlan | None = None
    measures: list[MeasurePlan] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class ImportPlan:
    """Everything the preview shows and the import then does."""

    parsed: ParsedNotice
    content_hash: str
    notice_kind: str
    duplicate_of: Notice | None
    case: Case | None  # the existing case a later notice updates; None → a new case
    case_values: dict[str, Any]
    case_match_reason: str
    unit: Unit | None
    unit_name: str
    unit_created: bool
    organisation: Organisation | None  # None: created on import, named organisation_name
    organisation_name: str
    default_deadline: datetime.date
    default_deadline_reason: str
    nodes: list[NodePlan]
    notes: list[str]  # importer's own remarks (not parser warnings)
    reported_at: datetime.datetime
    # What must be chosen before this notice can be imported (a dry run reports it, an
    # import refuses with it): e.g. a responsible unit when the notice names no issuer.
    blockers: list[str] = field(default_factory=list)
    today: datetime.date | None = None
    # The units and leaders the new measures name, as matched in the organisation.
    names: NameMatches = field(default_factory=NameMatches)
    create_missing: bool = False
    # Names not found (or borne by several users): they stop the import like blockers, but
    # the administrator can resolve the missing ones by confirming their creation.
    name_blockers: list[str] = field(default_factory=list)

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of is not None

    @property
    def creates_case(self) -> bool:
        return self.case is None

    def measure_plans(self) -> list[MeasurePlan]:
        return [m for node in self.nodes for m in node.measures]

    def counts(self) -> dict[str, int]:
        measures = self.measure_plans()
        return {
            "issues_created": sum(1 for n in self.nodes if n.action == "create"),
            "issues_matched": sum(1 for n in self.nodes if n.action == "match"),
            "measures_created": sum(1 for m in measures if m.action == "create"),
            "measures_state_changed": sum(1 for m in measures if m.action == "state"),
            "measures_noted": sum(1 for m in measures if m.action == "note"),
            "measures_unchanged": sum(1 for m in measures if m.action == "unchanged"),
            "default_deadlines": sum(1 for m in measures if m.action == "create" and m.deadline_source == "default"),
            # Problems as the notice counts them; nodes are every category, problem and detail.
            "problems_created": sum(1 for n in self.nodes if n.action == "create" and n.node.kind == "problem"),
            "nodes_created": sum(1 for n in self.nodes if n.action == "create"),
            "starting_overdue": len(self.starting_overdue()),
        }

    def needs_fallback_unit(self) -> bool:
        """Whether some new measure names no responsible unit of its own."""
        return any(m.action == "create" and not m.parsed.units for m in self.measure_plans())

    def starting_overdue(self) -> list[MeasurePlan]:
        """New measures whose deadline is already past on the day of the import."""
        today = self.today or timezone.localdate()
        return [m for m in self.measure_plans()
                if m.action == "create" and m.deadline is not None and m.deadline < today]

    def found(self) -> dict[str, Any]:
        """What the tree holds, to set against what the notice declares."""
        parsed = self.parsed
        return {
            "problems": len(parsed.problems()),
            "nodes": sum(1 for _ in parsed.walk()),
            "measures": len(parsed.measures()),
            "levels": parsed.level_counts(),
            "states": _state_counts(parsed),
        }

    def as_dict(self) -> dict[str, Any]:
        """The preview as JSON (the API's dry run)."""
        return {
            "content_hash": self.content_hash,
            "duplicate": self.is_duplicate,
            "duplicate_notice": self.duplicate_of.pk if self.duplicate_of else None,
            "notice_kind": self.notice_kind,
            "case": {
                "action": "create" if self.creates_case else "update",
                "id": self.case.pk if self.case else None,
                "title": self.case.title if self.case else self.case_values["title"],
                "reason": self.case_match_reason,
                **({} if self.case else {"values": _jsonable(
                    {k: v for k, v in self.case_values.items() if k != "organisation"})}),
            },
            "organisation": {"id": self.organisation.pk if self.organisation else None,
                             "name": self.organisation_name, "created": self.organisation is None},
            "unit": {"id": self.unit.pk if self.unit else None, "name": self.unit_name, "created": self.unit_created},
            "names": {
                "units": {name: unit.pk for name, unit in self.names.units.items()},
                "leaders": {name: person.pk for name, person in self.names.leaders.items()},
                "missing_units": [{"name": n, "did_you_mean": s} for n, s in self.names.missing_units.items()],
                "missing_leaders": [{"name": n, "did_you_mean": s} for n, s in self.names.missing_leaders.items()],
                "ambiguous_leaders": dict(self.names.ambiguous_leaders),
                "create_missing": self.create_missing,
            },
            "default_deadline": self.default_deadline.isoformat(),
            "default_deadline_reason": self.default_deadline_reason,
            "blockers": [*self.blockers, *self.name_blockers],
            "counts": self.counts(),
            "declared": dict(self.parsed.header.declared),
            "found": self.found(),
            "notes": list(self.notes),
            "warnings": [_warning_dict(w) for w in self.parsed.warnings],
            "nodes": [
                {
                    "label": n.node.label,
                    "title": n.node.title,
                    "kind": n.node.kind,
                    "depth": n.depth,
                    "action": n.action,
                    "issue_id": n.issue_id,
                    "measures": [
                        {
                            "label": m.parsed.label,
                            "action": m.action,
                            "kind": m.kind,
                            "state": m.state,
                            "current_state": m.current_state,
                            # The notice said 已完成; the case's sign-off chain makes it 申请销号.
                            "capped": m.capped,
                            "deadline": m.deadline.isoformat() if m.deadline else None,
                            "deadline_source": m.deadline_source,
                            "measure_id": m.measure_id,
                            "units": list(m.parsed.units),
                            "support_units": list(m.parsed.support_units),
                            "leader": m.parsed.leader,
                        }
                        for m in n.measures
                    ],
                }
                for n in self.nodes
            ],
            # Outcome figures found in the measures' paragraphs: pass the keys to keep as `outcomes`.
            "outcome_proposals": [p.as_dict() for p in self.outcome_proposals()],
        }

    def outcome_proposals(self):
        return outcome_notices.propose(self.measure_plans())


@dataclass(slots=True)
class ImportResult:
    """What an import did, and a sentence saying so."""

    notice: Notice
    case: Case
    duplicate: bool
    case_created: bool
    unit_created: bool
    counts: dict[str, int]
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "notice": self.notice.pk,
            "case": self.case.pk if self.case else None,
            "case_title": self.case.title if self.case else None,
            "duplicate": self.duplicate,
            "case_created": self.case_created,
            "unit_created": self.unit_created,
            "counts": self.counts,
            "message": self.message,
        }


# --- Entry points --------------------------------------------------------------------


def preview_notice(
    parsed: ParsedNotice, *, unit: Unit | None = None, unit_name: str | None = None, case: Case | None = None,
    organisation: Organisation | None = None, default_deadline: datetime.date | None = None,
    today: datetime.date | None = None, create_missing: bool = False,
) -> ImportPlan:
    """What importing `parsed` would do. Reads the database, writes nothing.

    What would stop the import (e.g. no issuer to name the responsible unit after) is
    reported in `blockers`, not raised: a dry run says everything it can.
    """
    return _plan(parsed, unit=unit, unit_name=unit_name, case=case, organisation=organisation,
                 default_deadline=default_deadline, today=today, create_missing=create_missing)


def import_notice(
    parsed: ParsedNotice, *, by: User | None = None, unit: Unit | None = None, unit_name: str | None = None,
    case: Case | None = None, organisation: Organisation | None = None,
    default_deadline: datetime.date | None = None, source: str = "",
    raw_text: str | None = None, expected_hash: str | None = None, today: datetime.date | None = None,
    outcomes: Iterable[str] = (), create_missing: bool = False,
) -> ImportResult:
    """Import `parsed` in one transaction: the whole notice or nothing.

    `expected_hash` is the content hash the administrator previewed; a different text is
    refused rather than imported unseen. A text imported before returns the earlier notice
    with `duplicate=True` and writes nothing.
    """
    digest = notice_hash(parsed)
    if expected_hash and expected_hash != digest:
        raise NoticeImportError(_("The text differs from the one previewed. Preview it again before importing."))
    existing = Notice.objects.filter(content_hash=digest).select_related("case").first()
    if existing:
        return _duplicate_result(existing)
    try:
        with transaction.atomic():
            return _import(parsed, by=by, unit=unit, unit_name=unit_name, case=case, organisation=organisation,
                           default_deadline=default_deadline, source=source, raw_text=raw_text, today=today,
                           outcomes=outcomes, create_missing=create_missing)
    except IntegrityError:
        # Someone imported the same text between our check and our insert: theirs stands.
        existing = Notice.objects.filter(content_hash=digest).select_related("case").first()
        if existing is None:
            raise
        return _duplicate_result(existing)


def _duplicate_result(notice: Notice) -> ImportResult:
    message = _("This text was already imported on %(when)s as notice “%(title)s”; nothing was changed.") % {
        "when": timezone.localtime(notice.imported_at).strftime("%Y-%m-%d %H:%M"), "title": notice.title,
    }
    return ImportResult(notice=notice, case=notice.case, duplicate=True, case_created=False, unit_created=False,
                        counts={}, message=message)


def _import(parsed: ParsedNotice, *, by, unit, unit_name, case, organisation, default_deadline, source, raw_text,
            today, outcomes=(), create_missing=False):
    plan = _plan(parsed, unit=unit, unit_name=unit_name, case=case, organisation=organisation,
                 default_deadline=default_deadline, today=today, create_missing=create_missing)
    if plan.blockers or plan.name_blockers:
        raise NoticeImportError(" ".join([*plan.blockers, *plan.name_blockers]))
    header = parsed.header
    # The notice row goes in first: its unique content hash makes a concurrent import of
    # the same text wait here and then fail, instead of building a second case.
    notice = Notice.objects.create(
        kind=plan.notice_kind,
        title=_notice_title(parsed, plan)[:500],
        issuer=(header.issuer or header.signed_by or "")[:200],
        published_on=header.published_on,
        signed_on=header.signed_on,
        source=(source or "")[:500],
        raw_text=raw_text if raw_text is not None else parsed.text,
        content_hash=plan.content_hash,
        parser_version=(parsed.parser_version or "")[:20],
        warnings=[_stored_warning(w) for w in parsed.warnings],
        parsed={**parsed.to_dict(), "warnings": [_stored_warning(w) for w in parsed.warnings]},
        imported_by=by if by is not None and by.pk else None,
    )
    if plan.organisation is None:
        plan.organisation = Organisation.objects.create(name=plan.organisation_name)
        plan.case_values["organisation"] = plan.organisation
    responsible = plan.unit
    if responsible is None and plan.needs_fallback_unit():
        responsible = Unit.objects.create(name=plan.unit_name, kind=unit_kind(plan.unit_name),
                                          organisation=plan.organisation)
    # Names the administrator confirmed creating (the plan blocks on them otherwise).
    plan.names.units.update(create_units(plan.names.missing_units, plan.organisation))
    plan.names.leaders.update(create_leaders(plan.names.missing_leaders, plan.organisation))
    target = plan.case
    if target is None:
        target = Case(**plan.case_values)
        target.full_clean()
        target.save()
    else:
        # The case row is the lock that keeps two later notices of one round from
        # interleaving their matches.
        Case.objects.select_for_update().filter(pk=target.pk).first()
    notice.case = target
    notice.save(update_fields=["case"])

    with services.batched_issue_refresh():
        placed = _write_tree(plan, target, notice, responsible)
        if outcomes:
            # The outcome figures the administrator confirmed in the preview (cases.outcomes.notices).
            outcome_notices.record(plan.measure_plans(), placed, notice=notice, keys=outcomes, by=by)

    counts = plan.counts()
    message = _result_message(plan, target, counts, created=plan.case is None)
    return ImportResult(notice=notice, case=target, duplicate=False, case_created=plan.case is None,
                        unit_created=plan.unit is None and responsible is not None, counts=counts, message=message)


def _write_tree(plan: ImportPlan, target: Case, notice: Notice, responsible: Unit | None) -> dict[int, Measure]:
    """New issues and measures in bulk through cases.tree (statements that do not grow per measure);
    the states a later notice reports on matched measures through the services."""
    issues: dict[int, Issue | NewIssue] = {}
    writer = TreeWriter(target, reason=change_reasons.stored(lognotes.NOTICE_IMPORT))
    matched = Issue.objects.in_bulk([n.issue_id for n in plan.nodes if n.action == "match"])
    updates: list[MeasurePlan] = []
    created = {}
    for node_plan in plan.nodes:
        if node_plan.action == "match":
            issue = matched[node_plan.issue_id]
        else:
            node = node_plan.node
            issue = writer.add_issue(
                parent=issues[id(node_plan.parent)] if node_plan.parent else None,
                kind=node.kind,
                label=(node.label or "")[:_LABEL_MAX],
                title=(node.title or node.text or node.label or "—")[:_ISSUE_TITLE_MAX],
                text=node.text or "",
            )
        issues[id(node_plan)] = issue
        for m in node_plan.measures:
            parsed = m.parsed
            if m.action == "create":
                # The note is the notice's own report, word for word; `source_notice` says where it is from.
                units = [plan.names.units[name] for name in (*parsed.units, *parsed.support_units)]
                units = list(dict.fromkeys(units))  # one unit named twice is one unit
                leaders = split_units(parsed.leader or "")
                lead = units[0] if parsed.units else responsible
                assert lead is not None  # the plan made the fallback unit whenever a measure lacks its own
                created[id(m)] = writer.add_measure(
                    issue=issue, text=parsed.text, lead_unit=lead, deadline=m.deadline, kind=m.kind,
                    supporting_units=[u for u in units if u != lead],
                    lead_leader=plan.names.leaders.get(leaders[0]) if leaders else None,
                    label=(parsed.label or "")[:_LABEL_MAX], state=m.state,
                    note=parsed.text if m.state != State.PLANNED else "", notes=_notes(m), source_notice=notice,
                    reported_at=plan.reported_at,
                )
            elif m.action in ("state", "note"):
                updates.append(m)
    writer.write()
    measures = Measure.objects.in_bulk([m.measure_id for m in updates])
    for m in updates:
        services.record_state_from_source(
            measure=measures[m.measure_id], to_state=m.state, note=m.parsed.text, notes=_notes(m),
            source_notice=notice, at=plan.reported_at,
        )
    # Each measure plan's measure, by its position in the plan (for the confirmed outcome figures).
    index = {id(m): i for i, m in enumerate(plan.measure_plans())}
    placed = {index[key]: new.measure for key, new in created.items()}
    placed.update({index[id(m)]: measures[m.measure_id] for m in updates})
    return placed


def _notes(m: MeasurePlan) -> list[dict]:
    """What the log adds to the notice's own words: why 已完成 was recorded as 申请销号 (cases.lognotes)."""
    return [lognotes.note(lognotes.CHAIN_CAPPED)] if m.capped else []


def _result_message(plan: ImportPlan, case: Case, counts: dict[str, int], *, created: bool) -> str:
    if created:
        return _(
            "Created case “%(case)s” with %(issues)d issues and %(measures)d measures "
            "(responsible unit: %(unit)s)."
        ) % {"case": case.title, "issues": counts["issues_created"], "measures": counts["measures_created"],
             "unit": plan.unit_name}
    return _(
        "Updated case “%(case)s”: %(changed)d state changes and %(noted)d progress notes recorded from the notice; "
        "%(new_issues)d new issues and %(new_measures)d new measures; %(unchanged)d measures unchanged."
    ) % {"case": case.title, "changed": counts["measures_state_changed"], "noted": counts["measures_noted"],
         "new_issues": counts["issues_created"], "new_measures": counts["measures_created"],
         "unchanged": counts["measures_unchanged"]}


# --- Planning ------------------------------------------------------------------------


def _plan(parsed: ParsedNotice, *, unit, unit_name, case, organisation, default_deadline, today,
          create_missing=False) -> ImportPlan:
    header = parsed.header
    today = today or timezone.localdate()
    digest = notice_hash(parsed)
    duplicate = Notice.objects.filter(content_hash=digest).select_related("case").first()
    notes: list[str] = []

    # The organisation that rectifies: the chosen case's, else the chosen unit's, else the one
    # chosen for the import. Cases are matched, and units found or made, inside it only.
    if case is not None:
        organisation = case.organisation
    elif unit is not None:
        organisation = unit.organisation
    organisation_name = ""
    blockers: list[str] = []
    if organisation is None:
        try:
            organisation, organisation_name = _only_organisation(parsed)
        except NoticeImportError as exc:
            blockers.append(str(exc))
    if organisation is not None:
        organisation_name = organisation.name
    elif organisation_name:
        notes.append(_("The organisation “%(name)s” will be created for the new case.") % {"name": organisation_name})
    case_values = _case_values(parsed)
    case_values["organisation"] = organisation
    if case is not None:
        reason = _("Chosen by the administrator.")
    else:
        case, reason = find_case(parsed, organisation=organisation) if organisation else (None, "")
    if case is None:
        reason = reason or _("No case of this inspection round exists yet.")

    unit_created = False
    if unit is None:
        unit_name = _clean_name(unit_name) or _clean_name(header.issuer) or _clean_name(header.inspected_body) \
            or _clean_name(header.signed_by)
        unit_name = unit_name[:_UNIT_NAME_MAX]
        unit = Unit.objects.filter(organisation=organisation, name=unit_name).first() \
            if organisation and unit_name else None
        unit_created = unit is None and bool(unit_name)
    else:
        unit_name = unit.name

    deadline, deadline_reason = _default_deadline(parsed, case, case_values, default_deadline, today)
    if case is None and case_values.get("rectification_deadline") is None:
        case_values["rectification_deadline"] = deadline

    reported_at = _reported_at(parsed, today)
    nodes = _plan_nodes(parsed, case, deadline)
    capped = sum(1 for node in nodes for m in node.measures if m.capped)
    if capped:
        notes.append(ngettext(
            "%(n)d measure the notice reports completed will be recorded as “%(submitted)s”: %(why)s",
            "%(n)d measures the notice reports completed will be recorded as “%(submitted)s”: %(why)s", capped)
            % {"n": capped, "submitted": State.SUBMITTED.label,
               "why": services.DocumentState(State.SUBMITTED, State.COMPLETED, capped=True).warning})
    new_measures = [m.parsed for node in nodes for m in node.measures if m.action == "create"]
    names = _match_names(new_measures, organisation)
    unnamed = sum(1 for m in new_measures if not m.units)
    if unnamed and not unit_name:
        blockers.append(_("The notice names no issuer: choose the responsible unit for its measures."))
    if unit is None and not unnamed:
        unit_created = False  # every new measure names its units: no fallback unit is made
    named = len(new_measures) - unnamed
    if named:
        notes.append(_("%(n)d new measures name their responsible units and leaders; they are assigned to them.")
                     % {"n": named})
    if unit_created and unnamed:
        notes.append(_("A responsible unit “%(unit)s” will be created; the %(n)d new measures that name no unit "
                       "are assigned to it. Reassign them to the real units afterwards.") % {"unit": unit_name,
                                                                                            "n": unnamed})
    elif unit_name and unnamed:
        notes.append(_("The %(n)d new measures that name no unit are assigned to the responsible unit “%(unit)s”.")
                     % {"unit": unit_name, "n": unnamed})
    plan = ImportPlan(
        parsed=parsed, content_hash=digest, notice_kind=_notice_kind(parsed), duplicate_of=duplicate, case=case,
        case_values=case_values, case_match_reason=reason, unit=unit, unit_name=unit_name, organisation=organisation,
        organisation_name=organisation_name,
        unit_created=unit_created, default_deadline=deadline, default_deadline_reason=deadline_reason,
        nodes=nodes, notes=notes, reported_at=reported_at, blockers=blockers, today=today,
        names=names, create_missing=create_missing,
        name_blockers=_name_blockers(names, organisation_name, create_missing=create_missing),
    )
    counts = plan.counts()
    if counts["default_deadlines"]:
        notes.append(_("%(n)d new measures state no deadline and get the default deadline %(date)s (%(why)s).") % {
            "n": counts["default_deadlines"], "date": deadline.isoformat(), "why": deadline_reason})
    late = plan.starting_overdue()
    if late:
        oldest = min(m.deadline for m in late)
        notes.append(_("%(n)d new measures would start overdue: their deadlines are already past "
                       "(the earliest %(date)s, %(days)d days ago). Choose a default deadline if the notice's "
                       "dates no longer apply.") % {"n": len(late), "date": oldest.isoformat(),
                                                    "days": (today - oldest).days})
    backwards = [m for m in plan.measure_plans() if m.backwards]
    if backwards:
        notes.append(_("%(n)d measures move back to a less advanced state, as the notice reports.") % {
            "n": len(backwards)})
    kept = [m for m in plan.measure_plans() if m.state_kept]
    if kept:
        notes.append(_("%(n)d measures keep their current state: the notice has no wording about their state.")
                     % {"n": len(kept)})
    if not parsed.measures() and not any(n.node.children or n.node.text for n in nodes):
        notes.append(_("The notice lists no measures."))
    return plan


def _match_names(measures: list[ParsedMeasure], organisation: Organisation | None) -> NameMatches:
    """The units and leaders the new measures name, matched in the organisation (all missing in a new one)."""
    units = {name for m in measures for name in (*m.units, *m.support_units)}
    leaders = {name for m in measures for name in split_units(m.leader or "")[:1]}
    if organisation is None:
        return NameMatches(missing_units={name: [] for name in sorted(units)},
                           missing_leaders={name: [] for name in sorted(leaders)})
    return match_names(units=units, leaders=leaders, organisation=organisation)


def _name_blockers(names: NameMatches, organisation_name: str, *, create_missing: bool) -> list[str]:
    """Names not found stop the import until corrected or confirmed; never dropped silently."""
    blockers = []
    for name, n in names.ambiguous_leaders.items():
        blockers.append(_("%(n)s users are named “%(name)s”; give them distinct names first.") % {"n": n, "name": name})
    if create_missing:
        return blockers
    for name, close in names.missing_units.items():
        hint = (_(" (did you mean “%(match)s”?)") % {"match": "”/“".join(close)}) if close else ""
        blockers.append(_(
            "There is no unit named “%(name)s” in %(organisation)s%(hint)s; correct the name, or confirm to "
            "create it.") % {"name": name, "organisation": organisation_name, "hint": hint})
    for name, close in names.missing_leaders.items():
        hint = (_(" (did you mean “%(match)s”?)") % {"match": "”/“".join(close)}) if close else ""
        blockers.append(_(
            "No user is named “%(name)s”%(hint)s; correct the name, or confirm to create them (they cannot sign in "
            "until given a password).") % {"name": name, "hint": hint})
    return blockers


def _only_organisation(parsed: ParsedNotice) -> tuple[Organisation | None, str]:
    """With no organisation chosen: the deployment's only one; in an empty deployment, a new one
    named after the inspected body. With several, the caller must choose."""
    only = list(Organisation.objects.filter(is_active=True)[:2])
    if len(only) == 1:
        return only[0], only[0].name
    if only:
        raise NoticeImportError(_("Choose the organisation that rectifies this notice."))
    header = parsed.header
    name = _clean_name(header.inspected_body) or _clean_name(header.issuer) or _clean_name(header.signed_by)
    if not name:
        raise NoticeImportError(_("Choose the organisation that rectifies this notice."))
    return None, name[:200]


def find_case(parsed: ParsedNotice, *, organisation: Organisation) -> tuple[Case | None, str]:
    """The case of the same inspection round, if one exists, and why it was chosen.

    Same inspected body and inspection team, and — where both sides know them — the same
    inspection start, inspection end and feedback dates; one agreeing date is required
    when the notice states any, so two rounds of one team at one body stay apart.
    """
    header = parsed.header
    body = _clean_name(header.inspected_body) or _clean_name(header.issuer)
    team = _clean_name(header.inspection_team)
    if not body or not team:
        return None, _("The notice does not name both the inspected body and the inspection team, "
                       "so it cannot be matched to an earlier notice of the same round.")
    # Names are compared as titles are: width, spaces and the 中共…委 forms of one body do
    # not count ("中共湾沚区委" and "湾沚区" are one inspected body), so a notice drafted
    # from a case finds that case again.
    keys = {body_key(name) for name in (body, header.issuer, header.signed_by) if name}
    team_key = comparison_key(team)
    candidates = [
        candidate for candidate in Case.objects.filter(organisation=organisation).order_by("-pk")
        .only("pk", "title", "inspected_body", "inspection_team", "inspection_start", "inspection_end", "feedback_on")
        if comparison_key(candidate.inspection_team) == team_key and body_key(candidate.inspected_body) in keys
    ]
    dates = {"inspection_start": header.inspection_start, "inspection_end": header.inspection_end,
             "feedback_on": header.feedback_on}
    best, best_score = None, -1
    for candidate in candidates:
        agree = 0
        conflict = False
        for name, value in dates.items():
            theirs = getattr(candidate, name)
            if value and theirs:
                if value == theirs:
                    agree += 1
                else:
                    conflict = True
        if conflict:
            continue
        if any(dates.values()) and agree == 0 and any(getattr(candidate, n) for n in dates):
            continue
        if agree > best_score:
            best, best_score = candidate, agree
    if best is None:
        return None, ""
    return best, _("Same inspection round: %(body)s, %(team)s.") % {"body": body, "team": team}


def _case_values(parsed: ParsedNotice) -> dict[str, Any]:
    header = parsed.header
    body = _clean_name(header.inspected_body) or _clean_name(header.issuer) or _clean_name(header.signed_by) or ""
    team = _clean_name(header.inspection_team) or ""
    # A case is the inspection round, not one notice about it: its title names the body and
    # the team, so the first and every later notice of the round fit under it.
    owner = _clean_name(header.issuer) or body
    if owner and team:
        title = _("%(body)s: rectification of the feedback of %(team)s") % {"body": owner, "team": team}
    else:
        title = _clean_name(header.title) or owner or _("Imported notice")
    start, end = header.inspection_start, header.inspection_end
    if start and end and end < start:
        # A damaged date must not break the case's own constraint; the parser warns about it.
        start = end = None
    return {
        "title": title[:_CASE_TITLE_MAX],
        "inspected_body": body[:200] or _("Unknown"),
        "inspection_team": team[:200],
        "kind": _case_kind(team),
        "inspection_start": start,
        "inspection_end": end,
        "feedback_on": header.feedback_on,
        "rectification_deadline": None,
    }


def _case_kind(team: str) -> str:
    if "巡察" in team:
        return Case.Kind.CIRCUIT
    if "巡视" in team:
        return Case.Kind.INSPECTION
    if "审计" in team:
        return Case.Kind.AUDIT
    if "督察" in team or "环保" in team or "生态" in team:
        return Case.Kind.ENVIRONMENT
    return Case.Kind.OTHER if team else Case.Kind.INSPECTION


def _notice_kind(parsed: ParsedNotice) -> str:
    title = parsed.header.title or ""
    if "反馈意见" in title and not re.search(r"整改|进展|落实情况", title):
        return Notice.Kind.FEEDBACK
    return Notice.Kind.PROGRESS


def _notice_title(parsed: ParsedNotice, plan: ImportPlan) -> str:
    header = parsed.header
    if _clean_name(header.title):
        return header.title.strip()
    day = header.signed_on or header.published_on
    owner = _clean_name(header.issuer) or plan.case_values["inspected_body"]
    if day:
        return _("%(issuer)s: rectification notice of %(date)s") % {"issuer": owner, "date": day.isoformat()}
    return _("%(issuer)s: rectification notice") % {"issuer": owner}


def _default_deadline(parsed, case, case_values, chosen, today) -> tuple[datetime.date, str]:
    """The deadline of measures whose text states none, and why.

    In order: the administrator's choice; the case's end of concentrated rectification;
    two months after the feedback (the rectification report the 巡视工作条例 asks for).
    Those may lie in the past for an old notice: the plan then counts the measures that
    would start overdue and says so. Without a feedback date the default is never the
    import day or earlier: two months after the notice's own date if that is still ahead,
    else two months from the import.
    """
    if chosen:
        return chosen, _("chosen by the administrator")
    if case is not None and case.rectification_deadline:
        return case.rectification_deadline, _("the end of the case's concentrated rectification period")
    feedback = parsed.header.feedback_on or (case.feedback_on if case else None)
    if feedback:
        return _add_months(feedback, _DEFAULT_PERIOD_MONTHS), _(
            "two months after the feedback of %(date)s, when the rectification report is due"
        ) % {"date": feedback.isoformat()}
    reported = parsed.header.signed_on or parsed.header.published_on
    if reported and _add_months(reported, _DEFAULT_PERIOD_MONTHS) > today:
        return _add_months(reported, _DEFAULT_PERIOD_MONTHS), _(
            "two months after the notice of %(date)s: the notice states no feedback date"
        ) % {"date": reported.isoformat()}
    return _add_months(today, _DEFAULT_PERIOD_MONTHS), _(
        "two months from today: the notice states no feedback date"
    )


def _reported_at(parsed: ParsedNotice, today: datetime.date) -> datetime.datetime:
    """When the notice reported its states: its own date (noon), never in the future."""
    day = parsed.header.signed_on or parsed.header.published_on
    now = timezone.now()
    if not day or day > today:
        return now
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    return min(moment, now)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    import calendar

    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _plan_nodes(parsed: ParsedNotice, case: Case | None, default_deadline: datetime.date) -> list[NodePlan]:
    """Walk the tree in document order, matching each node against the case's issues."""
    matcher = _IssueMatcher(case) if case is not None else None
    plans: list[NodePlan] = []
    # A case the import creates follows the default chain: an unsaved Case says so, and keeps the
    # chain it looked up for every later measure (one query per import, not one per node).
    governing = case if case is not None else Case()

    def visit(node: IssueNode, parent: NodePlan | None, depth: int) -> None:
        match = matcher.find(node, parent.issue_id if parent else None) if matcher else None
        plan = NodePlan(node=node, depth=depth, action="match" if match else "create",
                        issue_id=match.pk if match else None, parent=parent)
        existing = matcher.measures_of(match.pk) if match else []
        plan.measures = _plan_measures(node.measures, existing, default_deadline,
                                       matcher.reported if matcher else {}, case=governing)
        plans.append(plan)
        for child in node.children:
            visit(child, plan, depth + 1)

    for root in parsed.issues:
        visit(root, None, 0)
    return plans


def _plan_measures(parsed_measures: Iterable[ParsedMeasure], existing: list[Measure],
                   default_deadline: datetime.date, reported: dict[int, set[str]], *,
                   case: Case | None = None) -> list[MeasurePlan]:
    by_label: dict[str, list[Measure]] = {}
    for measure in existing:
        by_label.setdefault(normalise_key(measure.label), []).append(measure)
    used: set[int] = set()
    plans = []
    for index, parsed in enumerate(parsed_measures):
        kind, deadline, deadline_source = _kind_and_deadline(parsed, default_deadline)
        state = parsed.proposed_state if parsed.proposed_state in State.values else State.IN_PROGRESS
        match = None
        key = normalise_key(parsed.label)
        if key:
            candidates = [m for m in by_label.get(key, []) if m.pk not in used]
            match = candidates[0] if candidates else None
        if match is None and not key and index < len(existing) and existing[index].pk not in used:
            # Unlabelled measures (one 整改情况 paragraph per issue) match by their order.
            match = existing[index]
        if match is None:
            decided = services.document_state(case=case, current=None, reported=state)
            plans.append(MeasurePlan(parsed=parsed, action="create", kind=kind, deadline=deadline,
                                     deadline_source=deadline_source, state=decided.state, capped=decided.capped))
            continue
        used.add(match.pk)
        plan = MeasurePlan(parsed=parsed, action="unchanged", kind=match.kind, deadline=match.deadline,
                           deadline_source="existing", state=match.state, current_state=match.state,
                           measure_id=match.pk)
        if getattr(parsed, "state_basis", "phrase") == "default" and state != match.state:
            # No wording in the notice says so: the parser's default must not undo what people recorded.
            plan.state_kept = True
            state = match.state
        decided = services.document_state(case=case, current=match.state, reported=state)
        state, plan.capped = decided.state, decided.capped
        if state != match.state:
            plan.action, plan.state = "state", state
        elif (text := normalise_key(parsed.text)) != normalise_key(match.text) and text not in reported.get(
            match.pk, ()
        ):
            plan.action = "note"
        plans.append(plan)
    return plans


def _kind_and_deadline(parsed: ParsedMeasure, default_deadline: datetime.date):
    # The parser reads 长期坚持 (and a 整改时限 field saying so); the item's fields count too.
    fields = getattr(parsed, "fields", None) or {}
    wording = f"{parsed.text} {parsed.state_phrase} {fields.get('deadline', '')}"
    if parsed.deadline:
        kind = Measure.Kind.IMMEDIATE if _IMMEDIATE.search(wording) else Measure.Kind.BY_DEADLINE
        return kind, parsed.deadline, "notice"
    if getattr(parsed, "long_term", False) or _LONG_TERM.search(wording):
        return Measure.Kind.LONG_TERM, None, "none"
    if _IMMEDIATE.search(wording):
        return Measure.Kind.IMMEDIATE, default_deadline, "default"
    return Measure.Kind.BY_DEADLINE, default_deadline, "default"


class _IssueMatcher:
    """Finds a node's issue in an existing case: by its place in the tree, then anywhere.

    Labels and titles are compared without spaces, punctuation or width differences, so
    "（三）关于…问题" in one notice matches "(三)关于……问题。" in the next.
    """

    def __init__(self, case: Case):
        issues = list(Issue.objects.filter(case=case).order_by("position", "pk"))
        self.by_parent: dict[tuple[int | None, str, str], Issue] = {}
        self.by_label_title: dict[tuple[str, str], list[Issue]] = {}
        self.by_title: dict[str, list[Issue]] = {}
        for issue in issues:
            label, title = normalise_key(issue.label), normalise_key(issue.title)
            self.by_parent.setdefault((issue.parent_id, label, title), issue)
            self.by_label_title.setdefault((label, title), []).append(issue)
            if title:
                self.by_title.setdefault(title, []).append(issue)
        self.used: set[int] = set()
        self.measures: dict[int, list[Measure]] = {}
        # What earlier notices reported on each measure, so the same wording read again is
        # "unchanged" rather than a new progress note.
        self.reported: dict[int, set[str]] = {}
        from_notices = ProgressUpdate.objects.filter(measure__case=case, source_notice__isnull=False)
        for measure_id, note in from_notices.values_list("measure_id", "note"):
            self.reported.setdefault(measure_id, set()).add(normalise_key(note))
        for measure in Measure.objects.filter(case=case).order_by("position", "pk"):
            self.measures.setdefault(measure.issue_id, []).append(measure)

    def find(self, node: IssueNode, parent_issue_id: int | None) -> Issue | None:
        label, title = normalise_key(node.label), normalise_key(node.title or node.text)
        candidates = [self.by_parent.get((parent_issue_id, label, title))]
        candidates += self.by_label_title.get((label, title), [])
        # A label lost in extraction (echeng's category without its （一）) still matches by title.
        candidates += self.by_title.get(title, []) if title and len(title) >= 6 else []
        for issue in candidates:
            if issue is not None and issue.pk not in self.used:
                self.used.add(issue.pk)
                return issue
        return None

    def measures_of(self, issue_id: int) -> list[Measure]:
        return self.measures.get(issue_id, [])


# --- Small helpers -------------------------------------------------------------------

def normalise_key(text: str | None) -> str:
    """A comparison key: width folded, spaces, punctuation and symbols dropped (cases.names)."""
    return comparison_key(text)


def _clean_name(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


def _warning_dict(warning) -> dict[str, Any]:
    """A parser warning to show now (the preview, the API's dry run): rendered in the active language."""
    if isinstance(warning, dict):
        return warning
    return {"code": warning.code, "message": warning.message, "line": warning.line}


def _stored_warning(warning) -> dict[str, Any]:
    """A parser warning to keep on the notice: its message id and parameters, so that it is shown in the
    language of whoever reads it later, not of whoever imported it (`Notice.warning_messages`)."""
    if isinstance(warning, dict):
        return warning
    return stored_warning(warning.code, warning.template, warning.params, warning.line)


def _state_counts(parsed: ParsedNotice) -> dict[str, int]:
    counts: dict[str, int] = {}
    for measure in parsed.measures():
        counts[measure.proposed_state] = counts.get(measure.proposed_state, 0) + 1
    return counts


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in values.items()}


def notice_hash(parsed: ParsedNotice) -> str:
    """The identity of a notice: the parser's hash of its normalised, width-folded text."""
    return parsed.content_hash or content_hash(parsed.text)
