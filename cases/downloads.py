"""Evidence files are served only to those who may see their measure, never as public media.

The links the API hands out (`EvidenceSerializer.url`) point here, so a client signed in with
an API token (`Authorization: Token …`) downloads with that token; a browser uses its session.
A token client's errors are in the API's JSON error shape, a browser's are pages.
"""

from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import get_authorization_header

from accounts import audit
from accounts.models import AuditEvent
from accounts.tokens import ExpiringTokenAuthentication
from config.errors import error_body

from .models import Evidence, Measure


def _api_error(status_code: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(status_code, code, message), status=status_code)


def evidence_download(request, pk: int):
    by_token = bool(get_authorization_header(request))
    if by_token:
        try:
            authenticated = ExpiringTokenAuthentication().authenticate(request)
        except exceptions.AuthenticationFailed as exc:
            response = _api_error(401, str(exc.get_codes()), str(exc.detail))
            response["WWW-Authenticate"] = "Token"
            return response
        if authenticated is not None:
            request.user = authenticated[0]
    if not request.user.is_authenticated:
        if by_token:
            response = _api_error(401, "not_authenticated", _("Authentication credentials were not provided."))
            response["WWW-Authenticate"] = "Token"
            return response
        return redirect_to_login(request.get_full_path())
    visible = Measure.objects.restrict(request.user)
    try:
        evidence = Evidence.objects.select_related("progress__measure__case").get(pk=pk, progress__measure__in=visible)
    except Evidence.DoesNotExist:
        if by_token:
            return _api_error(404, "not_found", _("Not found."))
        raise Http404 from None
    measure = evidence.progress.measure
    audit.record(AuditEvent.Kind.EVIDENCE_DOWNLOAD, request, user=request.user,
                 target=f"{evidence.original_name} · {measure}", organisation=measure.case.organisation_id)
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name)
