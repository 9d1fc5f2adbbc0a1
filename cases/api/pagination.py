"""Page-number pagination for every list of the API."""

from rest_framework.pagination import PageNumberPagination

from cases.paging import DeferredJoinPaginator


class Pagination(PageNumberPagination):
    """`?page=2&page_size=100`; the size is capped so one request cannot fetch a province."""

    page_size_query_param = "page_size"
    max_page_size = 500
    django_paginator_class = DeferredJoinPaginator
