"""Routes of the notices API, registered on the one v1 router in config/api.py."""

from django.urls import path

from . import views
from .draft_views import NoticeDraftView
from .import_views import NoticeImportView
from .plan_views import PlanImportView

routes = [
    ("notices", views.NoticeViewSet, "api-notice"),
]
urlpatterns = [
    # Before the router's notices/<pk>/, so "import" is not read as a notice id.
    path("notices/import/", NoticeImportView.as_view(), name="api-notice-import"),
    path("notices/plans/", PlanImportView.as_view(), name="api-plan-import"),
    path("cases/<int:pk>/notice-draft/", NoticeDraftView.as_view(), name="api-case-notice-draft"),
]
