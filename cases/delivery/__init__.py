"""One delivery interface for every outgoing message: e-mail, group bots (企业微信, 钉钉, 飞书), SMS.

A feature renders a `Message` once (subject, plain text, HTML, a short markdown summary and a
link) and hands it to `send(target, message)`; the target's channel picks the backend, which
turns the message into that platform's own format and talks to its server. Backends raise
`TemporaryDeliveryError` (or `OSError`/`smtplib.SMTPException`) for what is worth retrying —
a busy server, a rate limit, a network error — and `PermanentDeliveryError` for what is not
(a mailbox or a webhook that does not exist, a wrong signing secret). Callers that record
what they send (weekly reminders, look-back reminders, report mails) go through `outbox`: one
row per recipient and period (`reserve`, the once-per-period guard), claimed before it is sent
and recorded after (`deliver`), with no transaction or lock held while the server is talked to.
"""

from .base import (
    ALL_PARTS,
    RETRYABLE,
    Attachment,
    Backend,
    Channel,
    DeliveryError,
    Message,
    PermanentDeliveryError,
    Target,
    TemporaryDeliveryError,
    backend_for,
    parts_for,
    send,
)

__all__ = [
    "ALL_PARTS", "RETRYABLE", "Attachment", "Backend", "Channel", "DeliveryError", "Message", "PermanentDeliveryError",
    "Target", "TemporaryDeliveryError", "backend_for", "parts_for", "send",
]
