"""Viewsets of the cases API: a scoped queryset, a serializer, the shared FilterSet.

Every queryset starts from `restrict(request.user)`, so another unit's item is a 404
wherever it is asked for (detail, filter, search, include, count). Every write calls a
function of `cases.services`; errors they raise are turned into the API's error shape by
`config.api.exception_handler` (ValidationError → 400, PermissionDenied → 403,
StaleMeasure → 412 with If-Match, else 409).
"""

from __future__ import annotations

import io
import tempfile
from collections import defaultdict

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, QueryDict, StreamingHttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.filtering import FilterBackend
from cases import ledger, services
from cases.filters import (
    CaseFilterSet,
    IssueFilterSet,
    MeasureFilterSet,
    ProgressUpdateFilterSet,
    ReminderFilterSet,
)
from cases.models import Case, Issue, Measure, ProgressUpdate, Reminder
from cases.outcomes import services as outcome_services

from . import serializers as s
from .pagination import TotalOrdering
from .permissions import CanEditLedger, CanMoveDeadline

# --- Versions: ETag / If-Match / body `version` --------------------------------------


def etag(measure: Measure) -> str:
    return f'"{measure.version}"'


def _if_match_versions(header: str) -> list[int] | None:
    """The versions an If-Match header accepts; None for `*` (any)."""
    versions = []
    for tag in header.split(","):
        tag = tag.strip()
        if tag == "*":
            return None
        tag = tag.removeprefix("W/").strip('"')
        if tag.isdigit():
            versions.append(int(tag))
    return versions


def expected_version(request, measure: Measure, body_version: int | None) -> int | None:
    """The version the client says it read, checked now (HTTP evaluates preconditions first).

    The service checks it again atomically, which is what guards a race between two
    requests; checking here as well means a stale client hears "stale", not a rule error
    computed against a state it never saw.
    """
    header = request.headers.get("If-Match")
    if header:
        versions = _if_match_versions(header)
        if versions is None:
            return None
        if measure.version not in versions:
            raise services.StaleMeasure(measure, versions[0] if versions else 0)
        return measure.version
    if body_version is not None and body_version != measure.version:
        raise services.StaleMeasure(measure, body_version)
    return body_version


# --- Cases and issues ----------------------------------------------------------------


def _visible_measure_count(user, **outer):
    """A per-row count of the measures the user may see (a subquery, not a query per row)."""
    measures = Measure.objects.restrict(user).filter(**{k: OuterRef(v) for k, v in outer.items()})
    count = Subquery(
        measures.order_by().values(next(iter(outer))).annotate(n=Count("pk")).values("n")[:1],
        output_field=IntegerField(),
    )
    return Coalesce(count, 0)


@extend_schema_view(
    list=extend_schema(summary="Cases visible to you, with completion counts"),
    retrieve=extend_schema(summary="One case"),
)
class CaseViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.CaseSerializer
    filterset_class = CaseFilterSet
    filter_backends = [FilterBackend, TotalOrdering]
    ordering_fields = ["feedback_on", "title", "rectification_deadline", "created_at"]

    def get_queryset(self):
        user = self.request.user
        return Case.objects.restrict(user).with_progress(measures=Measure.objects.restrict(user))

    @extend_schema(
        summary="The case's issues as a tree",
        parameters=[OpenApiParameter("include", str, enum=["measures"], required=False,
                                     description="`measures`: add your visible measures to each node.")],
        responses=s.CaseTreeSerializer,
    )
    @action(detail=True, methods=["get"])
    def tree(self, request, pk=None):
        """Category → problem → sub-problem, built in Python from one query of the issues."""
        case = self.get_object()
        visible = Measure.objects.restrict(request.user).filter(case=case)
        counts = dict(visible.order_by().values_list("issue").annotate(n=Count("pk")))
        measures_by_issue = defaultdict(list)
        if request.query_params.get("include") == "measures":
            for m in visible.select_related("lead_unit").order_by("position", "pk"):
                measures_by_issue[m.issue_id].append(
                    {"id": m.pk, "label": m.label, "text": m.text, "state": m.state, "deadline": m.deadline,
                     "lead_unit": {"id": m.lead_unit_id, "name": m.lead_unit.name}}
                )
        issues = list(Issue.objects.filter(case=case).order_by("position", "pk"))
        nodes = {}
        for issue in issues:
            nodes[issue.pk] = {
                "id": issue.pk, "kind": issue.kind, "label": issue.label, "title": issue.title,
                "state": issue.state, "state_display": issue.get_state_display(),
                "measure_count": counts.get(issue.pk, 0), "children": [],
            }
            if measures_by_issue:
                nodes[issue.pk]["measures"] = measures_by_issue.get(issue.pk, [])
        roots = []
        for issue in issues:
            parent = nodes.get(issue.parent_id)
            (parent["children"] if parent else roots).append(nodes[issue.pk])
        # A node's count covers its subtree; deepest first so children are summed before parents.
        for issue in sorted(issues, key=lambda i: -i.path.count("/")):
            if issue.parent_id in nodes:
                nodes[issue.parent_id]["measure_count"] += nodes[issue.pk]["measure_count"]
        return Response({"case": {"id": case.pk, "title": case.title}, "issues": roots})


