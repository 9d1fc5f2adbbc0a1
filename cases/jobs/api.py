"""`GET /api/v1/import-jobs/{id}/`: the status of a background import, for API clients to poll."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from .models import ImportJob


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
