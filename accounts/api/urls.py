"""Routes of the accounts API, registered on the one v1 router in config/api.py."""

from django.urls import path

from . import views

routes = [
    ("organisations", views.OrganisationViewSet, "api-organisation"),
    ("units", views.UnitViewSet, "api-unit"),
]
urlpatterns = [
    path("me/", views.MeView.as_view(), name="api-me"),
]
