"""With DEBUG on (`make run`), 404s look as they do in production.

Django answers an unknown URL, or a view's Http404 (another unit's item, say), with its English
technical page listing every URL pattern when DEBUG is on. The demo runs with DEBUG on, and a
newcomer must see the site's own page in the interface language instead. A 403 already uses the
site's page in both modes; a 500 keeps the technical page, which a developer needs.
`DEBUG_TECHNICAL_404=true` brings Django's page back for debugging URL patterns.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, get_resolver, get_urlconf


def _not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    resolver = get_resolver(get_urlconf())
    handler: Callable[..., HttpResponse] = resolver.resolve_error_handler(404)
    return handler(request, exception)


class ProductionNotFoundMiddleware:
    """Placed after CommonMiddleware, which still turns a 404 into the APPEND_SLASH redirect."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def _active(self) -> bool:
        return settings.DEBUG and not getattr(settings, "DEBUG_TECHNICAL_404", False)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._active():
            try:
                get_resolver(getattr(request, "urlconf", None) or get_urlconf()).resolve(request.path_info)
            except Resolver404 as exc:
                return _not_found(request, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if self._active() and isinstance(exception, Http404):
            return _not_found(request, exception)
        return None
