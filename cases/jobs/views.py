"""The status page of an import job: progress while it runs, then its outcome.

The page refreshes itself every two seconds (a plain `<meta http-equiv="refresh">`, so it works
without JavaScript) until the job ends; `?format=json` gives the same status to a script. A check
(preview) job that has ended well moves on to the page that shows its preview.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import admin
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .models import ExportJob, ImportJob

# A job still queued after this long means no worker is taking jobs: the page says so.
STALLED_AFTER = datetime.timedelta(seconds=30)


def job_urls(admin_view):
    return [path("import-jobs/<int:pk>/", admin_view(job_view), name="cases_import_job"),
            path("export-jobs/<int:pk>/", admin_view(export_job_view), name="cases_export_job"),
            path("export-jobs/<int:pk>/download/", admin_view(export_download), name="cases_export_download")]


def job_url(job: ImportJob) -> str:
    return reverse("admin:cases_import_job", args=[job.pk])


def job_view(request, pk):
    job = get_object_or_404(ImportJob.objects.restrict(request.user).select_related("case"), pk=pk)
    stalled = job.state == ImportJob.State.QUEUED and timezone.now() - job.created_at > STALLED_AFTER
    if request.GET.get("format") == "json":
        return JsonResponse({
            "id": job.pk, "kind": job.kind, "state": job.state, "state_display": job.get_state_display(),
            "progress": job.progress, "stage": job.stage, "message": job.message, "errors": job.errors,
            "result": job.result, "case": job.case_id, "stalled": stalled,
            "dry_run": bool(job.options.get("preview")),
        })
    then = job.options.get("then") or ""
    if job.state == ImportJob.State.DONE and then and url_has_allowed_host_and_scheme(then, allowed_hosts=None):
        return HttpResponseRedirect(then)
    return TemplateResponse(request, "admin/cases/import_job.html", {
        **admin.site.each_context(request),
        "title": (_("Check before import: %(file)s") if job.options.get("preview") else _("Import: %(file)s")) % {
            "file": job.file_name or _("pasted text")},
        "job": job, "stalled": stalled, "opts": ImportJob._meta,
        "case_url": reverse("admin:cases_case_change", args=[job.case_id]) if job.case_id else "",
    })


def export_job_url(job: ExportJob) -> str:
    return reverse("admin:cases_export_job", args=[job.pk])


def _export_job(request, pk) -> ExportJob:
    return get_object_or_404(ExportJob.objects.restrict(request.user).select_related("case"), pk=pk)


def export_job_view(request, pk):
    """An export's progress (rows written), then its download link; `?format=json` for a script."""
    job = _export_job(request, pk)
    stalled = job.state == ImportJob.State.QUEUED and timezone.now() - job.created_at > STALLED_AFTER
    download = reverse("admin:cases_export_download", args=[job.pk]) if job.stored_as else ""
    if request.GET.get("format") == "json":
        return JsonResponse({
            "id": job.pk, "format": job.format, "state": job.state, "state_display": job.get_state_display(),
            "progress": job.progress, "stage": job.stage, "message": job.message, "rows": job.rows,
            "download": request.build_absolute_uri(download) if download else None, "stalled": stalled,
            "file_removed_at": job.file_removed_at.isoformat() if job.file_removed_at else None,
        })
    return TemplateResponse(request, "admin/cases/export_job.html", {
        **admin.site.each_context(request), "title": _("Export: %(file)s") % {"file": job.file_name},
        "job": job, "stalled": stalled, "download": download, "opts": ExportJob._meta,
        "keep_days": settings.EXPORT_KEEP_DAYS,
        "case_url": reverse("admin:cases_case_change", args=[job.case_id]) if job.case_id else "",
    })


def export_download(request, pk):
    job = _export_job(request, pk)
    if not job.stored_as or not default_storage.exists(job.stored_as):
        raise Http404
    return FileResponse(default_storage.open(job.stored_as, "rb"), as_attachment=True, filename=job.file_name)
