"""The one FilterSet of look-backs, shared by the queue page and `GET /api/v1/lookbacks/`.

Each filter narrows a queryset already scoped with `restrict(user)`. The page also narrows its
list of 长期坚持 items (measures, which have no look-back row until one is recorded) with the
same choices through `narrow_measures`, so both lists of the page answer the same filters.
"""

from __future__ import annotations

import django_filters as filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from accounts.filtering import BoundedFilterSet
from accounts.models import Unit
from cases.filters import _units_with_descendants
from cases.models import Case, Measure

from . import selectors
from .models import Lookback

# The due state of a look-back: pending ones by their due date against today and the reminder
# horizon (`selectors.reminder_horizon`), or already recorded.
DUE_OVERDUE, DUE_SOON, DUE_LATER, DUE_RECORDED = "overdue", "due", "later", "recorded"
DUE_CHOICES = [
    (DUE_OVERDUE, _("Overdue")),
    (DUE_SOON, _("Due soon (within the reminder days)")),
    (DUE_LATER, _("Later")),
    (DUE_RECORDED, _("Recorded")),
]


class LookbackFilterSet(BoundedFilterSet):
    case = filters.ModelMultipleChoiceFilter(label=_("case"), queryset=Case.objects.all(), field_name="measure__case")
    unit = filters.ModelMultipleChoiceFilter(
        label=_("unit (with sub-units)"), queryset=Unit.objects.all(), method="filter_unit",
        help_text=_("Lead or supporting unit of the item, including its sub-units."),
    )
    kind = filters.MultipleChoiceFilter(label=_("kind"), choices=Measure.Kind.choices, field_name="measure__kind")
    due = filters.ChoiceFilter(
        label=_("due state"), choices=DUE_CHOICES, method="filter_due",
        help_text=_("overdue: due before today; due: due by the reminder horizon; later: after it; "
                    "recorded: held or relapsed."),
    )
    outcome = filters.ChoiceFilter(label=_("outcome"), choices=Lookback.Outcome.choices)
    measure = filters.ModelChoiceFilter(label=_("measure"), queryset=Measure.objects.all())

    class Meta:
        model = Lookback
        fields = ["case", "unit", "kind", "due", "outcome", "measure"]

    @extend_schema_field(OpenApiTypes.INT)  # unit ids, for the OpenAPI schema of the API
    def filter_unit(self, queryset, name, value):
        if not value:
            return queryset
        units = _units_with_descendants([u.pk for u in value])
        return queryset.filter(measure__in=Measure.objects.for_units(units).values("pk"))

    def filter_due(self, queryset, name, value):
        if not value:
            return queryset
        if value == DUE_RECORDED:
            return queryset.checked()
        today = timezone.localdate()
        pending = queryset.pending()
        if value == DUE_OVERDUE:
            return pending.filter(due_on__lt=today)
        horizon = selectors.reminder_horizon(today)
        if value == DUE_SOON:
            return pending.filter(due_on__gte=today, due_on__lte=horizon)
        return pending.filter(due_on__gt=horizon)

    def narrow_measures(self, measures):
        """The same case, unit and kind choices applied to measures (the 长期坚持 list)."""
        data = {}
        if self.is_bound:
            self.is_valid()  # an invalid value is dropped here as the look-back list drops it
            data = self.form.cleaned_data
        if data.get("case"):
            measures = measures.filter(case__in=data["case"])
        if data.get("unit"):
            measures = measures.for_units(_units_with_descendants([u.pk for u in data["unit"]]))
        if data.get("kind"):
            measures = measures.filter(kind__in=data["kind"])
        if data.get("measure"):
            measures = measures.filter(pk=data["measure"].pk)
        return measures
