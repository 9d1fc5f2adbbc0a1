"""`POST /api/v1/notices/plans/`: import a plan table (.docx/.xlsx/.csv), or preview it with `dry_run`.

A thin door to `notices.plans.importer`: all or nothing, a row-by-row report on refusal,
scoped to organisations the user supervises.
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Organisation, Unit
from cases.jobs.api import accepted
from cases.jobs.services import JobRefused, read_in_background, refuse_too_large, should_queue
from cases.models import Case
from notices.jobs import queue_plan
from notices.plans.importer import PlanRejected, import_plan, preview_plan


class CanImportPlans(BasePermission):
    """Supervisors (who may add measures) import plans into the organisations they supervise."""

    message = gettext_lazy("Only supervisors may import plans.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.has_perm("cases.add_measure"))


class PlanRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=gettext_lazy("A .docx, .xlsx or .csv plan table."))
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    case = serializers.PrimaryKeyRelatedField(queryset=Case.objects.all(), required=False, allow_null=True)
    title = serializers.CharField(required=False, allow_blank=True, max_length=300)
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False, allow_null=True,
                                              help_text=gettext_lazy("Unit of measures whose row names none."))
    default_deadline = serializers.DateField(required=False, allow_null=True)
    mapping = serializers.CharField(required=False, allow_blank=True,
                                    help_text=gettext_lazy('JSON: {"header text": "problem" | "measure" | …}'))
    create_missing = serializers.BooleanField(required=False, default=False)
    dry_run = serializers.BooleanField(required=False, default=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["organisation"].queryset = Organisation.objects.supervised_by(request.user)
            self.fields["case"].queryset = Case.objects.restrict(request.user, "change")
            self.fields["unit"].queryset = Unit.objects.restrict(request.user).filter(is_active=True)

    def validate_mapping(self, value):
        if not value:
            return {}
        try:
            mapping = json.loads(value)
        except ValueError:
            raise serializers.ValidationError(_("The mapping is not valid JSON.")) from None
        if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
            raise serializers.ValidationError(_("The mapping must map header texts to column names."))
        return mapping


class PlanImportView(APIView):
    permission_classes = [IsAuthenticated, CanImportPlans]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(summary="Import a plan table (or preview it with dry_run)",
                   request={"multipart/form-data": PlanRequestSerializer},
                   responses={200: OpenApiResponse(description="the preview"),
                              201: OpenApiResponse(description="imported"),
                              202: OpenApiResponse(description="large: checked (dry_run) or imported by a "
                                                               "background job; poll `status`"),
                              400: OpenApiResponse(description="refused, with the row-by-row report")})
    def post(self, request):
        serializer = PlanRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = data["file"]
        options = {"case": data.get("case"), "title": data.get("title") or "", "mapping": data.get("mapping") or {},
                   "default_unit": data.get("unit"), "default_deadline": data.get("default_deadline"),
                   "create_missing": data["create_missing"]}
        content = upload.read()
        try:
            refuse_too_large(len(content))
        except JobRefused as exc:
            raise serializers.ValidationError({"file": [exc.message]}) from exc
        if read_in_background(len(content)):
            # Too big to read in the request: the check (and the import) run as a job.
            return accepted(request, queue_plan(user=request.user, data=content, file_name=upload.name,
                                                organisation=data["organisation"], preview=data["dry_run"],
                                                **options))
        try:
            # Checked first (bounded by the input's size): the preview, or the size that decides
            # whether the import runs here or as a background job.
            preview = preview_plan(content, file_name=upload.name, user=request.user,
                                   organisation=data["organisation"], **options)
            if data["dry_run"]:
                return Response({"dry_run": True, "preview": preview.as_dict()})
            if not preview.ok:
                raise PlanRejected(preview)
            measures = preview.counts()["measures_created"]
            if should_queue(rows=measures, size=len(content)):
                return accepted(request, queue_plan(user=request.user, data=content, file_name=upload.name,
                                                    organisation=data["organisation"], size=measures, **options))
            result = import_plan(content, file_name=upload.name, user=request.user,
                                 organisation=data["organisation"], **options)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        except PlanRejected as exc:
            return Response({"detail": _("The plan was not imported; nothing was written."),
                             "code": "plan_rejected", "preview": exc.preview.as_dict()},
                            status=status.HTTP_400_BAD_REQUEST)
        return Response({"dry_run": False, **result}, status=status.HTTP_201_CREATED)
