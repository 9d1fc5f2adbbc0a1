"""Page-number pagination for every list of the API."""

from django.core.paginator import Paginator as DjangoPaginator
from rest_framework.pagination import PageNumberPagination


class DeferredJoinPaginator(DjangoPaginator):
    """Pages by id first, then loads the page's rows: a late page costs what an early one does.

    `OFFSET 84,000` over the list's query walks (and joins case, issue, unit, leader for) every
    skipped row; here the skipped rows are read as ids only, from the ordering's index
    (`measure_ongoing_dl_id_idx`, an index-only scan for the overdue list), and only the 50
    rows of the page are loaded with their related rows, in the same order.
    """

    def page(self, number):
        number = self.validate_number(number)
        queryset = self.object_list
        if not hasattr(queryset, "values_list") or not queryset.query.order_by:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(queryset.values_list("pk", flat=True)[bottom:top])
        loaded = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
        rows = [loaded[pk] for pk in ids if pk in loaded]
        return self._get_page(rows, number, self)


class Pagination(PageNumberPagination):
    """`?page=2&page_size=100`; the size is capped so one request cannot fetch a province."""

    page_size_query_param = "page_size"
    max_page_size = 500
    django_paginator_class = DeferredJoinPaginator
