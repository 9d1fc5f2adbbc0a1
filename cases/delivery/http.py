"""A small JSON-over-HTTP client for the bot and SMS backends (standard library only).

Group bots answer HTTP 200 with an error code in the body; a 429 or 5xx, a timeout or a
refused connection is temporary, any other 4xx permanent.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from django.conf import settings

from .base import PermanentDeliveryError, TemporaryDeliveryError


def post_json(url: str, payload: dict, *, headers: dict | None = None) -> dict:
    body = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": "Rectify", **(headers or {}),
    })
    try:
        with urllib.request.urlopen(request, timeout=settings.DELIVERY_HTTP_TIMEOUT) as response:
            raw = response.read(1_000_000)
    except urllib.error.HTTPError as exc:
        detail = exc.read(2000).decode(errors="replace")
        error = TemporaryDeliveryError if exc.code == 429 or exc.code >= 500 else PermanentDeliveryError
        raise error(f"HTTP {exc.code}: {detail}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise TemporaryDeliveryError(f"{type(exc).__name__}: {exc}") from exc
    try:
        return json.loads(raw or b"{}")
    except ValueError as exc:
        raise TemporaryDeliveryError(f"not a JSON answer: {raw[:200]!r}") from exc
