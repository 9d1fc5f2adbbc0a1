from django.urls import path

from . import views
from .lookback import urls as lookback_urls
from .reports import urls as report_urls
from .urging import views as urging_views

app_name = "cases"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("my/", views.my_items, name="my-items"),
    path("items/", views.items, name="items"),
    path("items/<int:pk>/", views.measure_detail, name="measure-detail"),
    path("signoff/", views.signoff_queue, name="signoff-queue"),
    path("signoff/<int:pk>/", views.signoff_decide, name="signoff-decide"),
    path("letters/", urging_views.letter_list, name="letters"),
    path("letters/new/", urging_views.letter_new, name="letter-new"),
    path("letters/<int:pk>/", urging_views.letter_detail, name="letter-detail"),
    path("letters/<int:pk>/docx/", urging_views.letter_docx, name="letter-docx"),
    path("letters/ack/<str:token>/", urging_views.letter_ack_link, name="letter-ack-link"),
    *lookback_urls.urlpatterns,
    *report_urls.urlpatterns,
]
