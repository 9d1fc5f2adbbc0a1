"""Admin pages for the ledger: export, import (check and preview, then confirm) and the notice draft.

CaseAdmin mounts these under /admin/cases/case/<id>/…; the buttons sit on the case's change page.
"""

from __future__ import annotations

import io
import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from notices.drafter import draft_notice, notice_docx, notice_filename

from . import ledger
from .jobs.services import should_queue, start_job
from .jobs.views import job_url
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
        path("<int:pk>/notice-draft/", admin_view(notice_view), name="cases_case_notice_draft"),
    ]


def _case(request, pk) -> Case:
    return get_object_or_404(Case.objects.restrict(request.user), pk=pk)


def export_view(request, pk):
    case = _case(request, pk)
    stream = io.BytesIO()
    ledger.write_ledger_xlsx(Measure.objects.restrict(request.user).filter(case=case), stream,
                             title=ledger.ledger_title(case))
    stream.seek(0)
    return FileResponse(stream, as_attachment=True, filename=ledger.ledger_filename(case), content_type=XLSX)


def notice_view(request, pk):
    if not request.user.has_perm("cases.view_all_measures"):
        raise PermissionDenied
    case = _case(request, pk)
    draft = draft_notice(case)
    if request.GET.get("format") == "docx":
        return FileResponse(io.BytesIO(notice_docx(draft)), as_attachment=True,
                            filename=notice_filename(case, "docx"), content_type=DOCX)
    if request.GET.get("format") == "txt":
        response = HttpResponse(draft.text, content_type="text/plain; charset=utf-8")
        # RFC 6266 / 5987: filename*=utf-8''<percent-encoded>, not a MIME-encoded header.
        response["Content-Disposition"] = content_disposition_header(True, notice_filename(case, "txt"))
        return response
    return TemplateResponse(request, "admin/cases/case/notice_draft.html", {
        **_context(request, case, _("Draft progress notice")), "draft": draft,
    })


def import_view(request, pk):
    if not request.user.has_perm("cases.add_measure"):
        raise PermissionDenied
    case = _case(request, pk)
    change_url = reverse("admin:cases_case_change", args=[case.pk])
    context = _context(request, case, _("Import ledger"))
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

    form = LedgerUploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
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


def _int(value) -> int:
    try:
        return max(int(value or 0), 0)
    except ValueError:
        return 0


def _context(request, case, title):
    from django.contrib import admin

    return {**admin.site.each_context(request), "title": title, "case": case, "opts": Case._meta,
            "original": case}


def export_measures(request, queryset):
    """The admin action: the selected (already scoped) measures as an .xlsx ledger."""
    stream = io.BytesIO()
    ledger.write_ledger_xlsx(queryset.order_by(), stream)
    stream.seek(0)
    return FileResponse(stream, as_attachment=True, filename=ledger.ledger_filename(None), content_type=XLSX)
