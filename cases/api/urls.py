"""Routes of the cases API, registered on the one v1 router in config/api.py."""

from cases.jobs.api import ImportJobViewSet
from cases.outcomes.api import OutcomeFigureViewSet
from cases.urging.api import LetterViewSet

from . import ledger, views

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
    ("import-jobs", ImportJobViewSet, "api-import-job"),
]
# Ledger export/import and the notice draft of a case (cases/api/ledger.py).
urlpatterns = [*ledger.urlpatterns]
