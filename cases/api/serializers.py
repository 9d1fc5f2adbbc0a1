"""Serializers of the cases API: shapes only, no rules.

Lists use flat, pre-loaded shapes (see the viewsets' querysets); detail adds what one
object can afford to compute; writes have their own serializers that only parse input for
`cases.services`.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Unit, User
from cases import services
from cases.models import Case, Evidence, Issue, Measure, ProgressUpdate, Reminder
from cases.outcomes.serializers import OutcomeFigureSerializer, OutcomesField
from cases.states import Action, State

# --- Small nested shapes -------------------------------------------------------------


class UnitRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name"]


class UserRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "name"]


class CaseRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Case
        fields = ["id", "title"]


class IssueRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Issue
        fields = ["id", "label", "title"]


# --- Cases and issues ----------------------------------------------------------------


class CaseSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    problem_total = serializers.IntegerField(read_only=True, default=0)
    problem_completed = serializers.IntegerField(read_only=True, default=0)
    measure_total = serializers.IntegerField(read_only=True, default=0,
                                             help_text="Measures of this case the caller may see.")
    measure_completed = serializers.IntegerField(read_only=True, default=0)
    completion_rate = serializers.FloatField(read_only=True, allow_null=True,
                                             help_text="Share of problem-level issues completed, 0–100.")

    class Meta:
        model = Case
        fields = [
            "id", "title", "inspected_body", "inspection_team", "kind", "kind_display", "inspection_start",
            "inspection_end", "feedback_on", "rectification_deadline", "signoff_chain", "description",
            "problem_total", "problem_completed", "completion_rate", "measure_total", "measure_completed",
            "created_at", "updated_at",
        ]


class IssueSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    depth = serializers.IntegerField(read_only=True)
    measure_count = serializers.IntegerField(read_only=True, default=0,
                                             help_text="Measures under this issue the caller may see.")

    class Meta:
        model = Issue
        fields = ["id", "case", "parent", "kind", "kind_display", "label", "title", "text", "position", "depth",
                  "state", "state_display", "measure_count"]


class TreeMeasureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    text = serializers.CharField()
    state = serializers.CharField()
    deadline = serializers.DateField(allow_null=True)
    lead_unit = UnitRefSerializer()


class IssueNodeSerializer(serializers.Serializer):
    """One node of `GET /cases/{id}/tree/`; `children` nests the same shape."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    label = serializers.CharField()
    title = serializers.CharField()
    state = serializers.CharField()
    state_display = serializers.CharField()
    measure_count = serializers.IntegerField()
    measures = TreeMeasureSerializer(many=True, required=False,
                                     help_text="Only with ?include=measures: the caller's visible measures.")
    children = serializers.ListField(child=serializers.DictField(), help_text="Nodes of the same shape.")


class CaseTreeSerializer(serializers.Serializer):
    case = CaseRefSerializer()
    issues = IssueNodeSerializer(many=True)


# --- Measures ------------------------------------------------------------------------


class MeasureRowsSerializer(serializers.ListSerializer):
    """A page of `MeasureListSerializer` rows, built as plain dicts.

    The output is the child's, field by field (same keys, order and values), written out
    once here instead of going through DRF's per-field machinery for every row: the labels
    of kinds and states are translated once per page, today is read once, and the
    datetimes go through one DRF DateTimeField. The rows must come from
    `Measure.objects.for_list()` or `with_related()` (nothing here queries). The child
    serializer still describes the shape, so the OpenAPI schema is unchanged.
    """

    def to_representation(self, data):
        if type(self.child) is not MeasureListSerializer:  # e.g. MeasureDetailSerializer(many=True)
            return super().to_representation(data)
        rows = data.all() if isinstance(data, models.manager.BaseManager) else data
        today = self.child._today()
        kinds = {str(k): str(v) for k, v in Measure._meta.get_field("kind").flatchoices}
        states = {str(k): str(v) for k, v in Measure._meta.get_field("state").flatchoices}
        stamp = serializers.DateTimeField()
        stamp.timezone = stamp.default_timezone()  # read once for the page, not per value

        def date(value):
            return value.isoformat() if value else None

        def moment(value):
            return None if value is None else stamp.to_representation(value)

        out = []
        for m in rows:
            case, issue, unit = m.case, m.issue, m.lead_unit
            leader = m.lead_leader if m.lead_leader_id is not None else None
            days = m.days_overdue(today)
            out.append({
                "id": m.pk,
                "version": m.version,
                "case": {"id": case.pk, "title": case.title},
                "issue": {"id": issue.pk, "label": issue.label, "title": issue.title},
                "label": m.label,
                "text": m.text,
                "kind": m.kind,
                "kind_display": kinds.get(m.kind, m.kind),
                "lead_leader": None if leader is None else {"id": leader.pk, "name": str(leader.get_full_name())},
                "responsible_person": m.responsible_person,
                "lead_unit": {"id": unit.pk, "name": unit.name},
                "supporting_units": [{"id": u.pk, "name": u.name} for u in m.supporting_units.all()],
                "deadline": date(m.deadline),
                "original_deadline": date(m.original_deadline),
                "state": m.state,
                "state_display": states.get(m.state, m.state),
                "is_overdue": days > 0,
                "days_overdue": days,
                "last_progress_at": moment(m.last_progress_at),
                "completed_at": moment(m.completed_at),
                "updated_at": moment(m.updated_at),
                "urging_level": urging_level_ref(m),
            })
        return out


