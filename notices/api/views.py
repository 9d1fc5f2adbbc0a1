"""Notices in the API: read-only list and detail.

Further endpoints (e.g. importing a notice) are added as actions on NoticeViewSet or as
more routes in notices/api/urls.py; the v1 router picks up everything listed there.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.filters import OrderingFilter

from accounts.filtering import FilterBackend
from notices.models import Notice

from .filters import NoticeFilterSet
from .serializers import NoticeDetailSerializer, NoticeListSerializer


@extend_schema_view(list=extend_schema(summary="Source documents (feedback and progress notices)"),
                    retrieve=extend_schema(summary="One notice, with its text and parser warnings"))
class NoticeViewSet(viewsets.ReadOnlyModelViewSet):
    filterset_class = NoticeFilterSet
    filter_backends = [FilterBackend, OrderingFilter]
    ordering_fields = ["imported_at", "published_on", "title"]

    def get_queryset(self):
        queryset = Notice.objects.restrict(self.request.user).select_related("case")
        if self.action == "list":
            # The raw text can be hundreds of kilobytes; a list never shows it.
            queryset = queryset.defer("raw_text", "parsed")
        return queryset

    def get_serializer_class(self):
        return NoticeListSerializer if self.action == "list" else NoticeDetailSerializer
