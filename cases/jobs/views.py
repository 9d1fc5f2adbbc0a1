"""The status page of an import job: progress while it runs, then its outcome.

The page refreshes itself every two seconds (a plain `<meta http-equiv="refresh">`, so it works
without JavaScript) until the job ends; `?format=json` gives the same status to a script.
"""

from __future__ import annotations

import datetime

from django.contrib import admin
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ImportJob

# A job still queued after this long means no worker is taking jobs: the page says so.
STALLED_AFTER = datetime.timedelta(seconds=30)


def job_urls(admin_view):
    return [path("import-jobs/<int:pk>/", admin_view(job_view), name="cases_import_job")]


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
        })
    return TemplateResponse(request, "admin/cases/import_job.html", {
        **admin.site.each_context(request), "title": _("Import: %(file)s") % {"file": job.file_name},
        "job": job, "stalled": stalled, "opts": ImportJob._meta,
        "case_url": reverse("admin:cases_case_change", args=[job.case_id]) if job.case_id else "",
    })
