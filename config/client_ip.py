"""The client's address, trusting `X-Forwarded-For` only as far as the configured proxies.

RECTIFY_TRUSTED_PROXIES is the number of reverse proxies in front of the app that each
append the address they saw to X-Forwarded-For (nginx's `$proxy_add_x_forwarded_for`).
With 0 (the default) the header is ignored and REMOTE_ADDR is the client: a client could
otherwise send any X-Forwarded-For and escape the login throttle and lockout. With N, the
client is the N-th address from the right of "X-Forwarded-For, REMOTE_ADDR"; whatever a
client put in front of that is ignored.

One function, used by the API's login throttle and by django-axes (AXES_CLIENT_IP_CALLABLE).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    meta = request.META
    remote = (meta.get("REMOTE_ADDR") or "").strip()
    proxies = max(int(getattr(settings, "RECTIFY_TRUSTED_PROXIES", 0) or 0), 0)
    if not proxies:
        return remote
    forwarded = [part.strip() for part in (meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if part.strip()]
    chain = [*forwarded, remote] if remote else forwarded
    if not chain:
        return remote
    # Fewer hops than trusted proxies: the request skipped a proxy; take the farthest address seen.
    return chain[-(proxies + 1)] if len(chain) > proxies else chain[0]
