"""The django-filter backend of the API, with one guard the database needs.

A filter naming a row by id (`?case=…`, `?unit=…`) must get a whole number the database
can hold. django-filter passes any digits on, and an id beyond 64 bits makes the database
driver fail (OverflowError on SQLite, an aborted transaction on PostgreSQL) instead of
answering "no such choice". Such values are refused here as the invalid choice they are.
"""

from django.utils.translation import gettext as _
from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

_MAX_ID = 2**63 - 1


def _plausible_id(value: str) -> bool:
    value = value.strip()
    return not value or (value.isdigit() and int(value) <= _MAX_ID)


class FilterBackend(DjangoFilterBackend):
    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            errors = {}
            for name, field in filterset.filters.items():
                by_id = isinstance(field, ModelChoiceFilter | ModelMultipleChoiceFilter)
                if by_id and not all(_plausible_id(v) for v in request.query_params.getlist(name)):
                    # Django's own wording (and its translation) for a choice that does not exist.
                    errors[name] = [_("Select a valid choice. That choice is not one of the available choices.")]
            if errors:
                raise ValidationError(errors)
        return filterset
