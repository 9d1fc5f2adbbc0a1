"""Serializers of outcome figures: the `outcomes` input of a progress entry, and a figure."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from . import services
from .kinds import Kind, MoneyUnit
from .models import OutcomeFigure


class OutcomeInputSerializer(serializers.Serializer):
    """One figure, as sent with a progress entry (documentation of the `outcomes` field)."""

    kind = serializers.ChoiceField(choices=Kind.choices)
    count = serializers.IntegerField(required=False, min_value=1, help_text="People, cases opened or rules.")
    amount = serializers.DecimalField(required=False, max_digits=16, decimal_places=4)
    money_unit = serializers.ChoiceField(choices=MoneyUnit.choices, required=False, default=MoneyUnit.WAN)
    title = serializers.CharField(required=False, allow_blank=True, max_length=300)
    doc_number = serializers.CharField(required=False, allow_blank=True, max_length=100)


@extend_schema_field(OutcomeInputSerializer(many=True))
class OutcomesField(serializers.Field):
    """A list of figures: a JSON array in a JSON body, or a JSON string in a multipart form."""

    default_error_messages = {"invalid": gettext_lazy("Send the outcome figures as a JSON list of objects.")}

    def to_internal_value(self, data):
        if isinstance(data, str):
            if not data.strip():
                return []
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
            self.fail("invalid")
        try:
            return services.clean_figures(data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc

    def to_representation(self, value):
        return value


class OutcomeFigureSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    words = serializers.CharField(source="__str__", read_only=True, help_text="The figure as a notice words it.")

    class Meta:
        model = OutcomeFigure
        fields = ["id", "measure", "progress", "kind", "kind_display", "count", "amount", "money_unit", "amount_wan",
                  "title", "doc_number", "source", "created_at", "words"]
