"""The peer baseline: the overdue list written the way most DRF code is written.

A plain ModelViewSet with nested ModelSerializers and no query tuning (no select_related,
no prefetch_related), so every row loads its case, issue, units and leader one query at a
time. It is mounted only by the benchmark (ROOT_URLCONF=benchmarks.naive_api), never in the
product's URLs.
"""

from __future__ import annotations

from django.urls import include, path
from django.utils import timezone
from rest_framework import pagination, routers, serializers, viewsets

from accounts.models import Unit, User
from cases.models import Case, Issue, Measure
from config.urls import urlpatterns as product_urlpatterns


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name"]


class UserSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="get_full_name")

    class Meta:
        model = User
        fields = ["id", "name"]


class CaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Case
        fields = ["id", "title"]


class IssueSerializer(serializers.ModelSerializer):
    class Meta:
        model = Issue
        fields = ["id", "label", "title"]


class MeasureSerializer(serializers.ModelSerializer):
    case = CaseSerializer()
    issue = IssueSerializer()
    lead_unit = UnitSerializer()
    supporting_units = UnitSerializer(many=True)
    lead_leader = UserSerializer(allow_null=True)
    kind_display = serializers.CharField(source="get_kind_display")
    state_display = serializers.CharField(source="get_state_display")
    is_overdue = serializers.SerializerMethodField()
    days_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Measure
        fields = [
            "id", "version", "case", "issue", "label", "text", "kind", "kind_display", "lead_leader", "lead_unit",
            "supporting_units", "deadline", "original_deadline", "state", "state_display", "is_overdue",
            "days_overdue", "last_progress_at", "completed_at", "updated_at",
        ]

    def get_is_overdue(self, obj):
        return obj.is_overdue()

    def get_days_overdue(self, obj):
        return obj.days_overdue()


class Pagination(pagination.PageNumberPagination):
    page_size = 50


class MeasureViewSet(viewsets.ModelViewSet):
    serializer_class = MeasureSerializer
    pagination_class = Pagination
    filter_backends = []

    def get_queryset(self):
        on = self.request.query_params.get("overdue_on") or timezone.localdate()
        return Measure.objects.exclude(state="completed").filter(deadline__lt=on).order_by("deadline")


router = routers.SimpleRouter()
router.register("naive/v1/measures", MeasureViewSet, basename="naive-measure")
urlpatterns = [path("", include(router.urls)), *product_urlpatterns]
