from django.urls import path

from . import views
from .lookback import urls as lookback_urls
from .reports import urls as report_urls

app_name = "cases"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("my/", views.my_items, name="my-items"),
    path("items/", views.items, name="items"),
    path("items/<int:pk>/", views.measure_detail, name="measure-detail"),
    path("signoff/", views.signoff_queue, name="signoff-queue"),
    path("signoff/<int:pk>/", views.signoff_decide, name="signoff-decide"),
    *lookback_urls.urlpatterns,
    *report_urls.urlpatterns,
]
