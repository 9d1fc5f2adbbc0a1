"""The admin site: the index lists the work first (cases, notices, people), the machinery last."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest

# Apps in the order a newcomer needs them; any other app follows, alphabetically.
APP_ORDER = ["cases", "notices", "accounts", "auth", "authtoken", "django_celery_beat", "axes"]
# Within an app, the models in the order the work goes; others follow, alphabetically.
MODEL_ORDER = {
    "cases": ["Case", "Issue", "Measure", "ProgressUpdate", "Reminder", "CalendarDay", "CalendarYear"],
    "accounts": ["Organisation", "Unit", "User"],
}


def _rank(order: list[str], key: str) -> tuple[int, str]:
    return (order.index(key) if key in order else len(order), key)


class RectifyAdminSite(admin.AdminSite):
    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        apps = super().get_app_list(request, app_label)
        apps.sort(key=lambda app: (_rank(APP_ORDER, app["app_label"]), str(app["name"])))
        for app in apps:
            order = MODEL_ORDER.get(app["app_label"], [])
            app["models"].sort(key=lambda m: (_rank(order, m["object_name"]), str(m["name"])))
        return apps


class RectifyAdminConfig(AdminConfig):
    default_site = "config.admin_site.RectifyAdminSite"
