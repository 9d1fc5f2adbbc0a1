from django.urls import path

from . import views
from .signoff import views as signoff_views

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
]
