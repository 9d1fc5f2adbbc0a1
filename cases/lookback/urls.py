from django.urls import path

from . import views

# Mounted in the "cases" namespace by cases/urls.py.
urlpatterns = [
    path("lookback/", views.queue, name="lookback-queue"),
    path("lookback/<int:pk>/", views.record, name="lookback-record"),
]
