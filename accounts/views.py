"""The signed-in person's own API token: see when it was issued and expires, revoke it."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

from . import tokens


@login_required
@require_http_methods(["GET", "POST"])
def my_tokens(request):
    if request.method == "POST":
        revoked = tokens.revoke_tokens(request.user)
        if revoked:
            messages.success(request, _("Your API token was revoked; programs using it must sign in again."))
        else:
            messages.info(request, _("You have no API token."))
        return redirect("my-tokens")
    rows = [tokens.describe(t) for t in Token.objects.filter(user=request.user)]
    return render(request, "accounts/tokens.html", {"tokens": rows, "ttl_days": settings.API_TOKEN_TTL_DAYS,
                                                    "shown": tokens.SHOWN_CHARACTERS})
