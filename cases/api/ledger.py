"""Ledger and notice endpoints of a case: export, import (with dry run) and the notice draft.

    GET  /api/v1/cases/{id}/ledger.xlsx              the case's ledger (the measures you may see)
    GET  /api/v1/cases/{id}/ledger.csv               the same as CSV
    POST /api/v1/cases/{id}/ledger/                  import an .xlsx (multipart `file`, `dry_run`)
    GET  /api/v1/cases/{id}/notice-draft/?format=txt|docx   the drafted progress notice
"""

from __future__ import annotations

import io
from dataclasses import asdict

from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import ledger
from cases.models import Case, Measure
from notices.drafter import draft_notice, notice_docx, notice_filename

from .permissions import CanEditLedger, HasPermission

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class _FileRenderer(BaseRenderer):
    """Lets `?format=txt|docx|xlsx|csv` pass content negotiation; the views return the bytes."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class TextRenderer(_FileRenderer):
    media_type, format, charset = "text/plain", "txt", "utf-8"


class DocxRenderer(_FileRenderer):
    media_type, format = DOCX, "docx"


class XlsxRenderer(_FileRenderer):
    media_type, format = XLSX, "xlsx"


class CsvRenderer(_FileRenderer):
    media_type, format, charset = "text/csv", "csv", "utf-8"


class ErrorsAsJSON:
    """A file endpoint answers its errors (404, 403, 400…) in the API's JSON error shape, whatever
    file format was asked for: an error is never sent as an .xlsx, .docx or text file."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


class CanReadAllUnits(HasPermission):
    permission = "cases.view_all_measures"
    message = _("Only a supervisor may draft the notice of a whole case.")


def _case(request, pk) -> Case:
    return get_object_or_404(Case.objects.restrict(request.user), pk=pk)


class LedgerExportView(ErrorsAsJSON, APIView):
    renderer_classes = [XlsxRenderer, CsvRenderer, JSONRenderer]

    @extend_schema(summary="Export the case's ledger (整改台账) as .xlsx or .csv",
                   responses={(200, XLSX): OpenApiTypes.BINARY, (200, "text/csv"): OpenApiTypes.STR})
    def get(self, request, pk, fmt="xlsx"):
        case = _case(request, pk)
        measures = Measure.objects.restrict(request.user).filter(case=case)
        name = ledger.ledger_filename(case)
        if fmt == "csv":
            stream = io.StringIO()
            ledger.write_ledger_csv(measures, stream)
            response = HttpResponse(stream.getvalue(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = content_disposition_header(True, name.removesuffix(".xlsx") + ".csv")
            return response
        stream = io.BytesIO()
        ledger.write_ledger_xlsx(measures, stream, title=ledger.ledger_title(case))
        stream.seek(0)
        return FileResponse(stream, as_attachment=True, filename=name, content_type=XLSX)


class LedgerImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The .xlsx ledger, in the columns of the export.")
    dry_run = serializers.BooleanField(default=False, help_text="Check and list the changes; write nothing.")


class LedgerImportView(ErrorsAsJSON, APIView):
    permission_classes = [CanEditLedger]
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Import an .xlsx ledger into the case (all rows checked first; any error writes nothing)",
        request=LedgerImportSerializer,
        responses={200: OpenApiResponse(description="The import report: summary, changes, warnings"),
                   400: OpenApiResponse(description="Refused: `errors` lists row, column and message")},
    )
    def post(self, request, pk):
        case = _case(request, pk)
        form = LedgerImportSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        try:
            result = ledger.import_ledger(upload.read(), file_name=upload.name, user=request.user, case=case,
                                          dry_run=form.validated_data["dry_run"])
        except ledger.LedgerRejected as exc:
            return Response(exc.result.as_dict(), status=status.HTTP_400_BAD_REQUEST)
        return Response({**result.as_dict(), "dry_run": form.validated_data["dry_run"],
                         "report": result.report()})


class NoticeDraftView(ErrorsAsJSON, APIView):
    permission_classes = [CanReadAllUnits]
    renderer_classes = [TextRenderer, DocxRenderer, JSONRenderer]

    @extend_schema(
        summary="Draft the case's progress notice (整改进展情况通报) as text or .docx",
        parameters=[OpenApiParameter("format", str, enum=["txt", "docx", "json"], default="txt")],
        responses={(200, "text/plain"): OpenApiTypes.STR, (200, DOCX): OpenApiTypes.BINARY},
    )
    def get(self, request, pk):
        case = _case(request, pk)
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


urlpatterns_v1 = [
    ("cases/<int:pk>/ledger.xlsx", LedgerExportView.as_view(), "api-case-ledger-xlsx", {"fmt": "xlsx"}),
    ("cases/<int:pk>/ledger.csv", LedgerExportView.as_view(), "api-case-ledger-csv", {"fmt": "csv"}),
    ("cases/<int:pk>/ledger/", LedgerImportView.as_view(), "api-case-ledger-import", {}),
    ("cases/<int:pk>/notice-draft/", NoticeDraftView.as_view(), "api-case-notice-draft", {}),
]


def _patterns():
    from django.urls import path

    return [path(route, view, kwargs, name=name) for route, view, name, kwargs in urlpatterns_v1]


urlpatterns = _patterns()
