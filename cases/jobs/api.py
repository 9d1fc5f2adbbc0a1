"""`GET /api/v1/import-jobs/{id}/`: the status of a background import, for API clients to poll."""

from __future__ import annotations

from rest_framework import serializers, viewsets

from .models import ImportJob


class ImportJobSerializer(serializers.ModelSerializer):
    state_display = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = ImportJob
        fields = ["id", "kind", "state", "state_display", "progress", "stage", "message", "errors", "result", "case",
                  "file_name", "size", "created_at", "started_at", "finished_at"]
        read_only_fields = fields


class ImportJobViewSet(viewsets.ReadOnlyModelViewSet):
    """Jobs of the organisations one supervises (`ImportJob.objects.restrict`), newest first."""

    serializer_class = ImportJobSerializer

    def get_queryset(self):
        return ImportJob.objects.restrict(self.request.user).order_by("-created_at", "-pk")
