"""The django-filter backend of the API.

The FilterSets themselves bound every number and id (`cases.filters.BoundedFilterSet`); the
FilterSets django-filter builds from a view's `filterset_fields` get the same base here.
"""

from django_filters.rest_framework import DjangoFilterBackend

from cases.filters import BoundedFilterSet


class FilterBackend(DjangoFilterBackend):
    filterset_base = BoundedFilterSet
