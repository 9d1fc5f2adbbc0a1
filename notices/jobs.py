"""The notice and plan imports as background jobs (cases.jobs runs them; registered in ready()).

Each runner reads the options the confirm step stored (ids and ISO dates), loads them through
the user's scope again, and calls the same service as the synchronous path.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext as _

from accounts.models import Organisation, Unit
from cases.jobs.models import ImportJob
from cases.jobs.services import JobRefused, Report, register, start_job
from cases.models import Case


def scoped_choices(job: ImportJob, options: dict[str, Any]) -> dict[str, Any]:
    """The case, unit, organisation and default deadline a job was started with, loaded again
    through its starter's scope (a choice they have since lost raises DoesNotExist)."""
    user = job.created_by
    found: dict[str, Any] = {}
    for key, queryset in (("case", Case.objects.restrict(user, "change")),
                          ("unit", Unit.objects.restrict(user)),
                          ("organisation", Organisation.objects.supervised_by(user))):
        pk = options.get(key)
        found[key] = queryset.get(pk=pk) if pk else None
    day = options.get("default_deadline")
    found["default_deadline"] = datetime.date.fromisoformat(day) if day else None
    return found


def run_plan(job: ImportJob, data: bytes, report: Report) -> tuple[str, dict[str, Any], int | None]:
    from notices.plans.importer import PlanRejected, import_plan, preview_plan
    from notices.plans.reading import plan_to_dict

    options = job.options
    scoped = scoped_choices(job, options)
    if options.get("preview"):
        report(10, _("Reading the tables and checking every row"))
        preview = preview_plan(
            data, file_name=job.file_name, user=job.created_by, organisation=scoped["organisation"],
            case=scoped["case"], title=options.get("title", ""), mapping=options.get("mapping") or {},
            default_unit=scoped["unit"], default_deadline=scoped["default_deadline"],
            create_missing=bool(options.get("create_missing")))
        counts = preview.counts()
        message = _("Plan checked: %(problems)s problems and %(measures)s measures read.") % {
            "problems": counts["problems"], "measures": counts["measures"]}
        # The read plan is kept too: the admin's preview page matches it against the organisation
        # again (a few bulk queries) instead of reading the file in its request.
        return message, {"dry_run": True, "preview": preview.as_dict(), "plan": plan_to_dict(preview.plan),
                         "mapping": options.get("mapping") or {}}, scoped["case"].pk if scoped["case"] else None
    try:
        result = import_plan(
            data, file_name=job.file_name, user=job.created_by, organisation=scoped["organisation"],
            case=scoped["case"], title=options.get("title", ""), mapping=options.get("mapping") or {},
            default_unit=scoped["unit"], default_deadline=scoped["default_deadline"],
            create_missing=bool(options.get("create_missing")), progress=report,
        )
    except PlanRejected as exc:
        raise JobRefused(_("The plan was not imported; nothing was written."),
                         [e.as_dict() for e in exc.preview.errors]) from exc
    return plan_message(result), result, result["case"]


def queue_plan(*, user, data: bytes, file_name: str, organisation, size: int = 0, case=None, title: str = "",
               mapping: dict[str, str] | None = None, default_unit=None, default_deadline=None,
               create_missing: bool = False, preview: bool = False, then: str = "") -> ImportJob:
    """Start the background import of a plan with these choices (the admin's and the API's), or with
    `preview` only its check (the result holds the preview and the plan as read)."""
    return start_job(
        kind=ImportJob.Kind.PLAN, user=user, data=data, file_name=file_name, organisation=organisation, case=case,
        size=size, preview=preview, then=then, options={
            "organisation": organisation.pk, "case": case.pk if case else None,
            "unit": default_unit.pk if default_unit else None,
            "default_deadline": default_deadline.isoformat() if default_deadline else None, "title": title,
            "mapping": mapping or {}, "create_missing": create_missing,
        },
    )


