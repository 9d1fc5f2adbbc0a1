"""`GET /api/v1/import-jobs/{id}/` and `/export-jobs/{id}/`: background imports and exports, for API clients to poll."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from .models import ExportJob, ImportJob


def accepted(request, job: ImportJob) -> Response:
    """202 for an import (or its dry run) handed to a background job: where to poll for it."""
    dry_run = bool(job.options.get("preview"))
    detail = _("The file is large: it is being checked in the background.") if dry_run else _(
        "The file is large: it is being imported in the background.")
    return Response({"dry_run": dry_run, "job": job.pk, "status": request.build_absolute_uri(
        reverse("api-import-job-detail", args=[job.pk])), "detail": detail}, status=status.HTTP_202_ACCEPTED)


class ImportJobSerializer(serializers.ModelSerializer):
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    dry_run = serializers.SerializerMethodField(help_text="A check only: `result` holds the preview.")

    class Meta:
        model = ImportJob
        fields = ["id", "kind", "dry_run", "state", "state_display", "progress", "stage", "message", "errors",
                  "result", "case", "file_name", "size", "created_at", "started_at", "finished_at"]
        read_only_fields = fields

    def get_dry_run(self, obj) -> bool:
        return bool(obj.options.get("preview"))


class ImportJobViewSet(viewsets.ReadOnlyModelViewSet):
    """Jobs of the organisations one supervises (`ImportJob.objects.restrict`), newest first."""

    serializer_class = ImportJobSerializer

    def get_queryset(self):
        return ImportJob.objects.restrict(self.request.user).order_by("-created_at", "-pk")


class ExportJobSerializer(serializers.ModelSerializer):
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    download = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = ["id", "format", "state", "state_display", "progress", "stage", "message", "rows", "file_name",
                  "download", "created_at", "started_at", "finished_at", "file_removed_at"]
        read_only_fields = fields

    def get_download(self, job) -> str | None:
        if not job.stored_as:
            return None
        request = self.context.get("request")
        url = reverse("api-export-job-download", args=[job.pk])
        return request.build_absolute_uri(url) if request else url


class ExportJobViewSet(viewsets.ReadOnlyModelViewSet):
    """Your own background exports (`GET /api/v1/export-jobs/{id}/`), and their files once done."""

    serializer_class = ExportJobSerializer

    def get_queryset(self):
        return ExportJob.objects.restrict(self.request.user).order_by("-created_at", "-pk")

    @extend_schema(summary="Download the finished export", responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        job = self.get_object()
        if not job.stored_as or not default_storage.exists(job.stored_as):
            raise NotFound(_("The export is not ready yet."))
        return FileResponse(default_storage.open(job.stored_as, "rb"), as_attachment=True, filename=job.file_name)
