"""Units and organisations in the API, for pickers and filters. (`me`, which counts your items,
is the cases API's: cases/api/me.py, since accounts imports nothing of cases.)"""


from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.filters import OrderingFilter, SearchFilter

from accounts.filtering import FilterBackend
from accounts.models import Organisation, Unit

from .serializers import OrganisationSerializer, UnitSerializer


@extend_schema_view(list=extend_schema(summary="Responsible units (the whole tree; names are not confidential)"))
class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = UnitSerializer
    filter_backends = [FilterBackend, SearchFilter, OrderingFilter]
    filterset_fields = ["kind", "organisation", "parent", "is_active"]
    search_fields = ["name", "short_name"]
    ordering_fields = ["name", "path"]

    def get_queryset(self):
        return Unit.objects.restrict(self.request.user)


@extend_schema_view(list=extend_schema(summary="Organisations you read (yours and every one below them)"))
class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OrganisationSerializer
    filter_backends = [FilterBackend, SearchFilter, OrderingFilter]
    filterset_fields = ["kind", "parent", "is_active"]
    search_fields = ["name", "short_name"]
    ordering_fields = ["name", "path"]

    def get_queryset(self):
        return Organisation.objects.restrict(self.request.user).order_by("path")
