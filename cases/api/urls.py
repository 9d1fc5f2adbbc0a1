"""Routes of the cases API, registered on the one v1 router in config/api.py."""

from django.urls import path

from cases.jobs.api import ExportJobViewSet, ImportJobViewSet
from cases.lookback.api import LookbackViewSet
from cases.outcomes.api import OutcomeFigureViewSet
from cases.urging.api import LetterViewSet

from . import ledger, views
from .me import MeView

# (prefix, viewset, basename): basenames carry an "api-" prefix so URL names never clash
# with the pages (e.g. reverse("api-measure-detail", args=[pk])).
routes = [
    ("cases", views.CaseViewSet, "api-case"),
    ("issues", views.IssueViewSet, "api-issue"),
    ("measures", views.MeasureViewSet, "api-measure"),
    ("progress", views.ProgressUpdateViewSet, "api-progress"),
    ("reminders", views.ReminderViewSet, "api-reminder"),
    ("extension-requests", views.ExtensionRequestViewSet, "api-extension-request"),
    ("outcomes", OutcomeFigureViewSet, "api-outcome"),
    ("letters", LetterViewSet, "api-letter"),
    ("lookbacks", LookbackViewSet, "api-lookback"),
    ("import-jobs", ImportJobViewSet, "api-import-job"),
    ("export-jobs", ExportJobViewSet, "api-export-job"),
]
# Ledger export/import and the notice draft of a case (cases/api/ledger.py).
urlpatterns = [path("me/", MeView.as_view(), name="api-me"), *ledger.urlpatterns]
