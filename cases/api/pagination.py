"""Page-number pagination for every list of the API, and the ordering its pages need."""

from rest_framework.filters import OrderingFilter
from rest_framework.pagination import PageNumberPagination

from cases.paging import DeferredJoinPaginator, total_ordering


class TotalOrdering(OrderingFilter):
    """DRF's `?ordering=` with the primary key as the last key (see `cases.paging.total_ordering`)."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        return total_ordering(ordering) if ordering else ordering


class Pagination(PageNumberPagination):
    """`?page=2&page_size=100`; the size is capped so one request cannot fetch a province."""

    page_size_query_param = "page_size"
    max_page_size = 500
    django_paginator_class = DeferredJoinPaginator
