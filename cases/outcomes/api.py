"""REST: outcome figures (`/api/v1/outcomes/`), their totals, and the `outcomes` input of a progress entry."""

from __future__ import annotations

import django_filters as filters
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.filtering import BoundedFilterSet, FilterBackend
from cases.filters import MeasureFilterSet
from cases.models import Case, Measure

from . import selectors
from .kinds import Kind
from .models import OutcomeFigure
from .serializers import OutcomeFigureSerializer


class OutcomeFigureFilterSet(BoundedFilterSet):
    measure = filters.ModelChoiceFilter(label=gettext_lazy("measure"), queryset=Measure.objects.all())
    case = filters.ModelChoiceFilter(label=gettext_lazy("case"), queryset=Case.objects.all(),
                                     field_name="measure__case")
    kind = filters.ChoiceFilter(label=gettext_lazy("kind"), choices=Kind.choices)
    source = filters.ChoiceFilter(label=gettext_lazy("source"), choices=OutcomeFigure.Source.choices)

    class Meta:
        model = OutcomeFigure
        fields = ["measure", "case", "kind", "source"]


TOTALS_SCHEMA = inline_serializer("OutcomeTotals", fields={
    "records": serializers.IntegerField(),
    "people": serializers.IntegerField(),
    "rules": serializers.IntegerField(),
    "money_wan": serializers.DecimalField(max_digits=18, decimal_places=4),
    "by_kind": serializers.DictField(child=serializers.DecimalField(max_digits=18, decimal_places=4)),
})


def totals_json(totals: selectors.Totals) -> dict:
    return {
        "records": totals.records, "people": totals.people, "rules": totals.rules,
        "money_wan": str(totals.money_wan),
        "by_kind": {kind: str(value) if money else value for kind, _label, value, money in totals.rows()},
    }


class OutcomeFigureViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OutcomeFigureSerializer
    filterset_class = OutcomeFigureFilterSet
    filter_backends = [FilterBackend]

    def get_queryset(self):
        return OutcomeFigure.objects.restrict(self.request.user).order_by("-created_at", "-pk")

    @extend_schema(summary="Totals of the outcome figures of the measures you can see; any measure filter applies "
                           "(case, unit, kind, state…)", responses={200: TOTALS_SCHEMA})
    @action(detail=False, methods=["get"], filterset_class=None)
    def totals(self, request):
        filterset = MeasureFilterSet(request.query_params, queryset=Measure.objects.restrict(request.user),
                                     request=request)
        if not filterset.is_valid():
            raise serializers.ValidationError(filterset.errors)
        return Response(totals_json(selectors.totals(filterset.qs)))


