"""Import a plan table as a case: preview (names matched, nothing written), then all or nothing.

Units are matched by name inside the case's organisation (ignoring width and spaces); a name
not found gets "did you mean" suggestions and is created on confirmation (`create_missing`).
Leaders are matched to active users of that name; unknown ones are created the same way, as
users who cannot sign in. A measure whose row names no unit falls back to the chosen unit.
Issues and measures are written in bulk through `cases.tree`.
"""

from __future__ import annotations

import datetime
import difflib
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Organisation, Unit, User
from cases.models import Case, Issue
from cases.names import comparison_key
from cases.tree import TreeWriter

from .reading import PlanIssue, PlanRead, read_plan
from .tables import TableFileError, read_tables


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

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        return {"categories": len(self.plan.categories), "problems": len(self.plan.problems),
                "measures": len(self.plan.measures()), "missing_units": len(self.missing_units),
                "missing_leaders": len(self.missing_leaders)}

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
            "problems": [
                {"label": p.label, "title": p.title, "measures": [
                    {"table": m.table, "row": m.row, "label": m.label, "text": m.text, "leaders": m.leaders,
                     "lead_units": m.lead_units, "units": m.units, "kind": m.kind,
                     "deadline": m.deadline.isoformat() if m.deadline else None} for m in p.measures]}
                for p in self.plan.problems
            ],
        }


def preview_plan(data: bytes, *, file_name: str, user: User, organisation: Organisation, case: Case | None = None,
                 title: str = "", mapping: dict[str, str] | None = None, default_unit: Unit | None = None,
                 default_deadline: datetime.date | None = None, create_missing: bool = False) -> PlanPreview:
    """Read and check a plan file against the organisation. Writes nothing."""
    if not user.has_perm("cases.add_measure") or not Organisation.objects.supervised_by(user).filter(
            pk=organisation.pk).exists():
        raise PermissionDenied(_("You may only import plans into an organisation you supervise."))
    if case is not None and case.organisation_id != organisation.pk:
        raise PermissionDenied(_("The case belongs to another organisation."))
    try:
        tables = read_tables(data, file_name)
        plan = read_plan(tables, mapping=mapping)
    except TableFileError as exc:
        plan = PlanRead(errors=[PlanIssue(_("File"), 0, "", str(exc))])
    name = title.strip() or (case.title if case else file_name.rsplit(".", 1)[0])
    preview = PlanPreview(file_name=file_name, organisation=organisation, plan=plan, case=case, title=name[:300],
                          default_unit=default_unit, default_deadline=default_deadline)
    preview.errors.extend(plan.errors)
    _match_units(preview, create_missing=create_missing)
    _match_leaders(preview, create_missing=create_missing)
    for measure in plan.measures():
        if measure.deadline is None and measure.kind != "long_term" and default_deadline is None:
            preview.errors.append(PlanIssue(measure.table, measure.row, _("Deadline"), _(
                "No deadline: give one in the table, or choose a default deadline for the import.")))
        if not (measure.lead_units or measure.units) and default_unit is None:
            preview.errors.append(PlanIssue(measure.table, measure.row, _("Responsible unit"), _(
                "No responsible unit: name one in the table, or choose the unit for unnamed measures.")))
    return preview


def _match_units(preview: PlanPreview, *, create_missing: bool) -> None:
    names = {n for m in preview.plan.measures() for n in (*m.lead_units, *m.units)}
    if not names:
        return
    known = {comparison_key(u.name): u for u in Unit.objects.filter(organisation=preview.organisation)}
    for name in sorted(names):
        unit = known.get(comparison_key(name))
        if unit is not None:
            preview.units[name] = unit
            continue
        preview.missing_units[name] = difflib.get_close_matches(name, [u.name for u in known.values()], n=2,
                                                                cutoff=0.5)
    if preview.missing_units and not create_missing:
        for name, close in preview.missing_units.items():
            hint = (_(" (did you mean “%(match)s”?)") % {"match": "”/“".join(close)}) if close else ""
            preview.errors.append(PlanIssue(_("File"), 0, _("Responsible unit"), _(
                "There is no unit named “%(name)s” in %(organisation)s%(hint)s; correct the name, or confirm to "
                "create it.") % {"name": name, "organisation": preview.organisation.name, "hint": hint}))