@extend_schema_view(list=extend_schema(summary="Issues, flat (filter with ?case=…)"), retrieve=extend_schema())
class IssueViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.IssueSerializer
    filterset_class = IssueFilterSet
    filter_backends = [FilterBackend, TotalOrdering]
    ordering_fields = ["position", "title", "state"]

    def get_queryset(self):
        user = self.request.user
        return Issue.objects.restrict(user).annotate(measure_count=_visible_measure_count(user, issue="pk"))


# --- Measures ------------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
STALE_RESPONSES = {
    409: OpenApiResponse(description="The body's `version` is no longer current: reload and retry."),
    412: OpenApiResponse(description="The If-Match header does not match the current version (ETag)."),
}


@extend_schema_view(
    list=extend_schema(summary="Measures (the ledger rows) visible to you"),
    retrieve=extend_schema(summary="One measure; its ETag is its version"),
    create=extend_schema(summary="Add a measure (supervisors)", request=s.MeasureWriteSerializer,
                         responses={201: s.MeasureDetailSerializer}),
    partial_update=extend_schema(summary="Edit ledger columns (supervisors)", request=s.MeasureWriteSerializer,
                                 responses={200: s.MeasureDetailSerializer, **STALE_RESPONSES}),
)
class MeasureViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    filterset_class = MeasureFilterSet
    # The FilterSet has its own `ordering` (with friendly names), so DRF's OrderingFilter is not used.
    filter_backends = [FilterBackend]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        measures = Measure.objects.restrict(self.request.user)
        # The list loads only the columns its rows show; detail, writes and exports whole rows.
        return measures.for_list() if self.action == "list" else measures.with_related()

    def get_serializer_class(self):
        if self.action == "list":
            return s.MeasureListSerializer
        if self.action in ("create", "partial_update"):
            return s.MeasureWriteSerializer
        return s.MeasureDetailSerializer

    def get_permissions(self):
        extra = {"create": [CanEditLedger], "partial_update": [CanEditLedger], "deadline": [CanMoveDeadline]}
        return [*super().get_permissions(), *(p() for p in extra.get(self.action, []))]

    def _detail(self, measure: Measure, status_code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=measure.pk)
        data = s.MeasureDetailSerializer(fresh, context=self.get_serializer_context()).data
        return Response(data, status=status_code, headers={"ETag": etag(fresh)})

    def retrieve(self, request, *args, **kwargs):
        measure = self.get_object()
        return Response(self.get_serializer(measure).data, headers={"ETag": etag(measure)})

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        measure = services.create_measure(by=request.user, **data)
        return self._detail(measure, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            return self.http_method_not_allowed(request, *args, **kwargs)
        measure = self.get_object()
        serializer = self.get_serializer(measure, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        version = expected_version(request, measure, fields.pop("version", None))
        services.update_measure(measure=measure, by=request.user, expected_version=version, **fields)
        return self._detail(measure)

    @extend_schema(summary="Change the state (same rules as the admin)", request=s.TransitionSerializer,
                   responses={200: s.MeasureDetailSerializer, **STALE_RESPONSES})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        measure = self.get_object()
        data = self._input(s.TransitionSerializer)
        services.transition_measure(
            measure=measure, to_state=data["to_state"], note=data["note"], by=request.user,
            expected_version=expected_version(request, measure, data.get("version")),
        )
        return self._detail(measure)

    @extend_schema(
        summary="Log progress: a note, evidence files and optionally a new state",
        request={"multipart/form-data": s.ProgressInputSerializer, "application/json": s.ProgressInputSerializer},
        responses={201: s.ProgressCreatedSerializer, **STALE_RESPONSES},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def progress(self, request, pk=None):
        measure = self.get_object()
        data = self._input(s.ProgressInputSerializer)
        entry = outcome_services.log_progress_with_figures(
            measure=measure, by=request.user, note=data["note"], to_state=data["to_state"], files=data["files"],
            figures=data["outcomes"], expected_version=expected_version(request, measure, data.get("version")),
        )
        body = s.ProgressCreatedSerializer(entry, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"ETag": etag(measure)})

    @extend_schema(summary="Move the deadline, with a reason (supervisors)", request=s.DeadlineInputSerializer,
                   responses={200: s.MeasureDetailSerializer, **STALE_RESPONSES})
    @action(detail=True, methods=["post"])
    def deadline(self, request, pk=None):
        measure = self.get_object()
        data = self._input(s.DeadlineInputSerializer)
        services.change_deadline(
            measure=measure, new_deadline=data["deadline"], reason=data["reason"], by=request.user,
            expected_version=expected_version(request, measure, data.get("version")),
        )
        return self._detail(measure)

    @extend_schema(summary="The sign-off sheet (销号审批单) of the item as .docx",
                   responses={(200, DOCX): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="signoff-sheet", url_name="signoff-sheet")
    def signoff_sheet(self, request, pk=None):
        from cases.signoff import sheet

        measure = self.get_object()
        return FileResponse(io.BytesIO(sheet.sheet_docx(measure)), as_attachment=True,
                            filename=sheet.sheet_filename(measure), content_type=DOCX)

    @extend_schema(
        summary="Record a paper sign-off sheet (纸质销号单) with its scan: completes the item (administrators)",
        description="The one way to complete an item of a case with a sign-off chain outside its chain. Needs the "
                    "permission `cases.record_paper_signoff`; the scan is stored with the log entry and listed "
                    "under `signoff.decisions` and on the sign-off sheet.",
        request={"multipart/form-data": s.PaperSignoffInputSerializer},
        responses={200: s.MeasureDetailSerializer, **STALE_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="paper-signoff", url_name="paper-signoff",
            parser_classes=[MultiPartParser, FormParser])
    def paper_signoff(self, request, pk=None):
        measure = self.get_object()
        data = self._input(s.PaperSignoffInputSerializer)
        services.record_paper_signoff(
            measure=measure, by=request.user, scan=data["scan"], note=data["note"],
            expected_version=expected_version(request, measure, data.get("version")),
        )
        return self._detail(measure)

    @extend_schema(summary="Ask for a later deadline (申请延期), with a reason",
                   request=s.ExtensionInputSerializer, responses={201: s.ExtensionRequestSerializer, **STALE_RESPONSES})
    @action(detail=True, methods=["post"])
    def extension(self, request, pk=None):
        from cases.signoff import services as signoff_services

        measure = self.get_object()
        data = self._input(s.ExtensionInputSerializer)
        created = signoff_services.request_extension(
            measure=measure, by=request.user, proposed_deadline=data["proposed_deadline"], reason=data["reason"],
            expected_version=expected_version(request, measure, data.get("version")),
        )
        return Response(s.ExtensionRequestSerializer(created).data, status=status.HTTP_201_CREATED)

    def _input(self, serializer_class) -> dict:
        serializer = serializer_class(data=request_data(self.request), context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(summary="Export the filtered list as CSV (the ledger columns)",
                   responses={(200, "text/csv"): OpenApiTypes.STR})
    @action(detail=False, methods=["get"], url_path="export.csv", url_name="export-csv")
    def export_csv(self, request):
        measures = self.filter_queryset(self.get_queryset())
        queued = self._export_in_background(measures, "csv")
        if queued is not None:
            return queued
        response = StreamingHttpResponse(ledger.ledger_csv_lines(measures), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(
            True, ledger.ledger_filename(None).removesuffix(".xlsx") + ".csv"
        )
        return response

    @extend_schema(summary="Export the filtered list as an Excel ledger (.xlsx)",
                   responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"], url_path="export.xlsx", url_name="export-xlsx")
    def export_xlsx(self, request):
        measures = self.filter_queryset(self.get_queryset())
        queued = self._export_in_background(measures, "xlsx")
        if queued is not None:
            return queued
        # A zip (xlsx) cannot be written front to back, so it is spooled to a temporary file
        # that stays in memory while small; rows are still read from the database in chunks.
        stream = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
        ledger.write_ledger_xlsx(measures, stream)
        stream.seek(0)
        return FileResponse(stream, as_attachment=True, filename=ledger.ledger_filename(None), content_type=XLSX)


    def _export_in_background(self, measures, fmt: str) -> Response | None:
        """Past the export thresholds: 202 with the job, whose status (and then download link) is at
        `status` — `GET /api/v1/export-jobs/{id}/`."""
        from cases.jobs import exports

        rows = measures.order_by().count()
        if not exports.should_export_in_background(rows, fmt):
            return None
        name = ledger.ledger_filename(None)
        job = exports.start_export(user=self.request.user, fmt=fmt, rows=rows, query=self.request.GET.urlencode(),
                                   file_name=name if fmt == "xlsx" else name.removesuffix(".xlsx") + ".csv")
        status_url = self.request.build_absolute_uri(reverse("api-export-job-detail", args=[job.pk]))
        return Response({"job": job.pk, "status": status_url, "rows": rows}, status=status.HTTP_202_ACCEPTED)


def request_data(request):
    """Form data with its files, or the JSON body, as one mapping a serializer can read."""
    if not request.FILES:
        return request.data
    # Copied list by list: QueryDict.copy() would deep-copy the uploaded files.
    data = QueryDict(mutable=True)
    for key, values in request.data.lists():
        if key not in ("files", "files[]"):
            data.setlist(key, values)
    data.setlist("files", request.FILES.getlist("files") + request.FILES.getlist("files[]"))
    return data


# --- Progress and reminders ----------------------------------------------------------


@extend_schema_view(list=extend_schema(summary="Progress log entries of the measures you can see"))
class ProgressUpdateViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ProgressUpdateSerializer
    filterset_class = ProgressUpdateFilterSet
    filter_backends = [FilterBackend, TotalOrdering]
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return (
            ProgressUpdate.objects.restrict(self.request.user)
            .select_related("author")
            .prefetch_related("evidence")
        )


@extend_schema_view(list=extend_schema(summary="Reminders sent to you or your units (all, for supervisors)"))
class ReminderViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ReminderSerializer
    filterset_class = ReminderFilterSet
    filter_backends = [FilterBackend, TotalOrdering]
    ordering_fields = ["period", "created_at", "sent_at"]

    def get_queryset(self):
        user = self.request.user
        visible = Prefetch("measures", queryset=Measure.objects.restrict(user).only("pk"),
                           to_attr="visible_measures")
        return Reminder.objects.restrict(user).select_related("recipient", "unit").prefetch_related(visible)


@extend_schema_view(
    list=extend_schema(summary="Deadline extension requests (申请延期) of the items visible to you"),
    retrieve=extend_schema(summary="One extension request"),
)
class ExtensionRequestViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ExtensionRequestSerializer

    def get_queryset(self):
        from cases.signoff.models import ExtensionRequest

        queryset = ExtensionRequest.objects.restrict(self.request.user).select_related("requested_by", "decided_by")
        status_filter = self.request.query_params.get("status")
        return queryset.filter(status=status_filter) if status_filter else queryset

    @extend_schema(summary="Approve (the deadline moves) or refuse (with a reason) a pending request",
                   request=s.ExtensionDecisionSerializer, responses={200: s.ExtensionRequestSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        from cases.signoff import services as signoff_services

        extension = self.get_object()
        serializer = s.ExtensionDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decided = signoff_services.decide_extension(request=extension, by=request.user,
                                                    approve=serializer.validated_data["approve"],
                                                    note=serializer.validated_data["note"])
        return Response(s.ExtensionRequestSerializer(decided).data)
