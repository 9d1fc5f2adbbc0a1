"""The admin page of a case's drafted progress notice (and its .txt and .docx downloads).

It lives with the drafter in `notices` (cases knows no notice) and is mounted on the case's admin
through `CaseAdmin.extra_urls`, as /admin/cases/case/<id>/notice-draft/.
"""

from __future__ import annotations

import io

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from cases.ledger_admin import DOCX, case_context, case_of
from notices.drafter import draft_notice, notice_docx, notice_filename


def notice_draft_urls(admin_view):
    return [path("<int:pk>/notice-draft/", admin_view(notice_view), name="cases_case_notice_draft")]


def notice_view(request, pk):
    if not request.user.has_perm("cases.view_all_measures"):
        raise PermissionDenied
    case = case_of(request, pk)
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
        **case_context(request, case, _("Draft progress notice")), "draft": draft,
    })
