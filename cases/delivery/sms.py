"""SMS through a pluggable HTTP gateway (the province's 短信平台 or a carrier's).

Every gateway differs, so Rectify POSTs one JSON shape to `SMS_GATEWAY_URL` and reads one
answer; an adapter in front of the real gateway translates if needed:

    POST {SMS_GATEWAY_URL}
    Authorization: Bearer {SMS_GATEWAY_TOKEN}            (when set)
    {"to": "13800000000", "text": "…", "sign": "整改台账"}
    → 200 {"ok": true, "id": "…"}   or   {"ok": false, "error": "…", "retry": false}
"""

from __future__ import annotations

from django.conf import settings

from .base import Message, PermanentDeliveryError, Target, TemporaryDeliveryError
from .http import post_json

SMS_MAX_CHARS = 300


class SmsBackend:
    parts = frozenset({"sms"})

    def payload(self, target: Target, message: Message) -> dict:
        text = (message.sms or message.subject)[:SMS_MAX_CHARS]
        return {"to": target.address, "text": text, "sign": settings.SMS_SIGNATURE}

    def send(self, target: Target, message: Message) -> str:
        url = settings.SMS_GATEWAY_URL
        if not url:
            raise PermanentDeliveryError("SMS_GATEWAY_URL is not set")
        token = settings.SMS_GATEWAY_TOKEN
        answer = post_json(url, self.payload(target, message),
                           headers={"Authorization": f"Bearer {token}"} if token else None)
        if answer.get("ok"):
            return str(answer.get("id", "ok"))
        error = TemporaryDeliveryError if answer.get("retry") else PermanentDeliveryError
        raise error(str(answer.get("error", "refused")))