def urging_level_ref(measure) -> dict | None:
    """The urging level an ongoing item is at ({id, name, rank, colour, document, since}), or None."""
    level = measure.urging_level if measure.urging_level_id is not None else None
    if level is None or measure.state == State.COMPLETED:
        return None
    return {"id": level.pk, "name": level.name, "rank": level.rank, "colour": level.colour,
            "document": level.document,
            "since": measure.urging_level_since.isoformat() if measure.urging_level_since else None}


class UrgingLevelRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    rank = serializers.IntegerField()
    colour = serializers.CharField()
    document = serializers.CharField()
    since = serializers.DateField(allow_null=True)


class MeasureListSerializer(serializers.ModelSerializer):
    """One ledger row. Everything it shows comes from `Measure.objects.with_related()`."""

    # (The docstring is the schema's description.) The list view loads rows with the narrower
    # `for_list()`; a page of rows is built by `MeasureRowsSerializer` (Meta.list_serializer_class).

    case = CaseRefSerializer(read_only=True)
    issue = IssueRefSerializer(read_only=True)
    lead_unit = UnitRefSerializer(read_only=True)
    supporting_units = UnitRefSerializer(many=True, read_only=True)
    lead_leader = UserRefSerializer(read_only=True, allow_null=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    is_overdue = serializers.SerializerMethodField()
    days_overdue = serializers.SerializerMethodField()
    urging_level = serializers.SerializerMethodField()

    class Meta:
        model = Measure
        fields = [
            "id", "version", "case", "issue", "label", "text", "kind", "kind_display", "lead_leader",
            "responsible_person", "lead_unit", "supporting_units", "deadline", "original_deadline", "state",
            "state_display", "is_overdue", "days_overdue", "last_progress_at", "completed_at", "updated_at",
            "urging_level",
        ]
        list_serializer_class = MeasureRowsSerializer

    def _today(self):
        # One date for the whole page, so every row is judged against the same day.
        if "today" not in self.context:
            self.context["today"] = timezone.localdate()
        return self.context["today"]

    def get_is_overdue(self, obj) -> bool:
        return obj.is_overdue(self._today())

    def get_days_overdue(self, obj) -> int:
        return obj.days_overdue(self._today())

    @extend_schema_field(UrgingLevelRefSerializer(allow_null=True))
    def get_urging_level(self, obj) -> dict | None:
        return urging_level_ref(obj)


class AvailableActionSerializer(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()
    to_state = serializers.CharField()
    needs_reason = serializers.BooleanField()


class EvidenceSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ["id", "name", "size", "content_type", "sha256", "uploaded_at", "url"]

    def get_url(self, obj) -> str:
        # Served by cases.downloads, which checks the measure's visibility again.
        path = reverse("evidence-download", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ProgressUpdateSerializer(serializers.ModelSerializer):
    author = UserRefSerializer(read_only=True, allow_null=True)
    action_display = serializers.CharField(source="get_action_display", read_only=True)
    from_state_display = serializers.CharField(source="get_from_state_display", read_only=True)
    to_state_display = serializers.CharField(source="get_to_state_display", read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    system_notes = serializers.ListField(
        child=serializers.CharField(), read_only=True,
        help_text="What the system added to the entry (a step signed, a deadline moved, an import capped by the "
                  "sign-off chain…), in the language of the request; `note` is only what a person or a document "
                  "wrote.")

    class Meta:
        model = ProgressUpdate
        fields = ["id", "measure", "author", "created_at", "action", "action_display", "note", "system_notes",
                  "from_state", "from_state_display", "to_state", "to_state_display", "evidence"]


class SignoffStepStatusSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    title = serializers.CharField()
    signer = serializers.CharField(help_text="Who signs this step, in words.")
    status = serializers.ChoiceField(choices=["signed", "waiting", "pending", "skipped"])
    signed_by = serializers.CharField(allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)
    comment = serializers.CharField(allow_blank=True)
    evidence = serializers.ListField(child=serializers.CharField(), help_text="File names stored with the signature.")


class SignoffDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "send_back", "reopen", "paper"])
    decision_display = serializers.CharField()
    by = serializers.CharField()
    at = serializers.DateTimeField()
    step = serializers.IntegerField(allow_null=True)
    step_title = serializers.CharField(allow_blank=True)
    comment = serializers.CharField(allow_blank=True)
    evidence = serializers.ListField(child=serializers.CharField(), help_text="File names stored with the decision.")


class SignoffRoundSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    decisions = SignoffDecisionSerializer(many=True)


class SignoffStatusSerializer(serializers.Serializer):
    chain = serializers.CharField(allow_null=True, help_text="The chain's name; null: one signature by the 整改办.")
    evidence_required = serializers.BooleanField()
    round = serializers.IntegerField()
    current_step = serializers.IntegerField(help_text="Position of the step the item waits at; 0 when not waiting.")
    requested_by = serializers.CharField(allow_null=True)
    requested_on = serializers.DateField(allow_null=True)
    days_awaiting = serializers.IntegerField(help_text="Days since sign-off was requested, while it waits.")
    steps = SignoffStepStatusSerializer(many=True)
    decisions = SignoffDecisionSerializer(
        many=True, help_text="The live round's decisions other than the step signatures (a paper sign-off).")
    past_rounds = SignoffRoundSerializer(
        many=True, help_text="Rounds that ended (sent back, or completed and reopened as relapsed), newest first: "
                             "history, not the current chain.")
    sheet_url = serializers.CharField(help_text="The sign-off sheet (销号审批单) as .docx.")


class MeasureDetailSerializer(MeasureListSerializer):
    signoff = serializers.SerializerMethodField()
    available_actions = serializers.SerializerMethodField()
    recent_progress = serializers.SerializerMethodField()

    class Meta(MeasureListSerializer.Meta):
        fields = [*MeasureListSerializer.Meta.fields, "signoff", "available_actions", "recent_progress"]
        list_serializer_class = serializers.ListSerializer

    @extend_schema_field(SignoffStatusSerializer)
    def get_signoff(self, obj):
        from cases.signoff import eligibility, selectors

        chain = eligibility.chain_of(obj.case)
        signoffs = selectors.round_signoffs(obj)
        steps = selectors.chain_status(obj, signoffs)

        def decision(d):
            return {"decision": d.decision, "decision_display": d.get_decision_display(), "by": str(d.by),
                    "at": d.created_at, "step": d.step, "step_title": d.step_label, "comment": d.comment,
                    "evidence": [e.original_name for e in d.progress.evidence.all()] if d.progress else []}

        return {
            "chain": chain.name if chain else None,
            "evidence_required": eligibility.evidence_required(obj.case),
            "round": obj.signoff_round,
            "current_step": obj.signoff_step,
            "requested_by": str(obj.signoff_requested_by) if obj.signoff_requested_by_id else None,
            "requested_on": obj.signoff_requested_on,
            "days_awaiting": obj.days_awaiting_signoff(),
            "steps": [{
                "position": st.position, "title": st.title, "signer": st.signer, "status": st.status,
                "signed_by": str(st.signoff.by) if st.signoff else None,
                "signed_at": st.signoff.created_at if st.signoff else None,
                "comment": st.signoff.comment if st.signoff else "",
                "evidence": [e.original_name for e in st.evidence],
            } for st in steps],
            "decisions": [decision(d) for d in signoffs if d.decision != "approve"],
            "past_rounds": [{"round": r.number, "decisions": [decision(d) for d in r.decisions]}
                            for r in selectors.past_rounds(obj)],
            "sheet_url": reverse("api-measure-signoff-sheet", args=[obj.pk]),
        }

    @extend_schema_field(AvailableActionSerializer(many=True))
    def get_available_actions(self, obj):
        """What the caller may do now, so a client shows only the buttons that will work."""
        user = self.context["request"].user
        return [
            {"action": rule.action, "label": str(Action(rule.action).label), "to_state": rule.target,
             "needs_reason": rule.needs_reason}
            for rule in services.available_actions(user, obj)
        ]

    @extend_schema_field(ProgressUpdateSerializer(many=True))
    def get_recent_progress(self, obj):
        recent = obj.progress_updates.select_related("author").prefetch_related("evidence")[:10]
        return ProgressUpdateSerializer(recent, many=True, context=self.context).data


class VersionedInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=1,
        help_text="The version you read. If it is no longer current the request is refused with 409 "
                  "(or 412 when sent as an If-Match header).",
    )


class MeasureWriteSerializer(VersionedInputSerializer, serializers.ModelSerializer):
    """The ledger columns a supervisor may edit; state and deadline have their own endpoints."""

    issue = serializers.PrimaryKeyRelatedField(queryset=Issue.objects.none())
    lead_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.none())
    lead_leader = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), allow_null=True, required=False)
    supporting_units = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.none(), many=True, required=False)
    deadline = serializers.DateField(required=False, allow_null=True,
                                     help_text="On create only; move it later with POST /measures/{id}/deadline/.")

    # Fields that exist on a measure but are changed elsewhere: say where instead of ignoring them.
    ELSEWHERE = {
        "state": _("The state changes through POST /api/v1/measures/{id}/transition/."),
        "deadline": _("The deadline moves through POST /api/v1/measures/{id}/deadline/ with a reason."),
    }

    class Meta:
        model = Measure
        fields = ["version", "issue", "label", "text", "kind", "lead_leader", "responsible_person", "lead_unit",
                  "supporting_units", "deadline", "position"]
        extra_kwargs = {"position": {"required": False}, "label": {"required": False}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Only rows the caller can see may be named, so an id cannot probe other organisations:
            # a hidden issue, unit or person is refused exactly like one that does not exist.
            user = request.user
            self.fields["issue"].queryset = Issue.objects.restrict(user)
            units = Unit.objects.restrict(user).filter(is_active=True)
            self.fields["lead_unit"].queryset = units
            self.fields["supporting_units"].child_relation.queryset = units
            self.fields["lead_leader"].queryset = User.objects.restrict(user).filter(is_active=True)

    def validate(self, attrs):
        errors = {}
        for name, message in self.ELSEWHERE.items():
            if name in self.initial_data and (self.instance is not None or name == "state"):
                errors[name] = [message]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class TransitionSerializer(VersionedInputSerializer):
    to_state = serializers.ChoiceField(choices=State.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000,
                                 help_text="Required to request sign-off, send back or reopen.")


class ExtensionInputSerializer(VersionedInputSerializer):
    proposed_deadline = serializers.DateField()
    reason = serializers.CharField(max_length=5000)


class PaperSignoffInputSerializer(VersionedInputSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000,
                                 help_text="Which sheet this is: its number, who signed it and when (required).")
    scan = serializers.FileField(required=False, allow_null=True, default=None, allow_empty_file=True,
                                 help_text="The scan of the signed sheet (required; multipart field `scan`; the "
                                           "same checks as evidence files).")


class ExtensionDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000,
                                 help_text="Required to refuse.")


