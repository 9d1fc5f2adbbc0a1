"""Admin pages for the ledger: export and import (check and preview, then confirm).

CaseAdmin mounts these under /admin/cases/case/<id>/…; the buttons sit on the case's change page.
The checked file waits in `ledger-imports/<token>.xlsx` for the confirmation. A file too big to
check in the request (`read_in_background`) is checked by a Celery job; its status page leads
back here (`?checked=<token>`), where the preview is the job's report, and the confirmed import of such
a file is a job as well.
"""

from __future__ import annotations

import tempfile
import uuid
from types import SimpleNamespace

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from . import ledger
from .jobs.exports import should_export_in_background, start_export
from .jobs.models import ExportJob, ImportJob
from .jobs.services import JobRefused, read_in_background, should_queue, start_job
from .jobs.views import export_job_url, job_url
from .models import Case, Measure

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_PENDING = "ledger-imports/{token}.xlsx"


class LedgerUploadForm(forms.Form):
    file = forms.FileField(label=_("Ledger file (.xlsx)"))


def ledger_urls(admin_view):
    return [
        path("<int:pk>/ledger/export/", admin_view(export_view), name="cases_case_ledger_export"),
        path("<int:pk>/ledger/import/", admin_view(import_view), name="cases_case_ledger_import"),
    ]


def case_of(request, pk) -> Case:
    return get_object_or_404(Case.objects.restrict(request.user), pk=pk)


def _spooled():
    # A zip (xlsx) cannot be written front to back: spooled to a temporary file that stays in
    # memory while small; FileResponse closes it.
    return tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)


def export_view(request, pk):
    case = case_of(request, pk)
    measures = Measure.objects.restrict(request.user).filter(case=case)
    rows = measures.count()
    if should_export_in_background(rows, ExportJob.Format.XLSX):
        job = start_export(user=request.user, fmt=ExportJob.Format.XLSX, rows=rows, case=case,
                           file_name=ledger.ledger_filename(case))
        return HttpResponseRedirect(export_job_url(job))
    stream = _spooled()
    ledger.write_ledger_xlsx(measures, stream, title=ledger.ledger_title(case))
    stream.seek(0)
    return FileResponse(stream, as_attachment=True, filename=ledger.ledger_filename(case), content_type=XLSX)


def import_view(request, pk):
    if not request.user.has_perm("cases.add_measure"):
        raise PermissionDenied
    case = case_of(request, pk)
    change_url = reverse("admin:cases_case_change", args=[case.pk])
    context = case_context(request, case, _("Import ledger"))
    token = request.POST.get("token", "")
    if request.method == "POST" and token:
        # Second step: the file checked and previewed in the first step, imported for real.
        try:
            name = _PENDING.format(token=uuid.UUID(token).hex)
        except ValueError:
            # Not a token this page ever handed out (edited, truncated): say so, write nothing.
            messages.error(request, _("This confirmation is not valid; upload the ledger file again."))
            return HttpResponseRedirect(request.path)
        if not default_storage.exists(name):
            messages.error(request, _("The checked file has expired; upload it again."))
            return HttpResponseRedirect(request.path)
        with default_storage.open(name, "rb") as stored:
            data = stored.read()
        rows = _int(request.POST.get("rows"))
        if should_queue(rows=rows, size=len(data)):
            # A large ledger is imported by a background job; its status page shows the progress.
            job = start_job(kind="ledger", user=request.user, data=data, organisation=case.organisation, case=case,
                            file_name=request.POST.get("file_name", "ledger.xlsx"), size=rows)
            default_storage.delete(name)
            return HttpResponseRedirect(job_url(job))
        try:
            result = ledger.import_ledger(data, file_name=request.POST.get("file_name", "ledger.xlsx"),
                                          user=request.user, case=case)
        except ledger.LedgerRejected as exc:
            return TemplateResponse(request, "admin/cases/case/ledger_import.html",
                                    {**context, "form": LedgerUploadForm(), "result": exc.result})
        finally:
            default_storage.delete(name)
        messages.success(request, _("Ledger imported: %(summary)s") % {"summary": ledger.summary_text(result.summary)})
        return HttpResponseRedirect(change_url)

    if request.method == "GET" and request.GET.get("checked"):
        return _checked_in_background(request, case, context, request.GET["checked"])
    form = LedgerUploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        if read_in_background(len(data)):
            return _check_in_background(request, case, form, data, context)
        result = ledger.read_ledger(data, file_name=upload.name, user=request.user, case=case)
        if result.ok:
            try:
                ledger.apply_ledger(result, user=request.user, dry_run=True)
            except ledger.LedgerRejected as exc:
                result = exc.result
        if result.ok:
            token = uuid.uuid4().hex
            default_storage.save(_PENDING.format(token=token), ContentFile(data))
            context.update(token=token, file_name=upload.name, rows=len(result.rows),
                           background=should_queue(rows=len(result.rows), size=len(data)))
    return TemplateResponse(request, "admin/cases/case/ledger_import.html", {**context, "form": form,
                                                                            "result": result})


