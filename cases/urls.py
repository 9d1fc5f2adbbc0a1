from django.urls import path

from . import views
from .lookback import urls as lookback_urls
from .reports import urls as report_urls
from .signoff import views as signoff_views
from .urging import views as urging_views

app_name = "cases"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("my/", views.my_items, name="my-items"),
    path("items/", views.items, name="items"),
    path("items/<int:pk>/", views.measure_detail, name="measure-detail"),
    path("signoff/", views.signoff_queue, name="signoff-queue"),
    path("signoff/<int:pk>/", views.signoff_decide, name="signoff-decide"),
    path("items/<int:pk>/signoff-sheet.docx", signoff_views.signoff_sheet, name="signoff-sheet"),
    path("items/<int:pk>/extension/", signoff_views.request_extension, name="extension-request"),
    path("extensions/<int:pk>/decide/", signoff_views.decide_extension, name="extension-decide"),
    path("items/<int:pk>/paper-signoff/", signoff_views.paper_signoff, name="paper-signoff"),
    path("letters/", urging_views.letter_list, name="letters"),
    path("letters/new/", urging_views.letter_new, name="letter-new"),
    path("letters/<int:pk>/", urging_views.letter_detail, name="letter-detail"),
    path("letters/<int:pk>/docx/", urging_views.letter_docx, name="letter-docx"),
    path("letters/evidence/<int:pk>/", urging_views.letter_evidence, name="letter-evidence"),
    path("letters/ack/<str:token>/", urging_views.letter_ack_link, name="letter-ack-link"),
    *lookback_urls.urlpatterns,
    *report_urls.urlpatterns,
]
