"""The OpenAPI schema class: drf-spectacular's, plus the error responses every endpoint can give.

Clients (and schemathesis in tests/api/test_schema.py) can then rely on the schema for the
error shape too, not only for the happy path.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers


class ErrorBodySerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField(help_text="Stable, machine-readable: e.g. illegal_transition, not_found.")
    message = serializers.CharField(help_text="For people, in the language asked for (Accept-Language).")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per input field; empty when the error is not about one field.",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


ERROR_DESCRIPTIONS = {
    "400": "Invalid input or a rule of the service refused it (e.g. illegal_transition).",
    "401": "Not signed in (send `Authorization: Token …` or a session cookie).",
    "403": "Signed in, but your role may not do this.",
    "404": "No such item among those you may see.",
    "409": "Stale write: the `version` you sent is no longer current.",
    "412": "Stale write: the If-Match header does not match the current ETag.",
    "415": "Unsupported content type.",
    "429": "Too many requests; see Retry-After.",
}


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = ["400", "401", "403", "404", "429"]
        if self.method in ("POST", "PATCH", "PUT"):
            codes.append("415")
            if "/measures/" in self.path:
                codes += ["409", "412"]
        for code in codes:
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code)
                response["description"] = ERROR_DESCRIPTIONS[code]
                responses[code] = response
        return responses
