"""`POST /api/v1/notices/import/`: import a notice from its text or a file, or preview it (`dry_run`).

The endpoint is one more thin door to `notices.importer`: it parses, asks for the preview
or the import, and shapes the answer. Only administrators (`notices.add_notice`) may use it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Organisation, Unit
from cases.jobs.api import accepted
from cases.jobs.services import read_in_background, should_queue
from cases.models import Case
from notices.importer import NoticeImportError, import_notice, preview_notice
from notices.jobs import queue_notice
from notices.parser import ParseError, parse_file, parse_text

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class CanImportNotices(BasePermission):
    message = gettext_lazy("Only administrators may import notices.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.has_perm("notices.add_notice"))


class NoticeNotReadable(exceptions.APIException):
    """The input is not a notice the parser can read; the code says why (empty, not_a_notice, …)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "unreadable"
    default_detail = gettext_lazy("The notice cannot be read.")


class ImportRequestSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False,
                                 help_text=gettext_lazy("The whole text of the notice."))
    file = serializers.FileField(required=False, help_text=gettext_lazy("…or a .txt, .docx or .html file."))
    dry_run = serializers.BooleanField(required=False, default=False,
                                       help_text=gettext_lazy("Preview only: parse and say what would happen."))
    create_missing = serializers.BooleanField(
        required=False, default=False,
        help_text=gettext_lazy("Create the units and leaders the notice names that the organisation lacks "
                               "(without it, such names stop the import and are listed with suggestions)."))
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(is_active=True), required=False, allow_null=True,
        help_text=gettext_lazy("Responsible unit of the new measures (default: a unit named after the issuer)."),
    )
    unit_name = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                      help_text=gettext_lazy("…or its name (created if missing)."))
    default_deadline = serializers.DateField(required=False, allow_null=True,
                                             help_text=gettext_lazy("Deadline of measures that state none."))
    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.all(), required=False, allow_null=True,
                                              help_text=gettext_lazy("Update this case instead of matching one."))
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True,
        help_text=gettext_lazy("The organisation that rectifies (default: the highest one you supervise)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Only what the importer may reach: another organisation's case, unit or name is "no such".
            self.fields["case"].queryset = Case.objects.restrict(request.user, "change")
            self.fields["unit"].queryset = Unit.objects.restrict(request.user).filter(is_active=True)
            self.fields["organisation"].queryset = Organisation.objects.supervised_by(request.user)
    outcomes = serializers.ListField(
        child=serializers.RegexField(r"^\d{1,5}-\d{1,3}$"), required=False, default=list, max_length=2000,
        help_text=gettext_lazy("Keys of the preview's outcome_proposals to record (the others are dropped)."))
    content_hash = serializers.CharField(required=False, allow_blank=True, max_length=64,
                                         help_text=gettext_lazy("The hash of a preview: refuse any other text."))

    def validate(self, data):
        text, upload = (data.get("text") or "").strip(), data.get("file")
        if bool(text) == bool(upload):
            raise serializers.ValidationError(_("Send either the text of the notice or a file, not both or neither."),
                                              code="text_or_file")
        if upload is not None and upload.size > MAX_UPLOAD_BYTES:
            raise serializers.ValidationError({"file": _("The file is larger than 10 MB.")}, code="too_large")
        return data


class NoticeImportView(APIView):
    permission_classes = [IsAuthenticated, CanImportNotices]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="Import a notice (or preview the import with dry_run)",
        request={"application/json": ImportRequestSerializer, "multipart/form-data": ImportRequestSerializer},
        responses={
            200: OpenApiResponse(description="dry_run: the preview; or the text was imported before (duplicate)"),
            201: OpenApiResponse(description="imported: the notice, its case and what changed"),
            400: OpenApiResponse(description="not readable as a notice, or bad input"),
        },
    )
    def post(self, request):
        serializer = ImportRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = data.get("file")
        content = upload.read() if upload is not None else data["text"].encode("utf-8")
        options = {"unit": data.get("unit"), "unit_name": data.get("unit_name") or None, "case": data.get("case"),
                   "organisation": data.get("organisation") or Organisation.objects.default_for(request.user),
                   "default_deadline": data.get("default_deadline"),
                   "create_missing": data.get("create_missing", False)}

        def queue(size: int = 0, preview: bool = False) -> Response:
            return accepted(request, queue_notice(
                user=request.user, data=content, file_name=upload.name if upload is not None else "",
                is_text=upload is None, content_hash=data.get("content_hash") or None,
                outcomes=data.get("outcomes") or (), size=size, preview=preview, **options))

        if read_in_background(len(content)):  # (the serializer refused a file past MAX_UPLOAD_BYTES)
            return queue(preview=data["dry_run"])  # too big to read here: even the preview is a job
        try:
            parsed = parse_file(content, upload.name) if upload is not None else parse_text(data["text"])
        except ParseError as exc:
            raise NoticeNotReadable(detail=exc.message, code=exc.code) from exc
        try:
            if data["dry_run"]:
                plan = preview_notice(parsed, **options)
                return Response({"dry_run": True, "preview": plan.as_dict(), "parsed": parsed.to_dict()})
            if should_queue(rows=len(parsed.measures()), size=len(content)):
                return queue(size=len(parsed.measures()))
            result = import_notice(
                parsed, by=request.user, source=upload.name if upload is not None else "",
                raw_text=data.get("text") if upload is None else None,
                expected_hash=data.get("content_hash") or None, outcomes=data.get("outcomes") or (), **options,
            )
        except NoticeImportError as exc:
            raise exceptions.ValidationError(str(exc), code="not_importable") from exc
        return Response({"dry_run": False, **result.as_dict()},
                        status=status.HTTP_200_OK if result.duplicate else status.HTTP_201_CREATED)
