"""The admin's plan-table import: upload → preview (with the column mapping) → confirm.

The uploaded file is stored (default storage, `plan-imports/<token>`) and the choices kept in
the session under a random token, so the preview can be checked again with another column
mapping, other defaults or "create the missing names" without uploading the file again, and
what is confirmed is that file. Nothing is written before the confirmation; a refused
confirmation shows the same preview with its row-by-row report. A plan past the background
size (cases.jobs) is imported by a Celery job and the page moves to the job's status. A file
too big to read in the request (`read_in_background`) is read by a Celery job for its preview as
well: the status page leads back here, where the plan that job read is matched against the
organisation (a few bulk queries) and shown; only another column mapping reads the file again.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Organisation
from cases.jobs.models import ImportJob
from cases.jobs.services import JobRefused, read_in_background, should_queue
from cases.jobs.views import job_url
from cases.models import Case, Measure

from .admin_import import admin_page_context
from .jobs import plan_message, queue_plan
from .plans.columns import LABELS, place_header
from .plans.forms import PlanCheckForm, PlanUploadForm, column_choices
from .plans.importer import PlanPreview, PlanRejected, import_plan, preview_plan
from .plans.reading import PlanRead, plan_from_dict

SESSION_KEY = "plan_imports_pending"
_STORED = "plan-imports/{token}"
_KEEP = 5  # pending previews kept per session; older ones are dropped with their files


class PlanImportAdminMixin:
    """Adds `import/plan/` to NoticeAdmin."""

    def get_urls(self):
        return [path("import/plan/", self.admin_site.admin_view(self.plan_import_view),
                     name="notices_notice_import_plan"), *super().get_urls()]

    def plan_import_view(self, request):
        if not request.user.has_perm("cases.add_measure") or not Organisation.objects.supervised_by(
                request.user).exists():
            raise PermissionDenied
        if request.method == "POST" and request.POST.get("token"):
            return self._plan_check(request)
        if request.method == "GET" and request.GET.get("token"):
            return self._plan_checked_in_background(request, request.GET["token"])
        form = PlanUploadForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            return self._plan_uploaded(request, form)
        return self._plan_render(request, "admin/notices/notice/plan_form.html", {
            "title": _("Import a plan table"), "form": form,
            "adminform": admin.helpers.AdminForm(form, [(None, {"fields": list(form.fields)})], {}),
        })

    # --- the steps --------------------------------------------------------------------

    def _plan_uploaded(self, request, form):
        data = form.cleaned_data
        upload = data["file"]
        content = upload.read()
        token = uuid.uuid4().hex
        default_storage.save(_STORED.format(token=token), ContentFile(content))
        pending = request.session.get(SESSION_KEY, {})
        for old in list(pending)[:-(_KEEP - 1)] if len(pending) >= _KEEP else []:
            default_storage.delete(pending.pop(old)["stored"])
        pending[token] = {
            "stored": _STORED.format(token=token), "file_name": upload.name, "size": len(content),
            "organisation": data["organisation"].pk, "case": data["case"].pk if data.get("case") else None,
            "title": data.get("title") or "", "mapping": {},
        }
        request.session[SESSION_KEY] = pending
        if read_in_background(len(content)):
            return self._plan_read_in_background(request, token, pending[token], content, unit=data.get("unit"),
                                                 default_deadline=data.get("default_deadline"), create_missing=False)
        check = PlanCheckForm(initial={"token": token, "unit": data.get("unit"),
                                       "default_deadline": data.get("default_deadline")},
                              user=request.user, organisation=data["organisation"])
        preview = self._plan_preview(request, pending[token], content, unit=data.get("unit"),
                                     default_deadline=data.get("default_deadline"), create_missing=False)
        return self._plan_show(request, preview, check, pending[token], twice=[])

    def _plan_read_in_background(self, request, token, pending, content, **options):
        """A file too big to read here: a job reads and checks it; its status page leads back here."""
        organisation = Organisation.objects.supervised_by(request.user).get(pk=pending["organisation"])
        case = Case.objects.restrict(request.user, "change").filter(pk=pending["case"]).first() \
            if pending["case"] else None
        try:
            job = queue_plan(user=request.user, data=content, file_name=pending["file_name"],
                             organisation=organisation, case=case, title=pending["title"],
                             mapping=pending["mapping"], default_unit=options["unit"],
                             default_deadline=options["default_deadline"], create_missing=options["create_missing"],
                             preview=True, then=f"{reverse('admin:notices_notice_import_plan')}?token={token}")
        except JobRefused as exc:
            self._plan_forget(request, token)
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:notices_notice_import_plan"))
        deadline = options["default_deadline"]
        pending.update(plan_job=job.pk, check={
            "unit": options["unit"].pk if options["unit"] else None, "create_missing": options["create_missing"],
            "default_deadline": deadline.isoformat() if deadline else None})
        request.session.modified = True
        return HttpResponseRedirect(job_url(job))

    def _plan_checked_in_background(self, request, token):
        """Back from the job that read the file: the preview, from the plan it read."""
        pending = request.session.get(SESSION_KEY, {}).get(token)
        if not pending or not default_storage.exists(pending["stored"]):
            self.message_user(request, _("This preview has expired; upload the plan again. Nothing was imported."),
                              messages.ERROR)
            return HttpResponseRedirect(reverse("admin:notices_notice_import_plan"))
        organisation = Organisation.objects.supervised_by(request.user).filter(pk=pending["organisation"]).first()
        if organisation is None:
            raise PermissionDenied
        plan = self._plan_read(request, pending)
        if plan is None:  # the job has not finished (or failed): its page says how it stands
            return HttpResponseRedirect(reverse("admin:cases_import_job", args=[pending.get("plan_job") or 0]))
        chosen = pending.get("check") or {}
        check = PlanCheckForm(initial={"token": token, "unit": chosen.get("unit"),
                                       "default_deadline": chosen.get("default_deadline"),
                                       "create_missing": chosen.get("create_missing")},
                              user=request.user, organisation=organisation)
        unit = check.fields["unit"].queryset.filter(pk=chosen.get("unit")).first() if chosen.get("unit") else None
        deadline = chosen.get("default_deadline")
        preview = self._plan_preview(
            request, pending, b"", unit=unit, create_missing=bool(chosen.get("create_missing")),
            default_deadline=datetime.date.fromisoformat(deadline) if deadline else None, plan=plan)
        return self._plan_show(request, preview, check, pending, twice=[])

    def _plan_read(self, request, pending) -> PlanRead | None:
        """The plan a background check read with the current mapping, if it has finished."""
        job = ImportJob.objects.restrict(request.user).filter(
            pk=pending.get("plan_job") or 0, state=ImportJob.State.DONE).first()
        if job is None or not job.result or "plan" not in job.result:
            return None
        plan = plan_from_dict(job.result["plan"])
        return plan if _same_reading(plan, job.result.get("mapping") or {}, pending["mapping"]) else None

    def _plan_check(self, request):
        token = request.POST["token"]
        pending = request.session.get(SESSION_KEY, {}).get(token)
        if not pending or not default_storage.exists(pending["stored"]):
            self.message_user(request, _("This preview has expired; upload the plan again. Nothing was imported."),
                              messages.ERROR)
            return HttpResponseRedirect(reverse("admin:notices_notice_import_plan"))
        organisation = Organisation.objects.supervised_by(request.user).filter(pk=pending["organisation"]).first()
        if organisation is None:
            raise PermissionDenied
        check = PlanCheckForm(request.POST, user=request.user, organisation=organisation)
        mapping, twice = PlanCheckForm.mapping_from(request.POST)
        pending["mapping"] = mapping
        request.session.modified = True
        with default_storage.open(pending["stored"], "rb") as stored:
            content = stored.read()
        valid = check.is_valid()
        options = check.cleaned_data if valid else {}
        plan = self._plan_read(request, pending) if read_in_background(len(content)) else None
        if read_in_background(len(content)) and plan is None:
            # Another mapping of a big file: read it again in the background.
            return self._plan_read_in_background(
                request, token, pending, content, unit=options.get("unit"),
                default_deadline=options.get("default_deadline"), create_missing=options.get("create_missing", False))
        preview = self._plan_preview(request, pending, content, unit=options.get("unit"),
                                     default_deadline=options.get("default_deadline"),
                                     create_missing=options.get("create_missing", False), plan=plan)
        late = preview.counts()["starting_overdue"] if valid else 0
        if "_confirm" not in request.POST or not valid or twice or not preview.ok or (
                late and not options.get("accept_overdue")):
            if "_confirm" in request.POST:
                self.message_user(request, _refusal(preview) if not preview.ok or twice or not valid else ngettext(
                    "Nothing was imported: %(n)d new measure would start overdue. Tick “Import them anyway”, or "
                    "choose a later default deadline.",
                    "Nothing was imported: %(n)d new measures would start overdue. Tick “Import them anyway”, or "
                    "choose a later default deadline.", late) % {"n": late}, messages.ERROR)
            return self._plan_show(request, preview, check, pending, twice=twice)
        return self._plan_confirm(request, token, pending, content, preview, options)

    def _plan_confirm(self, request, token, pending, content, preview: PlanPreview, options):
        kwargs = {"case": preview.case, "title": pending["title"], "mapping": pending["mapping"],
                  "default_unit": options.get("unit"), "default_deadline": options.get("default_deadline"),
                  "create_missing": options.get("create_missing", False)}
        if should_queue(rows=preview.counts()["measures_created"], size=len(content)):
            job = queue_plan(user=request.user, data=content, file_name=pending["file_name"],
                             organisation=preview.organisation, size=preview.counts()["measures_created"], **kwargs)
            self._plan_forget(request, token)
            return HttpResponseRedirect(job_url(job))
        try:
            result = import_plan(content, file_name=pending["file_name"], user=request.user,
                                 organisation=preview.organisation, **kwargs)
        except PlanRejected as exc:
            self.message_user(request, _refusal(exc.preview), messages.ERROR)
            check = PlanCheckForm(request.POST, user=request.user, organisation=preview.organisation)
            check.is_valid()
            return self._plan_show(request, exc.preview, check, pending, twice=[])
        self._plan_forget(request, token)
        self.message_user(request, plan_message(result), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:cases_case_change", args=[result["case"]]))

    # --- helpers ----------------------------------------------------------------------

    def _plan_preview(self, request, pending, content, **options) -> PlanPreview:
        organisation = Organisation.objects.supervised_by(request.user).get(pk=pending["organisation"])
        case = Case.objects.restrict(request.user, "change").filter(pk=pending["case"]).first() \
            if pending["case"] else None
        return preview_plan(content, file_name=pending["file_name"], user=request.user, organisation=organisation,
                            case=case, title=pending["title"], mapping=pending["mapping"],
                            default_unit=options["unit"], default_deadline=options["default_deadline"],
                            create_missing=options["create_missing"], plan=options.get("plan"))

    def _plan_forget(self, request, token):
        pending = request.session.get(SESSION_KEY, {})
        entry = pending.pop(token, None)
        if entry:
            default_storage.delete(entry["stored"])
        request.session[SESSION_KEY] = pending

    def _plan_show(self, request, preview: PlanPreview, check: PlanCheckForm, pending, *, twice):
        return self._plan_render(request, "admin/notices/notice/plan_preview.html", {
            "title": _("Preview of the plan import"), "preview": preview, "check": check,
            "pending": pending, **plan_preview_context(preview, pending["mapping"], twice),
            "background": should_queue(rows=preview.counts()["measures_created"], size=pending["size"]),
        })

    def _plan_render(self, request, template, context):
        return TemplateResponse(request, template, admin_page_context(self, request, context))


def _same_reading(plan: PlanRead, read_with: dict[str, str], mapping: dict[str, str]) -> bool:
    """Whether `mapping` reads the file as `read_with` did: each header is placed in the same column
    (the mapping step posts every header's column, most of them those placed anyway)."""
    if mapping == read_with:
        return True
    for table, texts in plan.headers.items():
        placed = plan.columns.get(table, {})
        for text in texts:
            if table in plan.unread:
                if mapping.get(text) != read_with.get(text):
                    return False
                continue
            key = mapping.get(text) or place_header(text)
            if (None if key == "ignore" else key) != placed.get(text):
                return False
    return True


def _refusal(preview: PlanPreview) -> str:
    if preview.errors and not preview.blocking_errors:
        return _("Nothing was imported: some units or leaders were not found. Tick “Create the units and leaders "
                 "not found”, or correct the names in the file and upload it again.")
    return _("Nothing was imported: correct what the report below lists.")


def plan_preview_context(preview: PlanPreview, mapping: dict[str, str], twice: list[str]) -> dict:
    """What the preview template lays out: the mapping rows, the tree and the report."""
    plan = preview.plan
    choices = column_choices()
    headers = []
    for table, texts in plan.headers.items():
        placed = plan.columns.get(table, {})
        for text in texts:
            # A table whose header row could not be found shows what each header would be on its own.
            chosen = mapping.get(text) or placed.get(text) or (
                (place_header(text) or "") if table in plan.unread else "")
            headers.append({"table": table, "text": text, "chosen": chosen,
                            "placed": text in placed, "unread": table in plan.unread})
    kinds = dict(Measure.Kind.choices)
    problems_by_category: dict[int | None, list[dict]] = defaultdict(list)
    for index, problem in enumerate(plan.problems):
        rows = []
        for j, m in enumerate(problem.measures):
            names = [*m.lead_units, *m.units]
            rows.append({
                "m": m, "exists": (index, j) in preview.existing_measures, "kind_label": kinds.get(m.kind, m.kind),
                "units": [{"name": n, "unit": preview.units.get(n), "did_you_mean": preview.missing_units.get(n),
                           "lead": k == 0} for k, n in enumerate(names)],
                "default_unit": preview.default_unit if not names else None,
                "leaders": [{"name": n, "user": preview.leaders.get(n)} for n in m.leaders],
                "default_deadline": preview.default_deadline if m.deadline is None and m.kind != "long_term"
                else None,
            })
        problems_by_category[problem.category].append({
            "problem": problem, "issue": preview.matched_problems.get(index), "rows": rows})
    tree = [{"label": "", "title": "", "issue": None, "problems": problems_by_category.get(None, [])}] \
        if problems_by_category.get(None) else []
    for index, (label, title) in enumerate(plan.categories):
        tree.append({"label": label, "title": title, "issue": preview.matched_categories.get(index),
                     "problems": problems_by_category.get(index, [])})
    labels = dict(choices)
    return {
        "headers": headers, "column_choices": choices, "tree": tree, "counts": preview.counts(),
        "report": preview.blocking_errors, "twice": [labels.get(k, LABELS.get(k, k)) for k in twice],
        "missing_units": sorted(preview.missing_units.items()), "missing_leaders": preview.missing_leaders,
        "needs_names": bool(preview.missing_units or preview.missing_leaders),
        "unplaced_count": sum(1 for h in headers if not h["chosen"]),
    }
