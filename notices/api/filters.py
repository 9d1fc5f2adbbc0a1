"""Filters of the notices API. Choices are scoped to the caller, so an id cannot probe a hidden case."""

import django_filters as filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.filtering import BoundedFilterSet
from cases.models import Case
from notices.models import Notice


class NoticeFilterSet(BoundedFilterSet):
    kind = filters.ChoiceFilter(label=_("kind"), choices=Notice.Kind.choices)
    case = filters.ModelChoiceFilter(label=_("case"), queryset=Case.objects.all())
    published_after = filters.DateFilter(label=_("published after"), field_name="published_on", lookup_expr="gte")
    published_before = filters.DateFilter(label=_("published before"), field_name="published_on",
                                          lookup_expr="lte")
    q = filters.CharFilter(label=_("search"), method="filter_search")

    class Meta:
        model = Notice
        fields = ["kind", "case"]

    def filter_search(self, queryset, name, value):
        for term in (value or "").split()[:8]:
            queryset = queryset.filter(Q(title__icontains=term) | Q(issuer__icontains=term))
        return queryset
