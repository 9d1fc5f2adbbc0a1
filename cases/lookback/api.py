"""REST: `GET /api/v1/lookbacks/` — the look-backs of the items you can see, with the queue's filters.

Read-only: a look-back is recorded on the queue (`cases.lookback.services.record_lookback`).
The list is scoped with `Lookback.objects.restrict(user)` and filtered by `LookbackFilterSet`,
the same FilterSet as the queue page.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from accounts.filtering import FilterBackend
from cases.api.pagination import TotalOrdering

from .filters import LookbackFilterSet
from .models import Lookback


class LookbackSerializer(serializers.ModelSerializer):
    measure_label = serializers.CharField(source="measure.__str__", read_only=True)
    case = serializers.IntegerField(source="measure.case_id", read_only=True)
    lead_unit = serializers.IntegerField(source="measure.lead_unit_id", read_only=True)
    lead_unit_name = serializers.CharField(source="measure.lead_unit.name", read_only=True)
    kind = serializers.CharField(source="measure.kind", read_only=True)
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)
    by_name = serializers.SerializerMethodField()

    class Meta:
        model = Lookback
        fields = ["id", "measure", "measure_label", "case", "lead_unit", "lead_unit_name", "kind", "completed_at",
                  "period_start", "due_on", "outcome", "outcome_display", "note", "by", "by_name", "checked_at",
                  "progress"]

    def get_by_name(self, obj) -> str:
        return (obj.by.name or obj.by.username) if obj.by_id else ""


@extend_schema_view(
    list=extend_schema(summary="Look-backs (回头看) of the items visible to you; filter by case, unit, kind, "
                               "due state (overdue, due, later, recorded) and outcome"),
    retrieve=extend_schema(summary="One look-back"),
)
class LookbackViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = LookbackSerializer
    filterset_class = LookbackFilterSet
    filter_backends = [FilterBackend, TotalOrdering]
    ordering_fields = ["due_on", "checked_at", "created_at"]

    def get_queryset(self):
        return (Lookback.objects.restrict(self.request.user)
                .select_related("measure__lead_unit", "measure__case", "by").order_by("due_on", "pk"))
