from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from cases.downloads import evidence_download

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False), name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("evidence/<int:pk>/", evidence_download, name="evidence-download"),
    path(settings.ADMIN_URL, admin.site.urls),
]