class ExtensionRequestSerializer(serializers.ModelSerializer):
    requested_by = UserRefSerializer(read_only=True)
    decided_by = UserRefSerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        from cases.signoff.models import ExtensionRequest

        model = ExtensionRequest
        fields = ["id", "measure", "requested_by", "requested_at", "current_deadline", "proposed_deadline",
                  "reason", "status", "status_display", "decided_by", "decided_at", "decision_note"]


class ProgressInputSerializer(VersionedInputSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
    to_state = serializers.ChoiceField(choices=State.choices, required=False, allow_null=True, default=None,
                                       help_text="A new state, if the item has moved (same rules as transition).")
    files = serializers.ListField(child=serializers.FileField(allow_empty_file=True), required=False, default=list,
                                  help_text="Evidence files (佐证材料), multipart field `files`, repeated.")
    outcomes = OutcomesField(required=False, default=list,
                             help_text="Outcome figures on the same entry (cases.outcomes): a JSON list; in "
                                       "multipart, a JSON string.")


class DeadlineInputSerializer(VersionedInputSerializer):
    deadline = serializers.DateField(allow_null=True, help_text="null clears it (long-term measures only).")
    reason = serializers.CharField(max_length=5000)


class ProgressCreatedSerializer(ProgressUpdateSerializer):
    """A new progress entry, with the measure's state and version after it, and its outcome figures."""

    measure_state = serializers.CharField(source="measure.state", read_only=True)
    measure_version = serializers.IntegerField(source="measure.version", read_only=True)
    outcomes = OutcomeFigureSerializer(many=True, read_only=True)

    class Meta(ProgressUpdateSerializer.Meta):
        fields = [*ProgressUpdateSerializer.Meta.fields, "measure_state", "measure_version", "outcomes"]


# --- Reminders -----------------------------------------------------------------------


class ReminderSerializer(serializers.ModelSerializer):
    recipient = UserRefSerializer(read_only=True, allow_null=True)
    unit = UnitRefSerializer(read_only=True, allow_null=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    measures = serializers.SerializerMethodField(help_text="Ids of the listed items the caller may see.")

    class Meta:
        model = Reminder
        fields = ["id", "kind", "kind_display", "level", "level_display", "period", "recipient_email",
                  "recipient", "unit", "item_count", "subject", "status", "status_display", "attempts",
                  "created_at", "sent_at", "measures"]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_measures(self, obj):
        # Prefetched as `visible_measures` (scoped to the caller) by the viewset.
        return [m.pk for m in getattr(obj, "visible_measures", [])]

