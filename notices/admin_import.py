"""The admin's "import a notice" pages: paste or upload → preview → confirm.

The preview shows the parsed tree, the warnings, the declared against the found counts and
what the import will do (a new case, or which case it updates). Nothing is written until
the administrator confirms. The input is kept in the session between the two steps (keyed
by its content hash), so the file is not uploaded twice and what is confirmed is exactly
what was previewed.

A file (or pasted text) too big to read in the request (`read_in_background`) is stored
(`notice-imports/<token>`) and read by a Celery job; its status page leads back here with the
token, and the preview and the confirm work from the notice that job parsed (its JSON form),
never parsing the file in a request. The confirmed import of such a file is a job as well.
"""

from __future__ import annotations

import base64
import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import Organisation, Unit
from cases import services
from cases.jobs.models import ImportJob
from cases.jobs.services import JobRefused, read_in_background, should_queue
from cases.jobs.views import job_url
from cases.models import Case, Issue, Measure
from cases.states import State
from notices.importer import ImportPlan, NoticeImportError, import_notice, preview_notice
from notices.jobs import queue_notice, scoped_choices
from notices.models import Notice
from notices.parser import ParsedNotice, ParseError, parse_file, parse_text
from notices.parser.json import notice_from_dict

SESSION_KEY = "notices_import_pending"
# Larger uploads are refused before parsing; a county notice is 20–60 KB of text and a
# .docx with its images rarely more than a few MB.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
UPLOAD_EXTENSIONS = (".txt", ".docx", ".html", ".htm")
_STORED = "notice-imports/{token}"


