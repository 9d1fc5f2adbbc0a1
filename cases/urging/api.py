"""Letters in the API: list and read (scoped), issue by hand, 签收 (acknowledge) and 反馈 (answer).

Every write calls `cases.urging.letters`; its ValidationError / PermissionDenied become the
API's error shape (400 / 403) in `config.api.exception_handler`.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.models import Unit
from cases.api.serializers import UnitRefSerializer

from ..models import Measure
from . import letters as service
from .models import LETTER_DOCUMENTS, Letter


class LetterSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer(read_only=True)
    document_display = serializers.CharField(source="get_document_display", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    level = serializers.CharField(source="level.name", read_only=True, allow_null=True, default=None)
    measures = serializers.SerializerMethodField(help_text="Ids of the letter's items the caller may see.")
    recipients = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField(help_text="Not answered and past its reply deadline.")

    class Meta:
        model = Letter
        fields = ["id", "number", "title", "document", "document_display", "unit", "level", "state",
                  "state_display", "issued_on", "reply_by", "overdue", "recipients", "measures",
                  "acknowledged_at", "reply", "answered_at", "escalated_to"]
        read_only_fields = fields

    def get_measures(self, obj) -> list[int]:
        return [m.pk for m in obj.visible_measures]

    def get_recipients(self, obj) -> list[str]:
        return [r for r in obj.recipients.split("\n") if r]

    def get_overdue(self, obj) -> bool:
        return obj.state in (Letter.State.ISSUED, Letter.State.ACKNOWLEDGED) and obj.reply_by < timezone.localdate()


class LetterIssueSerializer(serializers.Serializer):
    unit = serializers.IntegerField(help_text="The unit the letter is addressed to.")
    measures = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    document = serializers.ChoiceField(choices=[(d.value, d.label) for d in LETTER_DOCUMENTS])
    reply_days = serializers.IntegerField(min_value=1, max_value=60, default=5)


class LetterAnswerSerializer(serializers.Serializer):
    reply = serializers.CharField(help_text="The written reply (反馈).")
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class LetterViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = LetterSerializer

    def get_queryset(self):
        user = self.request.user
        visible = Prefetch("measures", queryset=Measure.objects.restrict(user).only("pk").order_by("pk"),
                           to_attr="visible_measures")
        return (Letter.objects.restrict(user).select_related("unit", "level").prefetch_related(visible)
                .order_by("-issued_on", "-pk"))

    def _detail(self, letter, code=status.HTTP_200_OK):
        return Response(self.get_serializer(self.get_queryset().get(pk=letter.pk)).data, status=code)

    @extend_schema(summary="Issue a letter by hand (supervisors), about items of one unit",
                   request=LetterIssueSerializer, responses={201: LetterSerializer})
    def create(self, request):
        data = LetterIssueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        data = data.validated_data
        if not request.user.has_perm("cases.issue_letter"):
            raise PermissionDenied()
        unit = Unit.objects.restrict(request.user).filter(pk=data["unit"]).first()
        if unit is None:
            raise serializers.ValidationError({"unit": ["Unknown unit."]})
        letter = service.issue_by_hand(unit=unit, measure_ids=data["measures"], document=data["document"],
                                       reply_days=data["reply_days"], by=request.user)
        return self._detail(letter, status.HTTP_201_CREATED)

    @extend_schema(summary="签收: the unit acknowledges the letter", request=None, responses=LetterSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        letter = service.acknowledge(letter=self.get_object(), by=request.user)
        return self._detail(letter)

    @extend_schema(summary="反馈: the unit's written reply, with evidence files",
                   request={"multipart/form-data": LetterAnswerSerializer, "application/json": LetterAnswerSerializer},
                   responses=LetterSerializer)
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def answer(self, request, pk=None):
        letter = self.get_object()
        data = LetterAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        files = request.FILES.getlist("files") if hasattr(request, "FILES") else []
        service.answer(letter=letter, by=request.user, reply=data.validated_data["reply"], files=files)
        return self._detail(letter)
