"""Import a plan table as a case: preview (names matched, nothing written), then all or nothing.

Units are matched by name inside the case's organisation (ignoring width and spaces); a name
not found gets "did you mean" suggestions and is created on confirmation (`create_missing`).
Leaders are matched to active users of that name; unknown ones are created the same way, as
users who cannot sign in. A measure whose row names no unit falls back to the chosen unit.
Into an existing case, categories and problems are matched to its issues by
`cases.names.comparison_key` of their titles (a problem first under its matched category, else
anywhere in the case), and a measure whose text the matched problem already has is not added
again: importing the same plan twice adds nothing. Issues and measures are written in bulk
through `cases.tree`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import change_reasons
from accounts.models import Organisation, Unit, User
from cases import lognotes
from cases.models import Case, Issue, Measure
from cases.names import comparison_key
from cases.tree import TreeWriter
from notices.matching import create_leaders, create_units, match_leaders, match_units

from .reading import PlanIssue, PlanRead, read_plan
from .tables import TableFileError, read_tables

NAME_CODES = ("unknown_unit", "unknown_leader")


class PlanRejected(Exception):
    def __init__(self, preview: PlanPreview):
        self.preview = preview
        super().__init__("; ".join(str(e) for e in preview.errors))


@dataclass(slots=True)
class PlanPreview:
    file_name: str
    organisation: Organisation
    plan: PlanRead
    case: Case | None
    title: str
    units: dict[str, Unit] = field(default_factory=dict)  # name in the file → unit
    missing_units: dict[str, list[str]] = field(default_factory=dict)  # name → suggestions
    leaders: dict[str, User] = field(default_factory=dict)
    missing_leaders: list[str] = field(default_factory=list)
    errors: list[PlanIssue] = field(default_factory=list)
    default_unit: Unit | None = None
    default_deadline: datetime.date | None = None
    # Into an existing case: category index → its group, problem index → its issue, and the
    # (problem index, measure index) pairs the case already holds.
    matched_categories: dict[int, Issue] = field(default_factory=dict)
    matched_problems: dict[int, Issue] = field(default_factory=dict)
    existing_measures: set[tuple[int, int]] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def blocking_errors(self) -> list[PlanIssue]:
        """Errors that creating the missing names on confirmation does not solve."""
        return [e for e in self.errors if e.code not in NAME_CODES]

    def counts(self) -> dict[str, int]:
        measures = len(self.plan.measures())
        return {"categories": len(self.plan.categories), "problems": len(self.plan.problems),
                "measures": measures, "missing_units": len(self.missing_units),
                "missing_leaders": len(self.missing_leaders),
                "issues_matched": len(self.matched_categories) + len(self.matched_problems),
                "issues_created": len(self.plan.categories) + len(self.plan.problems)
                - len(self.matched_categories) - len(self.matched_problems),
                "measures_existing": len(self.existing_measures),
                "measures_created": measures - len(self.existing_measures),
                "starting_overdue": self.starting_overdue()}

    def starting_overdue(self, today: datetime.date | None = None) -> int:
        """New measures whose deadline (stated or the default) is already past: they would start overdue."""
        today = today or timezone.localdate()
        late = 0
        for i, problem in enumerate(self.plan.problems):
            for j, m in enumerate(problem.measures):
                if (i, j) in self.existing_measures or m.kind == Measure.Kind.LONG_TERM:
                    continue
                deadline = m.deadline or self.default_deadline
                late += bool(deadline and deadline < today)
        return late

    def as_dict(self) -> dict[str, Any]:
        return {
            "file_name": self.file_name, "organisation": self.organisation.pk, "title": self.title,
            "case": self.case.pk if self.case else None, "ok": self.ok, "counts": self.counts(),
            "errors": [e.as_dict() for e in self.errors],
            "warnings": [w.as_dict() for w in self.plan.warnings],
            "columns": self.plan.columns, "unplaced_headers": self.plan.unplaced,
            "missing_units": [{"name": n, "did_you_mean": s} for n, s in self.missing_units.items()],
            "missing_leaders": self.missing_leaders,
            "categories": [f"{label}{title}" for label, title in self.plan.categories],
            "matched_categories": {str(i): issue.pk for i, issue in self.matched_categories.items()},
            "problems": [
                {"label": p.label, "title": p.title, "issue": self.matched_problems[i].pk
                 if i in self.matched_problems else None, "measures": [
                    {"table": m.table, "row": m.row, "label": m.label, "text": m.text, "leaders": m.leaders,
                     "persons": m.persons, "lead_units": m.lead_units, "units": m.units, "kind": m.kind,
                     "deadline": m.deadline.isoformat() if m.deadline else None,
                     "exists": (i, j) in self.existing_measures} for j, m in enumerate(p.measures)]}
                for i, p in enumerate(self.plan.problems)
            ],
        }


def preview_plan(data: bytes, *, file_name: str, user: User, organisation: Organisation, case: Case | None = None,
                 title: str = "", mapping: dict[str, str] | None = None, default_unit: Unit | None = None,
                 default_deadline: datetime.date | None = None, create_missing: bool = False,
                 plan: PlanRead | None = None) -> PlanPreview:
    """Read and check a plan file against the organisation. Writes nothing.

    `plan`: the file as a background check read it (with the same mapping), so it is not read again."""
    if not user.has_perm("cases.add_measure") or not Organisation.objects.supervised_by(user).filter(
            pk=organisation.pk).exists():
        raise PermissionDenied(_("You may only import plans into an organisation you supervise."))
    if case is not None and case.organisation_id != organisation.pk:
        raise PermissionDenied(_("The case belongs to another organisation."))
    if plan is None:
        try:
            plan = read_plan(read_tables(data, file_name), mapping=mapping)
        except TableFileError as exc:
            plan = PlanRead(errors=[PlanIssue(_("File"), 0, "", str(exc))])
    name = title.strip() or (case.title if case else file_name.rsplit(".", 1)[0])
    preview = PlanPreview(file_name=file_name, organisation=organisation, plan=plan, case=case, title=name[:300],
                          default_unit=default_unit, default_deadline=default_deadline)
    preview.errors.extend(plan.errors)
    _match_units(preview, create_missing=create_missing)
    _match_leaders(preview, create_missing=create_missing)
    if case is not None:
        _match_issues(preview)
    for measure in (m for i, p in enumerate(plan.problems) for j, m in enumerate(p.measures)
                    if (i, j) not in preview.existing_measures):
        if measure.deadline is None and measure.kind != "long_term" and default_deadline is None:
            preview.errors.append(PlanIssue(measure.table, measure.row, _("Deadline"), _(
                "No deadline: give one in the table, or choose a default deadline for the import.")))
        if not (measure.lead_units or measure.units) and default_unit is None:
            preview.errors.append(PlanIssue(measure.table, measure.row, _("Responsible unit"), _(
                "No responsible unit: name one in the table, or choose the unit for unnamed measures.")))
    return preview


def _match_units(preview: PlanPreview, *, create_missing: bool) -> None:
    names = {n for m in preview.plan.measures() for n in (*m.lead_units, *m.units)}
    preview.units, preview.missing_units = match_units(names, preview.organisation)
    if preview.missing_units and not create_missing:
        for name, close in preview.missing_units.items():
            hint = (_(" (did you mean “%(match)s”?)") % {"match": "”/“".join(close)}) if close else ""
            preview.errors.append(PlanIssue(_("File"), 0, _("Responsible unit"), _(
                "There is no unit named “%(name)s” in %(organisation)s%(hint)s; correct the name, or confirm to "
                "create it.") % {"name": name, "organisation": preview.organisation.name, "hint": hint},
                code="unknown_unit"))


def _match_leaders(preview: PlanPreview, *, create_missing: bool) -> None:
    names = {n for m in preview.plan.measures() for n in m.leaders}
    preview.leaders, missing, ambiguous = match_leaders(names, preview.organisation)
    for name, n in ambiguous.items():
        preview.errors.append(PlanIssue(_("File"), 0, _("Leader"), _(
            "%(n)s users are named “%(name)s”; give them distinct names first.") % {"n": n, "name": name}))
    preview.missing_leaders = list(missing)
    if preview.missing_leaders and not create_missing:
        preview.errors.append(PlanIssue(_("File"), 0, _("Leader"), _(
            "No user is named %(names)s; correct the names, or confirm to create them (they cannot sign in until "
            "given a password).") % {"names": "、".join(preview.missing_leaders)}, code="unknown_leader"))


def _match_issues(preview: PlanPreview) -> None:
    """Place the plan's categories and problems on the case's issues of the same title."""
    issues = list(Issue.objects.filter(case=preview.case).only("pk", "parent_id", "kind", "label", "title", "path"))
    groups = {comparison_key(i.title): i for i in reversed(issues) if i.parent_id is None}
    for index, (_label, title) in enumerate(preview.plan.categories):
        issue = groups.get(comparison_key(title))
        if issue is not None:
            preview.matched_categories[index] = issue
    by_parent: dict[tuple[int | None, str], Issue] = {}
    anywhere: dict[str, Issue] = {}
    for issue in reversed(issues):  # the first of equal titles wins
        key = comparison_key(issue.title)
        by_parent[(issue.parent_id, key)] = issue
        if issue.kind != Issue.Kind.GROUP:
            anywhere[key] = issue
    for index, problem in enumerate(preview.plan.problems):
        key = comparison_key(problem.title)
        group = preview.matched_categories.get(problem.category) if problem.category is not None else None
        if problem.category is not None and group is None:
            continue  # its category is new, so is the problem
        issue = by_parent.get((group.pk if group else None, key)) or (anywhere.get(key) if group is None else None)
        if issue is not None:
            preview.matched_problems[index] = issue
    if not preview.matched_problems:
        return
    texts: dict[int, set[str]] = {}
    for issue_id, text in Measure.objects.filter(issue__in=preview.matched_problems.values()).values_list(
            "issue_id", "text"):
        texts.setdefault(issue_id, set()).add(comparison_key(text))
    for index, issue in preview.matched_problems.items():
        have = texts.get(issue.pk, set())
        for j, measure in enumerate(preview.plan.problems[index].measures):
            if comparison_key(measure.text) in have:
                preview.existing_measures.add((index, j))


def import_plan(data: bytes, *, file_name: str, user: User, organisation: Organisation,
                progress=None, **options) -> dict[str, Any]:
    """Import the plan in one transaction; raises PlanRejected (nothing written) on any error.

    `progress(percent, stage)`, when given, hears the stages (a background job shows them)."""
    with transaction.atomic():
        if progress:
            progress(10, _("Reading the tables and checking every row"))
        preview = preview_plan(data, file_name=file_name, user=user, organisation=organisation, **options)
        if not preview.ok:
            raise PlanRejected(preview)
        if progress:
            progress(50, _("Writing %(n)s measures") % {"n": preview.counts()["measures_created"]})
        return _write(preview, user=user, create_missing=options.get("create_missing", False))


def _write(preview: PlanPreview, *, user: User, create_missing: bool) -> dict[str, Any]:
    organisation = preview.organisation
    preview.units.update(create_units(preview.missing_units, organisation))
    created_units = list(preview.missing_units)
    preview.leaders.update(create_leaders(preview.missing_leaders, organisation))
    case = preview.case
    created_case = case is None
    if case is None:
        case = Case(organisation=organisation, title=preview.title, inspected_body=organisation.name[:200],
                    rectification_deadline=preview.default_deadline)
        case.full_clean(exclude=["organisation"])
        case.save()
    writer = TreeWriter(case, by=user, reason=change_reasons.stored(lognotes.PLAN_IMPORT))
    groups = [preview.matched_categories.get(index) or writer.add_issue(
        kind=Issue.Kind.GROUP, label=label[:40], title=title[:500])
        for index, (label, title) in enumerate(preview.plan.categories)]
    for index, problem in enumerate(preview.plan.problems):
        issue = preview.matched_problems.get(index) or writer.add_issue(
            parent=groups[problem.category] if problem.category is not None else None,
            kind=Issue.Kind.PROBLEM, label=problem.label[:40], title=problem.title[:500])
        for j, m in enumerate(problem.measures):
            if (index, j) in preview.existing_measures:
                continue
            units = [preview.units[n] for n in (*m.lead_units, *m.units)] or [preview.default_unit]
            writer.add_measure(
                issue=issue, text=m.text, label=m.label[:40], lead_unit=units[0], supporting_units=units[1:],
                lead_leader=preview.leaders.get(m.leaders[0]) if m.leaders else None,
                responsible_person="、".join(m.persons)[:100],
                deadline=m.deadline or (None if m.kind == "long_term" else preview.default_deadline), kind=m.kind,
            )
    written = writer.write()
    return {"case": case.pk, "case_created": created_case, "issues_created": len(written.issues),
            "issues_matched": len(preview.matched_categories) + len(preview.matched_problems),
            "measures_created": len(written.measures), "measures_existing": len(preview.existing_measures),
            "units_created": created_units, "leaders_created": list(preview.missing_leaders)}
