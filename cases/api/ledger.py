"""Ledger endpoints of a case: export and import (with dry run). The notice draft is notices'
(notices/api/draft_views.py), on the same path under cases/.

    GET  /api/v1/cases/{id}/ledger.xlsx              the case's ledger (the measures you may see)
    GET  /api/v1/cases/{id}/ledger.csv               the same as CSV
    POST /api/v1/cases/{id}/ledger/                  import an .xlsx (multipart `file`, `dry_run`)
"""

from __future__ import annotations

import io

from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import ledger
from cases.jobs.api import accepted
from cases.jobs.services import JobRefused, read_in_background, refuse_too_large, should_queue, start_job
from cases.models import Case, Measure

from .permissions import CanEditLedger

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


def case_of(request, pk) -> Case:
    return get_object_or_404(Case.objects.restrict(request.user), pk=pk)


class LedgerExportView(ErrorsAsJSON, APIView):
    renderer_classes = [XlsxRenderer, CsvRenderer, JSONRenderer]

    @extend_schema(summary="Export the case's ledger (整改台账) as .xlsx or .csv",
                   responses={(200, XLSX): OpenApiTypes.BINARY, (200, "text/csv"): OpenApiTypes.STR})
    def get(self, request, pk, fmt="xlsx"):
        case = case_of(request, pk)
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
                   202: OpenApiResponse(description="Large: checked (dry_run) or imported by a background job; "
                                                    "poll `status` (GET /api/v1/import-jobs/{id}/)"),
                   400: OpenApiResponse(description="Refused: `errors` lists row, column and message")},
    )
    def post(self, request, pk):
        case = case_of(request, pk)
        form = LedgerImportSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        dry_run = form.validated_data["dry_run"]
        data = upload.read()
        try:
            refuse_too_large(len(data))
        except JobRefused as exc:
            raise serializers.ValidationError({"file": [exc.message]}) from exc
        job_options = {"kind": "ledger", "user": request.user, "data": data, "file_name": upload.name,
                       "organisation": case.organisation, "case": case}
        if read_in_background(len(data)):
            # Too big to read here: even the check is a job.
            return accepted(request, start_job(**job_options, preview=dry_run))
        result = ledger.read_ledger(data, file_name=upload.name, user=request.user, case=case)
        if not dry_run and result.ok and should_queue(rows=len(result.rows), size=len(data)):
            return accepted(request, start_job(**job_options, size=len(result.rows)))
        try:
            result = ledger.apply_ledger(result, user=request.user, dry_run=dry_run)
        except ledger.LedgerRejected as exc:
            return Response(exc.result.as_dict(), status=status.HTTP_400_BAD_REQUEST)
        return Response({**result.as_dict(), "dry_run": dry_run, "report": result.report()})


urlpatterns_v1 = [
    ("cases/<int:pk>/ledger.xlsx", LedgerExportView.as_view(), "api-case-ledger-xlsx", {"fmt": "xlsx"}),
    ("cases/<int:pk>/ledger.csv", LedgerExportView.as_view(), "api-case-ledger-csv", {"fmt": "csv"}),
    ("cases/<int:pk>/ledger/", LedgerImportView.as_view(), "api-case-ledger-import", {}),
]


def _patterns():
    from django.urls import path

    return [path(route, view, kwargs, name=name) for route, view, name, kwargs in urlpatterns_v1]


urlpatterns = _patterns()
