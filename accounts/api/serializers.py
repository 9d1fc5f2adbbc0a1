"""Shapes of people and units in the API."""

from rest_framework import serializers

from accounts.models import Membership, Organisation, OrganisationMembership, Unit


class UnitSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    depth = serializers.IntegerField(read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "name", "short_name", "organisation", "parent", "kind", "kind_display", "depth", "is_active"]


class OrganisationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    depth = serializers.IntegerField(read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "name", "short_name", "kind", "kind_display", "parent", "depth", "is_active"]


class OrganisationMembershipSerializer(serializers.ModelSerializer):
    organisation = serializers.SerializerMethodField()
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = OrganisationMembership
        fields = ["organisation", "role", "role_display"]

    def get_organisation(self, obj) -> dict:
        return {"id": obj.organisation_id, "name": obj.organisation.name}


class MembershipSerializer(serializers.ModelSerializer):
    unit = serializers.SerializerMethodField()
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Membership
        fields = ["unit", "role", "role_display"]

    def get_unit(self, obj) -> dict:
        return {"id": obj.unit_id, "name": obj.unit.name}


class PermissionsSummarySerializer(serializers.Serializer):
    view_all_units = serializers.BooleanField()
    log_progress = serializers.BooleanField()
    sign_off = serializers.BooleanField()
    reopen = serializers.BooleanField()
    move_deadlines = serializers.BooleanField()
    edit_ledger = serializers.BooleanField()
    view_reminders = serializers.BooleanField()
    administer = serializers.BooleanField()


class ItemSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField()
    ongoing = serializers.IntegerField()
    overdue = serializers.IntegerField()
    due_soon = serializers.IntegerField(help_text="Ongoing and due within REMINDER_DUE_SOON_DAYS days.")
    submitted = serializers.IntegerField()
    completed = serializers.IntegerField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    title = serializers.CharField()
    email = serializers.EmailField()
    phone = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField(), help_text="Group names: staff, supervisor, admin.")
    memberships = MembershipSerializer(many=True, help_text="Units you work for (unit scope).")
    organisations = OrganisationMembershipSerializer(
        many=True, help_text="Organisations you hold a role in (organisation scope: each with everything below it)."
    )
    organisation_ids = serializers.ListField(
        child=serializers.IntegerField(), allow_null=True,
        help_text="Every organisation you read (your organisations and all below them); null when you read the "
        "whole deployment.",
    )
    unit_ids = serializers.ListField(child=serializers.IntegerField(),
                                     help_text="Your units with all their sub-units: the scope of your items.")
    permissions = PermissionsSummarySerializer()
    items = ItemSummarySerializer(help_text="Counts over the measures you can see.")
