from django.urls import path

from . import views

# Mounted in the "cases" namespace by cases/urls.py.
urlpatterns = [
    path("reports/", views.report, name="report"),
]
