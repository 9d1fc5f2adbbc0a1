"""The REST API: the v1 router, the schema and docs pages, the token endpoint and the error shape.

Every error the API gives, whatever its status, has one shape:

    {"error": {"status": 400, "code": "illegal_transition", "message": "…", "fields": {"note": ["…"]}}}

`message` is in the language the client asked for (Accept-Language; zh-hans by default).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.urls import include, path, re_path
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework import exceptions, routers, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

import accounts.api.urls
import cases.api.urls
import notices.api.urls
from accounts import audit, tokens
from accounts.models import AuditEvent
from cases.services import StaleMeasure
from config.client_ip import client_ip
from config.errors import error_body
from config.lockout import lockout_response

# --- Errors --------------------------------------------------------------------------


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"


class VersionConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "version_conflict"


INVALID_MESSAGE = gettext_lazy("Some of the input is not valid; see the messages for each field.")


logger = logging.getLogger(__name__)



def _flatten(detail, prefix="") -> dict[str, list[str]]:
    """DRF's nested error details as {"field" or "field.0.sub": [messages]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = str(key) if not prefix else f"{prefix}.{key}"
            out.update(_flatten(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(v, dict | list) for v in detail):
            out[prefix] = [str(v) for v in detail]
        else:
            for index, value in enumerate(detail):
                out.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out[prefix] = [str(detail)]
    return out


def _first_code(codes) -> str:
    while isinstance(codes, dict | list):
        if not codes:
            return "invalid"
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return str(codes)


def _from_django_validation(exc: DjangoValidationError) -> tuple[str, str, dict]:
    """A services ValidationError as (code, message, fields)."""
    if hasattr(exc, "error_dict"):
        fields = {name: [str(m) for e in errors for m in e.messages] for name, errors in exc.error_dict.items()}
        general = fields.pop(NON_FIELD_ERRORS, [])
        code = next((e.code for errors in exc.error_dict.values() for e in errors if e.code), None)
        message = " ".join(general) or " ".join(m for msgs in fields.values() for m in msgs)
        return code or "invalid", message, fields
    code = next((e.code for e in exc.error_list if e.code), None) or "invalid"
    return code, " ".join(exc.messages), {}


def request_limit_error(exc) -> tuple[int, str, str] | None:
    """(status, code, message) for Django's request limits (DATA_UPLOAD_MAX_*), else None.

    Django raises these while reading the body, which inside an API view happens in DRF's
    parsing or authentication; they are the client's doing, so 400/413 and nothing logged as a bug.
    """
    if isinstance(exc, RequestDataTooBig):
        return 413, "request_too_large", _(
            "The request is too large: its form fields or body may be at most %(limit)s bytes "
            "(files are counted separately)."
        ) % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
    if isinstance(exc, TooManyFilesSent):
        return 413, "too_many_files", _("Too many files in one request: at most %(limit)s files may be sent.") % {
            "limit": settings.DATA_UPLOAD_MAX_NUMBER_FILES}
    if isinstance(exc, TooManyFieldsSent):
        return 400, "too_many_fields", _("Too many fields in one request: at most %(limit)s may be sent.") % {
            "limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}
    return None


def exception_handler(exc, context):
    """DRF's handler, then the one error shape; services' exceptions get their HTTP status here."""
    request = context.get("request")
    limit = request_limit_error(exc)
    if limit is not None:
        status_code, code, message = limit
        logger.warning("API request refused: %s", exc)
        return Response(error_body(status_code, code, message), status=status_code)
    if isinstance(exc, Http404):
        # get_object_or_404's text names the model ("No Measure matches…"); say only "not found".
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, StaleMeasure):
        # 412 when the client used the HTTP precondition header, 409 when it sent `version` in the body.
        stale = PreconditionFailed if request is not None and request.headers.get("If-Match") else VersionConflict
        exc = stale(str(exc))
    if isinstance(exc, (OperationalError, InterfaceError)):
        # The database is unreachable (restarting, failing over): a clean answer the client may retry.
        from rest_framework.views import set_rollback

        logger.warning("API request failed, database unavailable: %s", exc)
        set_rollback()
        response = Response(
            error_body(503, "database_unavailable", _("The database is not reachable right now. Please try again "
                                                      "shortly.")),
            status=503,
        )
        response["Retry-After"] = "5"
        return response
    if isinstance(exc, DjangoValidationError):
        from rest_framework.views import set_rollback

        set_rollback()
        code, message, fields = _from_django_validation(exc)
        return Response(error_body(400, code, message, fields), status=400)

    response = drf_exception_handler(exc, context)
    if response is None:
        # A bug: log it with its traceback, roll back, and answer 500 in the one error shape.
        from rest_framework.views import set_rollback

        logger.error("Unhandled API error", exc_info=exc)
        set_rollback()
        return Response(error_body(500, "server_error", _("An unexpected error occurred and has been logged.")),
                        status=500)
    detail = response.data
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(detail) if isinstance(detail, dict) else {}
        general = fields.pop(api_settings.NON_FIELD_ERRORS_KEY, [])
        if isinstance(detail, list):
            general = [str(d) for d in detail]
        code = _first_code(exc.get_codes()) if general and not fields else "invalid"
        message = " ".join(general) or str(INVALID_MESSAGE)
    else:
        message = str(detail.get("detail", "")) if isinstance(detail, dict) else str(detail)
        code = getattr(getattr(exc, "detail", None), "code", None) or getattr(exc, "default_code", "error")
        fields = {}
    response.data = error_body(response.status_code, str(code), message, fields)
    return response


@csrf_exempt  # a POST to a wrong address is answered 404 in JSON, not refused by the CSRF check in HTML
def not_found(request, *args, **kwargs):
    """Unknown addresses under /api/ answer in the error shape too, not with an HTML page."""
    return JsonResponse(error_body(404, "not_found", _("There is no such address in the API.")), status=404)


# --- Token authentication ------------------------------------------------------------


class AuthRateThrottle(ScopedRateThrottle):
    """The `auth` rate per client address, the address as config.client_ip sees it (not a client-sent
    X-Forwarded-For, which DRF's own get_ident would trust with NUM_PROXIES unset)."""

    def get_ident(self, request):
        return client_ip(request) or "unknown"


class TokenView(ObtainAuthToken):
    """POST username and password for a token; DELETE (with the token) to revoke it.

    Throttled per client address with the `auth` rate (settings DEFAULT_THROTTLE_RATES,
    env AUTH_THROTTLE_RATE), so passwords cannot be guessed at speed.
    """

    throttle_classes = [AuthRateThrottle]
    throttle_scope = "auth"

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method in ("GET", "DELETE") else []

    @extend_schema(
        summary="Your API token: when it was issued and when it expires (its key is not shown again)",
        responses=inline_serializer("TokenList", {"tokens": inline_serializer("TokenInfo", {
            "key_start": serializers.CharField(), "created": serializers.DateTimeField(),
            "expires": serializers.DateTimeField(allow_null=True), "expired": serializers.BooleanField(),
            "current": serializers.BooleanField(),
        }, many=True)}),
    )
    def get(self, request, *args, **kwargs):
        current = getattr(request.auth, "key", None)
        return Response({"tokens": [tokens.describe(t, current) for t in Token.objects.filter(user=request.user)]})

    @extend_schema(
        summary="Get an API token", auth=[],
        responses=inline_serializer("Token", {
            "token": serializers.CharField(),
            "expires": serializers.DateTimeField(allow_null=True),
            "user": inline_serializer("TokenUser", {"id": serializers.IntegerField(),
                                                    "username": serializers.CharField(),
                                                    "name": serializers.CharField()}),
        }),
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False):
                # django-axes refused the attempt (too many failures): 429 in the error shape.
                return lockout_response(request)
            raise exceptions.ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        audit.record(AuditEvent.Kind.LOGIN, request, user=user)
        token = tokens.issue_token(user)
        return Response({"token": token.key, "expires": tokens.expires_at(token),
                         "user": {"id": user.pk, "username": user.username, "name": user.get_full_name()}})

    @extend_schema(summary="Revoke your API token", request=None, responses={204: None})
    def delete(self, request, *args, **kwargs):
        tokens.revoke_tokens(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Routes --------------------------------------------------------------------------


class APIRoot(routers.APIRootView):
    """The root of /api/v1/: a link per list, named in the interface language in the browser."""

    def get_view_name(self):
        return _("Rectify API, version 1")

    def get_view_description(self, html=False):
        text = _("One link per list. Sign in here, or send a token (Authorization: Token …); "
                 "the documentation is at /api/docs/ and /api/redoc/.")
        return format_html("<p>{}</p>", text) if html else text


class Router(routers.DefaultRouter):
    # `?format=json` still works; `.json` suffixes would only double every path in the schema.
    include_format_suffixes = False
    APIRootView = APIRoot

    def __init__(self):
        # The trailing slash is optional, so `…/export.csv` works as typed in a terminal.
        super().__init__()
        self.trailing_slash = "/?"


API_MODULES = [accounts.api.urls, cases.api.urls, notices.api.urls]

router = Router()
for module in API_MODULES:
    for prefix, viewset, basename in module.routes:
        router.register(prefix, viewset, basename=basename)

v1 = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    *(pattern for module in API_MODULES for pattern in module.urlpatterns),
    path("", include(router.urls)),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    re_path(r"^.*$", not_found),
]
