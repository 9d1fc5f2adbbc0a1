"""E-mail backend: Django's mail connection (SMTP, files in development, locmem in tests).

Against an SMTP server each worker process keeps its connection open between messages: a new
connection per mail (connect, EHLO, STARTTLS, AUTH, QUIT) cost more than the message itself in
the weekly job. A connection idle for `IDLE_CHECK_SECONDS` is checked with NOOP first (the server
may have dropped it) and reopened; a failed send closes it, so the retry starts afresh, and a
message is never sent twice over one connection.
"""

from __future__ import annotations

import contextlib
import smtplib
import threading
import time

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from .base import Message, PermanentDeliveryError, Target

IDLE_CHECK_SECONDS = 30
_local = threading.local()


def email_message(target: Target, message: Message) -> EmailMultiAlternatives:
    mail = EmailMultiAlternatives(subject=message.subject, body=message.text, to=[target.address],
                                  cc=list(message.cc))
    if message.html:
        mail.attach_alternative(message.html, "text/html")
    for attachment in message.attachments:
        mail.attach(attachment.filename, attachment.content, attachment.mimetype)
    return mail


def _settings_key() -> tuple:
    return (settings.EMAIL_BACKEND, getattr(settings, "EMAIL_HOST", ""), getattr(settings, "EMAIL_PORT", 0),
            getattr(settings, "EMAIL_HOST_USER", ""), getattr(settings, "EMAIL_USE_TLS", False),
            getattr(settings, "EMAIL_USE_SSL", False))


def _kept_connection():
    """This thread's open SMTP connection (opened or reopened as needed), or None for other backends."""
    if not settings.EMAIL_BACKEND.endswith("smtp.EmailBackend"):
        return None
    key = _settings_key()
    kept = getattr(_local, "kept", None)
    if kept is not None and kept[0] != key:
        close_kept_connection()
        kept = None
    if kept is not None and time.monotonic() - kept[2] > IDLE_CHECK_SECONDS:
        try:
            status = kept[1].connection.noop()[0] if kept[1].connection else 0
        except (smtplib.SMTPException, OSError):
            status = 0
        if status != 250:
            close_kept_connection()
            kept = None
    if kept is None:
        connection = get_connection()
        connection.open()
        kept = _local.kept = [key, connection, time.monotonic()]
    return kept


def close_kept_connection() -> None:
    kept = getattr(_local, "kept", None)
    _local.kept = None
    if kept is not None:
        with contextlib.suppress(Exception):  # closing a broken connection: nothing left to do
            kept[1].close()


class MailBackend:
    parts = frozenset({"text", "html"})

    def send(self, target: Target, message: Message) -> str:
        mail = email_message(target, message)
        try:
            kept = _kept_connection()
            if kept is None:
                mail.send()
            else:
                mail.connection = kept[1]
                try:
                    mail.send()
                except BaseException:
                    close_kept_connection()
                    raise
                kept[2] = time.monotonic()
        except smtplib.SMTPRecipientsRefused as exc:
            codes = {code for code, _ in exc.recipients.values()}
            if all(500 <= code < 600 for code in codes):
                raise PermanentDeliveryError(f"SMTPRecipientsRefused: {exc}") from exc
            raise
        return "sent"