class ImportOptionsForm(forms.Form):
    """The choices that shape an import; asked on the first page and carried to the confirm."""

    unit = forms.ModelChoiceField(
        label=gettext_lazy("Responsible unit"), queryset=Unit.objects.filter(is_active=True), required=False,
        help_text=gettext_lazy("A notice names no unit per measure: every new measure is assigned to this unit. "
                               "Leave empty to use a unit named after the issuer (created if missing)."),
    )
    default_deadline = forms.DateField(
        label=gettext_lazy("Default deadline"), required=False, widget=AdminDateWidget,
        help_text=gettext_lazy("For measures whose text states none. Leave empty for two months after the "
                               "feedback date (or the case's end of concentrated rectification)."),
    )
    case = forms.ModelChoiceField(
        label=gettext_lazy("Update this case"), queryset=Case.objects.all(), required=False,
        help_text=gettext_lazy("Leave empty: a later notice of the same inspection round is matched to its case "
                               "automatically, otherwise a new case is created."),
    )

    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Organisation"), queryset=Organisation.objects.none(), required=False,
        help_text=gettext_lazy("The organisation that rectifies a new case (default: the highest one you "
                               "supervise). A chosen case or unit brings its own."),
    )

    def __init__(self, *args, admin_site=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        site = admin_site or admin.site
        if user is not None:
            _scope_choices(self, user)
        # The admin's own autocomplete (search as you type) for the unit and the case.
        for name, model_field in (("unit", Measure._meta.get_field("lead_unit")),
                                  ("case", Notice._meta.get_field("case"))):
            widget = AutocompleteSelect(model_field, site)
            widget.choices = self.fields[name].choices
            self.fields[name].widget = widget


class NoticeUploadForm(ImportOptionsForm):
    text = forms.CharField(
        label=gettext_lazy("Text of the notice"), required=False,
        widget=forms.Textarea(attrs={"rows": 16, "cols": 100, "style": "width:100%;font-family:inherit"}),
        help_text=gettext_lazy("Paste the whole notice, as copied from the web page or the Word file."),
    )
    file = forms.FileField(
        label=gettext_lazy("…or a file"), required=False,
        help_text=gettext_lazy("A .txt, .docx or saved web page (.html), at most 10 MB."),
    )
    field_order = ["text", "file", "organisation", "unit", "default_deadline", "case"]

    def clean(self):
        data = super().clean()
        text, upload = (data.get("text") or "").strip(), data.get("file")
        if not text and not upload:
            raise ValidationError(_("Paste the text of the notice or choose a file."), code="empty")
        if text and upload:
            raise ValidationError(_("Paste the text or choose a file, not both."), code="both")
        if upload:
            name = upload.name or ""
            if not name.lower().endswith(UPLOAD_EXTENSIONS):
                self.add_error("file", _("Only .txt, .docx and .html files can be imported."))
                return data
            if upload.size > MAX_UPLOAD_BYTES:
                self.add_error("file", _("The file is larger than 10 MB."))
                return data
            content = upload.read()
            data["pending"] = {"data": base64.b64encode(content).decode("ascii"), "filename": name}
        else:
            content = data["text"].encode("utf-8")
            data["pending"] = {"text": data["text"], "filename": ""}
        if read_in_background(len(content)):
            # Read by a job (NoticeImportAdminMixin._read_in_background), not here.
            data.update(content=content, parsed=None,
                        pending={"filename": data["pending"]["filename"], "is_text": not upload})
            return data
        try:
            data["parsed"] = _parse(data["pending"])
        except ParseError as exc:
            raise ValidationError(_("This cannot be imported: %(error)s") % {"error": exc.message}, code=exc.code) \
                from exc
        return data


class ConfirmForm(forms.Form):
    """The previewed choices, carried as hidden fields so the confirm does what the preview showed."""

    content_hash = forms.CharField(widget=forms.HiddenInput)
    unit = forms.ModelChoiceField(queryset=Unit.objects.filter(is_active=True), required=False,
                                  widget=forms.HiddenInput)
    default_deadline = forms.DateField(required=False, widget=forms.HiddenInput)
    case = forms.ModelChoiceField(queryset=Case.objects.all(), required=False, widget=forms.HiddenInput)
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), required=False,
                                          widget=forms.HiddenInput)
    accept_overdue = forms.BooleanField(
        label=gettext_lazy("Import anyway: these measures start overdue"), required=False,
    )
    create_missing = forms.BooleanField(
        label=gettext_lazy("Create the units and people listed as not found"), required=False,
    )

    def __init__(self, *args, user=None, starting_overdue: int = 0, missing_names: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            _scope_choices(self, user)
        if not starting_overdue and not self.is_bound:
            # Asked only when the import would create overdue measures.
            self.fields["accept_overdue"].widget = forms.HiddenInput()
        if not missing_names and not self.is_bound:
            # Asked only when the notice names units or leaders the organisation does not have.
            self.fields["create_missing"].widget = forms.HiddenInput()


def _scope_choices(form: forms.Form, user) -> None:
    """An import reaches only what its user may change: their cases, units and organisations."""
    form.fields["case"].queryset = Case.objects.restrict(user, "change")
    form.fields["unit"].queryset = Unit.objects.restrict(user).filter(is_active=True)
    form.fields["organisation"].queryset = Organisation.objects.supervised_by(user).filter(is_active=True)
    if not form.is_bound:
        form.fields["organisation"].initial = Organisation.objects.default_for(user)


def _options(data: dict, user) -> dict:
    return {"unit": data.get("unit"), "case": data.get("case"), "default_deadline": data.get("default_deadline"),
            "organisation": data.get("organisation") or Organisation.objects.default_for(user),
            "create_missing": bool(data.get("create_missing"))}


def _parse(pending: dict) -> ParsedNotice:
    """The notice of a small pending import, parsed again from the text or file the session keeps."""
    if "text" in pending:
        return parse_text(pending["text"])
    return parse_file(base64.b64decode(pending["data"]), pending.get("filename") or None)


class NoticeImportAdminMixin:
    """Adds the import pages to NoticeAdmin; the plain "add notice" form leads there too."""

    change_list_template = "admin/notices/notice/change_list.html"

    def get_urls(self):
        urls = [
            path("import/", self.admin_site.admin_view(self.import_view), name="notices_notice_import"),
        ]
        return urls + super().get_urls()

    def add_view(self, request, form_url="", extra_context=None):
        # A notice row only makes sense as the record of an import.
        return HttpResponseRedirect(reverse("admin:notices_notice_import"))

    def import_view(self, request):
        if not request.user.has_perm("notices.add_notice"):
            raise PermissionDenied
        if request.method == "POST" and "_confirm" in request.POST:
            return self._confirm(request)
        if request.method == "GET" and request.GET.get("token"):
            return self._checked_in_background(request, request.GET["token"])
        if request.method == "POST":
            form = NoticeUploadForm(request.POST, request.FILES, admin_site=self.admin_site, user=request.user)
            if form.is_valid():
                if form.cleaned_data["parsed"] is None:
                    return self._read_in_background(request, form)
                return self._preview(request, form)
        else:
            form = NoticeUploadForm(admin_site=self.admin_site, user=request.user)
        return self._render_form(request, form)

    def _render_form(self, request, form):
        return self._render(request, "admin/notices/notice/import_form.html", {
            "form": form, "title": _("Import a notice"),
            "adminform": admin.helpers.AdminForm(form, [(None, {"fields": list(form.fields)})], {}),
        })

    def _preview(self, request, form):
        data = form.cleaned_data
        try:
            plan = preview_notice(data["parsed"], **_options(data, request.user))
        except NoticeImportError as exc:
            form.add_error(None, str(exc))
            return self._render_form(request, form)
        self._forget(request)
        request.session[SESSION_KEY] = {**data["pending"], "content_hash": plan.content_hash}
        return self._show_preview(request, plan, data)

    def _show_preview(self, request, plan: ImportPlan, choices: dict):
        deadline = choices.get("default_deadline")
        confirm = ConfirmForm(initial={
            "content_hash": plan.content_hash, "unit": choices.get("unit"), "case": choices.get("case"),
            "organisation": plan.organisation,
            "default_deadline": deadline.isoformat() if deadline else "",
        }, user=request.user, starting_overdue=plan.counts()["starting_overdue"], missing_names=plan.names.missing)
        return self._render_preview(request, plan, confirm)

    def _read_in_background(self, request, form):
        """A notice too big to read here: stored, and read and checked by a job whose status page
        leads back to `_checked_in_background`."""
        data = form.cleaned_data
        pending = data["pending"]
        token = uuid.uuid4().hex
        options = _options(data, request.user)
        options.pop("create_missing")
        try:
            job = queue_notice(user=request.user, data=data["content"], file_name=pending["filename"],
                               is_text=pending["is_text"], preview=True,
                               then=f"{reverse('admin:notices_notice_import')}?token={token}", **options)
        except JobRefused as exc:
            form.add_error(None, exc.message)
            return self._render_form(request, form)
        self._forget(request)
        stored = default_storage.save(_STORED.format(token=token), ContentFile(data["content"]))
        request.session[SESSION_KEY] = {**pending, "token": token, "stored": stored, "job": job.pk}
        return HttpResponseRedirect(job_url(job))

    def _checked_in_background(self, request, token: str):
        """Back from the job that read the notice: its preview, from the notice the job parsed."""
        pending = request.session.get(SESSION_KEY) or {}
        if pending.get("token") != token or not default_storage.exists(pending.get("stored") or ""):
            return self._expired(request)
        job = ImportJob.objects.restrict(request.user).filter(pk=pending["job"], kind=ImportJob.Kind.NOTICE).first()
        if job is None:
            return self._expired(request)
        if job.state != ImportJob.State.DONE or not (job.result or {}).get("parsed"):
            # Not finished, or refused: its status page says how it stands.
            return HttpResponseRedirect(job_url(job))
        try:
            choices = scoped_choices(job, job.options)
            plan = preview_notice(notice_from_dict(job.result["parsed"]), **choices)
        except (Case.DoesNotExist, Unit.DoesNotExist, Organisation.DoesNotExist):
            return self._expired(request)
        except NoticeImportError as exc:
            self.message_user(request, _("Nothing was imported: %(error)s") % {"error": exc}, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:notices_notice_import"))
        pending["content_hash"] = plan.content_hash
        request.session.modified = True
        return self._show_preview(request, plan, choices)

    def _parsed(self, request, pending: dict) -> ParsedNotice:
        """The pending notice: from its background check's result, or parsed again when small."""
        if "job" not in pending:
            return _parse(pending)
        job = ImportJob.objects.restrict(request.user).filter(
            pk=pending["job"], kind=ImportJob.Kind.NOTICE, state=ImportJob.State.DONE).first()
        if job is None or not (job.result or {}).get("parsed"):
            raise NoticeImportError(_("The preview has expired or was replaced by another one. "
                                      "Paste or upload the notice again; nothing was imported."))
        return notice_from_dict(job.result["parsed"])

    @staticmethod
    def _content(pending: dict) -> bytes:
        if "stored" in pending:
            with default_storage.open(pending["stored"], "rb") as stored:
                return stored.read()
        return pending["text"].encode("utf-8") if "text" in pending else base64.b64decode(pending["data"])

    @staticmethod
    def _forget(request) -> None:
        """Drop the pending import (and its stored file, if it had one)."""
        pending = request.session.pop(SESSION_KEY, None) or {}
        if pending.get("stored"):
            default_storage.delete(pending["stored"])

    def _expired(self, request):
        self.message_user(request, _("The preview has expired or was replaced by another one. "
                                     "Paste or upload the notice again; nothing was imported."), messages.ERROR)
        return HttpResponseRedirect(reverse("admin:notices_notice_import"))

    def _render_preview(self, request, plan: ImportPlan, confirm: ConfirmForm):
        return self._render(request, "admin/notices/notice/import_preview.html", {
            "title": _("Preview of the import"), "plan": plan, "confirm": confirm,
            "outcome_proposals": plan.outcome_proposals(),
            **_preview_context(plan),
        })

    def _confirm(self, request):
        form = ConfirmForm(request.POST, user=request.user)
        pending = request.session.get(SESSION_KEY)
        if not form.is_valid() or not pending or pending.get("content_hash") != form.cleaned_data["content_hash"]:
            return self._expired(request)
        data = form.cleaned_data
        try:
            parsed = self._parsed(request, pending)
            plan = preview_notice(parsed, **_options(data, request.user))
            missing = plan.names.missing
            if missing and not data.get("create_missing"):
                # Names not found are never dropped: the preview is shown again, asking to create them.
                again = ConfirmForm(request.POST, user=request.user, missing_names=True)
                again.is_valid()
                again.add_error("create_missing", _(
                    "The notice names units or people that do not exist: correct the notice, or tick the box "
                    "to create them."))
                return self._render_preview(request, plan, again)
            late = plan.counts()["starting_overdue"]
            if late and not data.get("accept_overdue"):
                # The preview asks before measures start overdue; it is shown again with the question.
                again = ConfirmForm(request.POST, user=request.user, starting_overdue=late, missing_names=missing)
                again.is_valid()
                again.add_error("accept_overdue", ngettext(
                    "%(n)d new measure would start overdue: tick the box to import anyway, or go back and "
                    "choose a default deadline.",
                    "%(n)d new measures would start overdue: tick the box to import anyway, or go back and "
                    "choose a default deadline.", late) % {"n": late})
                return self._render_preview(request, plan, again)
            content = self._content(pending)
            if should_queue(rows=len(parsed.measures()), size=len(content)):
                return self._queue(request, pending, content, data, parsed)
            result = import_notice(
                parsed, by=request.user, **_options(data, request.user), source=pending.get("filename") or "",
                raw_text=pending.get("text"), expected_hash=data["content_hash"],
                outcomes=request.POST.getlist("outcome"),
            )
        except (ParseError, NoticeImportError, ValidationError, JobRefused) as exc:
            message = exc.message if isinstance(exc, (ParseError, JobRefused)) else (
                "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
            self.message_user(request, _("Nothing was imported: %(error)s") % {"error": message}, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:notices_notice_import"))
        self._forget(request)
        self.message_user(request, result.message, messages.WARNING if result.duplicate else messages.SUCCESS)
        if result.case is not None:
            return HttpResponseRedirect(reverse("admin:cases_case_change", args=[result.case.pk]))
        return HttpResponseRedirect(reverse("admin:notices_notice_change", args=[result.notice.pk]))

    def _queue(self, request, pending, content, data, parsed):
        """A notice of many measures is imported by a background job (cases.jobs)."""
        job = queue_notice(
            user=request.user, data=content, file_name=pending.get("filename") or "",
            is_text=pending.get("is_text", "text" in pending), content_hash=data["content_hash"],
            outcomes=request.POST.getlist("outcome"), size=len(parsed.measures()), **_options(data, request.user))
        self._forget(request)
        return HttpResponseRedirect(job_url(job))

    def _render(self, request, template, context):
        return TemplateResponse(request, template, admin_page_context(self, request, context))


def admin_page_context(model_admin: admin.ModelAdmin, request, context: dict) -> dict:
    """The context of one of the notice admin's own pages. `media` is the admin's scripts (core.js,
    which the date widget's shortcuts call) followed by those of the page's forms, as on a change
    page; the forms' media alone left the date picker failing with "quickElement is not defined"."""
    media = model_admin.media
    for value in context.values():
        if isinstance(value, forms.BaseForm):
            media += value.media
    return {**model_admin.admin_site.each_context(request), "opts": model_admin.model._meta, "media": media,
            **context}


def _preview_context(plan: ImportPlan) -> dict:
    """What the preview template shows, prepared so the template only lays it out."""
    parsed = plan.parsed
    by_line: dict[int, list[str]] = {}
    for warning in parsed.warnings:
        if warning.line:
            by_line.setdefault(warning.line, []).append(warning.message)
    nodes = []
    completed_as = services.document_state(case=plan.case, current=None, reported=State.COMPLETED).state
    for node_plan in plan.nodes:
        node = node_plan.node
        node_lines = {node.line} | {m.parsed.line for m in node_plan.measures}
        nodes.append({
            "plan": node_plan,
            "node": node,
            "kind_label": Issue.Kind(node.kind).label if node.kind in Issue.Kind.values else node.kind,
            "indent": node_plan.depth * 24,
            "warnings": [w for line in sorted(x for x in node_lines if x) for w in by_line.get(line, [])],
            # The issue's state as the import will roll it up: never 已销号 around a sign-off chain.
            "state": completed_as if node.proposed_state == State.COMPLETED else node.proposed_state or "",
            "measures": [
                {
                    "plan": m,
                    "parsed": m.parsed,
                    "kind_label": Measure.Kind(m.kind).label,
                    "changes": m.current_state is not None and m.current_state != m.state,
                }
                for m in node_plan.measures
            ],
        })
    found = plan.found()
    declared = dict(parsed.header.declared)
    comparisons = []
    undeclared = []
    for key, label, value in (
        ("problems", _("problems"), found["problems"]),
        ("measures", _("measures"), found["measures"]),
        ("categories", _("categories"), found["levels"][0] if found["levels"] else 0),
        # Declared "已完成整改37个" against the problems whose wording reads as completed.
        ("completed", _("problems completed"),
         sum(1 for node in parsed.problems() if node.proposed_state == State.COMPLETED)),
    ):
        if key in declared:
            comparisons.append({"label": label, "declared": declared[key], "found": value,
                                "differs": declared[key] != value})
        elif key in ("problems", "measures"):
            undeclared.append({"label": label, "found": value})
    return {
        "nodes": nodes,
        "comparisons": comparisons,
        "undeclared": undeclared,
        "found": found,
        "counts": plan.counts(),
        "general_warnings": [w for w in parsed.warnings if not w.line],
        "line_warnings": [w for w in parsed.warnings if w.line],
        "state_counts": sorted(found["states"].items(), key=lambda item: -item[1]),
    }