def _check_in_background(request, case, form, data: bytes, context):
    """A file too big to check here: kept for the confirmation and checked by a job, whose status
    page leads back to `_checked_in_background`."""
    token = uuid.uuid4().hex
    name = form.cleaned_data["file"].name
    try:
        job = start_job(kind=ImportJob.Kind.LEDGER, user=request.user, data=data, organisation=case.organisation,
                        case=case, file_name=name, preview=True, options={"pending": token},
                        then=f"{request.path}?checked={token}")
    except JobRefused as exc:
        form.add_error("file", exc.message)
        return TemplateResponse(request, "admin/cases/case/ledger_import.html", {**context, "form": form})
    default_storage.save(_PENDING.format(token=token), ContentFile(data))
    return HttpResponseRedirect(job_url(job))


def _checked_in_background(request, case, context, token: str):
    """Back from the job that checked the file: its report as the preview, confirmed as usual."""
    try:
        token = uuid.UUID(token).hex
    except ValueError:
        token = ""
    job = ImportJob.objects.restrict(request.user).filter(
        kind=ImportJob.Kind.LEDGER, case=case, options__pending=token).order_by("-pk").first() if token else None
    if job is None or not default_storage.exists(_PENDING.format(token=token)):
        messages.error(request, _("The checked file has expired; upload it again."))
        return HttpResponseRedirect(request.path)
    if job.state != ImportJob.State.DONE or not job.result:
        return HttpResponseRedirect(job_url(job))  # not finished, or refused: its page says why
    report = job.result
    result = SimpleNamespace(errors=[], warnings=report.get("warnings") or [],
                             new_issues=report.get("new_issues") or [], changed_rows=report.get("changes") or [])
    rows = report.get("rows", len(result.changed_rows))
    return TemplateResponse(request, "admin/cases/case/ledger_import.html", {
        **context, "form": LedgerUploadForm(), "result": result, "token": token, "file_name": job.file_name,
        "rows": rows, "background": True})


def _int(value) -> int:
    try:
        return max(int(value or 0), 0)
    except ValueError:
        return 0


def case_context(request, case, title):
    from django.contrib import admin

    return {**admin.site.each_context(request), "title": title, "case": case, "opts": Case._meta,
            "original": case}


def export_measures(request, queryset):
    """The admin action: the selected (already scoped) measures as an .xlsx ledger; a large
    selection ("select all" over a province) is written by a background job."""
    ids = list(queryset.order_by().values_list("pk", flat=True))
    if should_export_in_background(len(ids), ExportJob.Format.XLSX):
        job = start_export(user=request.user, fmt=ExportJob.Format.XLSX, rows=len(ids), measure_ids=ids,
                           file_name=ledger.ledger_filename(None))
        return HttpResponseRedirect(export_job_url(job))
    stream = _spooled()
    ledger.write_ledger_xlsx(queryset.order_by(), stream)
    stream.seek(0)
    return FileResponse(stream, as_attachment=True, filename=ledger.ledger_filename(None), content_type=XLSX)
