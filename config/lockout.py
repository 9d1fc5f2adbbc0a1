"""What a locked-out login gets (django-axes AXES_LOCKOUT_CALLABLE): 429 with a message in the
interface language — the API's error shape under /api/, a page everywhere else (site and admin)."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext

from config.errors import error_body


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return ngettext(
        "Too many failed logins. This login is locked; try again in %(minutes)s minute or ask an administrator.",
        "Too many failed logins. This login is locked; try again in %(minutes)s minutes or ask an administrator.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    message = lockout_message()
    retry_after = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    if request.path.startswith("/api/"):
        response = JsonResponse(error_body(429, "locked_out", message), status=429)
    else:
        response = render(request, "registration/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = retry_after
    return response
