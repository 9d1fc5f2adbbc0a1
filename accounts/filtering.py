"""The base of every FilterSet, and the API's filter backend.

Here, below cases and notices, because it is the scoping rule's (accounts.scoping) in another
guise: every choice of a related row a filter accepts is scoped to the user, and every number is
bounded by what the database holds.
"""

from __future__ import annotations

import django_filters as filters
from django import forms
from django_filters.rest_framework import DjangoFilterBackend

# Bounds every filter of every FilterSet gets, so no query parameter reaches the database (or
# date arithmetic) as a number it cannot hold: an id is a positive 64-bit integer, a number of
# days at most a century.
MAX_ID = 2**63 - 1
MAX_DAYS = 36500


class _BoundedIdsMixin:
    """A model choice field that refuses an id no database row can have before looking it up.

    Django catches a malformed id but not one beyond 64 bits: the driver fails (OverflowError on
    SQLite, an aborted transaction on PostgreSQL). Refused here as the invalid choice it is.
    """

    def clean(self, value):
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            text = str(item).strip() if item is not None else ""
            if text and not (text.isdigit() and int(text) <= MAX_ID):
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                            params={"value": text})
        return super().clean(value)


_UNSCOPED = object()


class _LazyChoicesIterator:
    """A model choice iterator that reads its field's choices when iterated, not when made (Django's
    reads them at once, and a field makes one whenever its queryset is set)."""

    def __init__(self, field):
        self.field = field

    @property
    def queryset(self):
        return self.field.queryset

    @queryset.setter
    def queryset(self, value):
        pass  # always the field's own


class _LazilyScopedMixin:
    """A model choice field whose choices are scoped to a user (`restrict`) when first used — to
    check a submitted id, or to list the options of a rendered form — and not before: a staff
    member's API request built seven scoped choice querysets (cases through their units' items,
    issues, people …) for filters it did not use, a fifth of the request. Every use of the
    choices goes through `queryset`, which scopes them first."""

    def __init__(self, *args, scoped_for=_UNSCOPED, **kwargs):
        self._scoped_for = scoped_for
        super().__init__(*args, **kwargs)

    @property
    def queryset(self):
        if self._scoped_for is not _UNSCOPED:
            user, self._scoped_for = self._scoped_for, _UNSCOPED
            forms.ModelChoiceField.queryset.fset(self, self._queryset.restrict(user))
        return self._queryset

    @queryset.setter
    def queryset(self, queryset):
        forms.ModelChoiceField.queryset.fset(self, queryset)

    def clean(self, value):
        if isinstance(self, forms.ModelMultipleChoiceField) and not self.required and not value:
            return self._queryset.none()  # nothing chosen: no choice to check (Django asks `queryset`)
        return super().clean(value)

    def __deepcopy__(self, memo):
        # ModelChoiceField's own copy reads `queryset` (it would scope now): copy the unscoped
        # choices and the pending scope instead.
        scoped_for, self._scoped_for = self._scoped_for, _UNSCOPED
        try:
            result = super().__deepcopy__(memo)
        finally:
            self._scoped_for = scoped_for
        result._scoped_for = scoped_for
        return result


_BOUNDED_FIELDS: dict[type, type] = {}


def _bounded_field_class(field_class: type) -> type:
    if field_class not in _BOUNDED_FIELDS:
        base_iterator = getattr(field_class, "iterator", forms.models.ModelChoiceIterator)
        iterator = type(f"Lazy{base_iterator.__name__}", (_LazyChoicesIterator, base_iterator), {})
        _BOUNDED_FIELDS[field_class] = type(f"Bounded{field_class.__name__}",
                                            (_BoundedIdsMixin, _LazilyScopedMixin, field_class),
                                            {"iterator": iterator})
    return _BOUNDED_FIELDS[field_class]


def _choices_without_request(queryset):
    """Without a request (no user) there is nothing to choose."""

    def choices(request):
        base = queryset(request) if callable(queryset) else queryset
        return base.none() if request is None else base

    return choices


class BoundedFilterSet(filters.FilterSet):
    """The base of every FilterSet (API, pages, exports, and those the API builds from a view's
    `filterset_fields`): numbers and ids within what the database holds, so an absurd parameter
    is a "not valid" message, never a 500; and every choice of a related row scoped to the user,
    so a hidden row is as absent as a missing one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for flt in self.filters.values():
            if isinstance(flt, filters.NumberFilter):
                flt.extra.setdefault("min_value", 0)
                flt.extra.setdefault("max_value", MAX_ID)
            elif isinstance(flt, filters.ModelChoiceFilter | filters.ModelMultipleChoiceFilter):
                # Every choice goes through the one scoping rule (`restrict`, applied by the field
                # when its choices are first used), so an id the user may not see is refused exactly
                # like an id that does not exist: same message, same status, no disclosure.
                flt.field_class = _bounded_field_class(flt.field_class)
                flt.queryset = _choices_without_request(flt.queryset)
                flt.extra["scoped_for"] = getattr(self.request, "user", None)
            else:
                continue
            flt.__dict__.pop("_field", None)

    @classmethod
    def check_choices_are_scoped(cls) -> list[str]:
        """The model choice filters whose model has no scoping rule (a `restrict` method)."""
        unscoped = []
        for name, flt in cls.base_filters.items():
            if isinstance(flt, filters.ModelChoiceFilter | filters.ModelMultipleChoiceFilter):
                queryset = flt.queryset
                if callable(queryset) or not hasattr(queryset, "restrict"):
                    unscoped.append(f"{cls.__name__}.{name}")
        return unscoped


class FilterBackend(DjangoFilterBackend):
    """The API's django-filter backend: FilterSets it builds from a view's `filterset_fields` get
    the same base as the declared ones."""

    filterset_base = BoundedFilterSet
