"""Shapes of notices in the API: the list leaves out the (long) raw text."""

from rest_framework import serializers

from notices.models import Notice


class NoticeListSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    case_title = serializers.CharField(source="case.title", read_only=True, default=None, allow_null=True)
    warning_count = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = ["id", "kind", "kind_display", "title", "issuer", "published_on", "signed_on", "source",
                  "case", "case_title", "parser_version", "warning_count", "imported_at"]

    def get_warning_count(self, obj) -> int:
        return len(obj.warnings or [])


class WarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    line = serializers.IntegerField(allow_null=True)
    message = serializers.CharField(help_text="In the language of the request, whatever the import's was.")


class NoticeDetailSerializer(NoticeListSerializer):
    warnings = WarningSerializer(source="warning_messages", many=True, read_only=True)

    class Meta(NoticeListSerializer.Meta):
        fields = [*NoticeListSerializer.Meta.fields, "content_hash", "warnings", "raw_text"]
