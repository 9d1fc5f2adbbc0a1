from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts.admin_scoping import view_on_site
from accounts.views import my_tokens
from cases import views as cases_views
from cases.downloads import evidence_download

urlpatterns = [
    path("", cases_views.home, name="home"),
    path("", include("cases.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/tokens/", my_tokens, name="my-tokens"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("evidence/<int:pk>/", evidence_download, name="evidence-download"),
    path("api/", include("config.api")),
    # Before the admin's own /r/ route, which looks the object up without scoping.
    path(f"{settings.ADMIN_URL}r/<int:content_type_id>/<path:object_id>/", admin.site.admin_view(view_on_site),
         name="admin-view-on-site"),
    path(settings.ADMIN_URL, admin.site.urls),
]