def plan_message(result: dict[str, Any]) -> str:
    text = _("Plan imported: %(issues)s issues and %(measures)s measures added.") % {
        "issues": result["issues_created"], "measures": result["measures_created"]}
    if result.get("issues_matched") or result.get("measures_existing"):
        text += " " + _("%(matched)s issues matched the case's own; %(existing)s measures it already had were "
                        "left as they are.") % {"matched": result["issues_matched"],
                                                 "existing": result["measures_existing"]}
    if result.get("units_created"):
        text += " " + _("Units created: %(names)s.") % {"names": "、".join(result["units_created"])}
    if result.get("leaders_created"):
        text += " " + _("Leaders created: %(names)s.") % {"names": "、".join(result["leaders_created"])}
    return text


def run_notice(job: ImportJob, data: bytes, report: Report) -> tuple[str, dict[str, Any], int | None]:
    from notices.importer import NoticeImportError, import_notice, preview_notice
    from notices.parser import ParseError, parse_file, parse_text

    options = job.options
    scoped = scoped_choices(job, options)
    report(10, _("Reading the notice"))
    try:
        parsed = parse_text(data.decode("utf-8")) if options.get("is_text") else parse_file(
            data, job.file_name or None)
        if options.get("preview"):
            report(60, _("Matching the notice to the cases"))
            plan = preview_notice(parsed, unit=scoped["unit"], unit_name=options.get("unit_name") or None,
                                  case=scoped["case"], organisation=scoped["organisation"],
                                  default_deadline=scoped["default_deadline"],
                                  create_missing=bool(options.get("create_missing")))
            message = _("Notice checked: %(measures)s measures read.") % {"measures": len(parsed.measures())}
            return message, {"dry_run": True, "preview": plan.as_dict(), "parsed": parsed.to_dict()}, None
        report(40, _("Writing the case"))
        result = import_notice(
            parsed, by=job.created_by, unit=scoped["unit"], case=scoped["case"],
            organisation=scoped["organisation"], default_deadline=scoped["default_deadline"],
            unit_name=options.get("unit_name") or None, source=job.file_name,
            raw_text=data.decode("utf-8") if options.get("is_text") else None,
            expected_hash=options.get("content_hash"), outcomes=options.get("outcomes") or (),
            create_missing=bool(options.get("create_missing")),
        )
    except ParseError as exc:
        raise JobRefused(_("Nothing was imported: %(error)s") % {"error": exc.message}) from exc
    except NoticeImportError as exc:
        raise JobRefused(_("Nothing was imported: %(error)s") % {"error": exc}) from exc
    return result.message, result.as_dict(), result.case.pk if result.case else None


def queue_notice(*, user, data: bytes, file_name: str, is_text: bool, unit=None, unit_name: str | None = None,
                 case=None, organisation=None, default_deadline=None, content_hash: str | None = None,
                 outcomes=(), size: int = 0, preview: bool = False, create_missing: bool = False,
                 then: str = "") -> ImportJob:
    """Start the background import of a notice (the admin's and the API's), or with `preview` its check
    (the result holds the preview and the parsed notice; `then` is the page its status page leads to)."""
    return start_job(
        kind=ImportJob.Kind.NOTICE, user=user, data=data, file_name=file_name,
        organisation=case.organisation if case else organisation, case=case, size=size, preview=preview, then=then,
        options={"is_text": is_text, "content_hash": content_hash, "unit": unit.pk if unit else None,
                 "unit_name": unit_name or "", "case": case.pk if case else None,
                 "organisation": organisation.pk if organisation else None,
                 "default_deadline": default_deadline.isoformat() if default_deadline else None,
                 "create_missing": create_missing, "outcomes": list(outcomes)},
    )


def register_runners() -> None:
    register(ImportJob.Kind.PLAN, run_plan)
    register(ImportJob.Kind.NOTICE, run_notice)
