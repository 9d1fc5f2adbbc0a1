"""The drafted progress notice of a case (整改进展情况通报), as text, .docx or JSON.

    GET  /api/v1/cases/{id}/notice-draft/?format=txt|docx|json

It lives with the drafter in `notices` (dependencies point down: cases knows no notice), on the
path of the case it drafts.
"""

from __future__ import annotations

import io
from dataclasses import asdict

from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.api.ledger import DOCX, DocxRenderer, ErrorsAsJSON, TextRenderer, case_of
from cases.api.permissions import HasPermission
from notices.drafter import draft_notice, notice_docx, notice_filename


class CanReadAllUnits(HasPermission):
    permission = "cases.view_all_measures"
    message = _("Only a supervisor may draft the notice of a whole case.")


class NoticeDraftView(ErrorsAsJSON, APIView):
    permission_classes = [CanReadAllUnits]
    renderer_classes = [TextRenderer, DocxRenderer, JSONRenderer]

    @extend_schema(
        summary="Draft the case's progress notice (整改进展情况通报) as text or .docx",
        parameters=[OpenApiParameter("format", str, enum=["txt", "docx", "json"], default="txt")],
        responses={(200, "text/plain"): OpenApiTypes.STR, (200, DOCX): OpenApiTypes.BINARY},
    )
    def get(self, request, pk):
        case = case_of(request, pk)
        draft = draft_notice(case)
        fmt = request.query_params.get("format", "txt")
        if fmt == "docx":
            return FileResponse(io.BytesIO(notice_docx(draft)), as_attachment=True,
                                filename=notice_filename(case, "docx"), content_type=DOCX)
        if fmt == "json":
            return Response({"title": draft.title, "text": draft.text, "warnings": draft.warnings,
                             "figures": asdict(draft.figures)})
        response = HttpResponse(draft.text, content_type="text/plain; charset=utf-8")
        response["X-Draft-Warnings"] = str(len(draft.warnings))
        return response