def _match_leaders(preview: PlanPreview, *, create_missing: bool) -> None:
    names = {n for m in preview.plan.measures() for n in m.leaders}
    found: dict[str, list[User]] = {}
    for person in User.objects.filter(name__in=names, is_active=True):
        found.setdefault(person.name, []).append(person)
    for name in sorted(names):
        people = found.get(name, [])
        if len(people) == 1:
            preview.leaders[name] = people[0]
        elif len(people) > 1:
            preview.errors.append(PlanIssue(_("File"), 0, _("Leader"), _(
                "%(n)s users are named “%(name)s”; give them distinct names first.") % {"n": len(people),
                                                                                        "name": name}))
        else:
            preview.missing_leaders.append(name)
    if preview.missing_leaders and not create_missing:
        preview.errors.append(PlanIssue(_("File"), 0, _("Leader"), _(
            "No user is named %(names)s; correct the names, or confirm to create them (they cannot sign in until "
            "given a password).") % {"names": "、".join(preview.missing_leaders)}))


def import_plan(data: bytes, *, file_name: str, user: User, organisation: Organisation, **options) -> dict[str, Any]:
    """Import the plan in one transaction; raises PlanRejected (nothing written) on any error."""
    with transaction.atomic():
        preview = preview_plan(data, file_name=file_name, user=user, organisation=organisation, **options)
        if not preview.ok:
            raise PlanRejected(preview)
        return _write(preview, user=user, create_missing=options.get("create_missing", False))


def _write(preview: PlanPreview, *, user: User, create_missing: bool) -> dict[str, Any]:
    from notices.importer import _unit_kind

    organisation = preview.organisation
    created_units = []
    for name in preview.missing_units:
        unit = Unit.objects.create(name=name[:200], organisation=organisation, kind=_unit_kind(name))
        preview.units[name] = unit
        created_units.append(name)
    for name in preview.missing_leaders:
        person = User(username=f"leader-{uuid.uuid4().hex[:10]}", name=name[:150])
        person.set_unusable_password()
        person.save()
        preview.leaders[name] = person
    case = preview.case
    created_case = case is None
    if case is None:
        case = Case(organisation=organisation, title=preview.title, inspected_body=organisation.name[:200],
                    rectification_deadline=preview.default_deadline)
        case.full_clean(exclude=["organisation"])
        case.save()
    writer = TreeWriter(case, by=user, reason=_("Plan import"))
    groups = [writer.add_issue(kind=Issue.Kind.GROUP, label=label[:40], title=title[:500])
              for label, title in preview.plan.categories]
    for problem in preview.plan.problems:
        issue = writer.add_issue(parent=groups[problem.category] if problem.category is not None else None,
                                 kind=Issue.Kind.PROBLEM, label=problem.label[:40], title=problem.title[:500])
        for m in problem.measures:
            units = [preview.units[n] for n in (*m.lead_units, *m.units)] or [preview.default_unit]
            writer.add_measure(
                issue=issue, text=m.text, label=m.label[:40], lead_unit=units[0], supporting_units=units[1:],
                lead_leader=preview.leaders.get(m.leaders[0]) if m.leaders else None,
                deadline=m.deadline or (None if m.kind == "long_term" else preview.default_deadline), kind=m.kind,
            )
    written = writer.write()
    return {"case": case.pk, "case_created": created_case, "issues_created": len(written.issues),
            "measures_created": len(written.measures), "units_created": created_units,
            "leaders_created": list(preview.missing_leaders)}
