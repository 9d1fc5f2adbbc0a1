"""E-mail backend: Django's mail connection (SMTP, files in development, locmem in tests)."""

from __future__ import annotations

import smtplib

from django.core.mail import EmailMultiAlternatives

from .base import Message, PermanentDeliveryError, Target


def email_message(target: Target, message: Message) -> EmailMultiAlternatives:
    mail = EmailMultiAlternatives(subject=message.subject, body=message.text, to=[target.address],
                                  cc=list(message.cc))
    if message.html:
        mail.attach_alternative(message.html, "text/html")
    for attachment in message.attachments:
        mail.attach(attachment.filename, attachment.content, attachment.mimetype)
    return mail


class MailBackend:
    def send(self, target: Target, message: Message) -> str:
        try:
            email_message(target, message).send()
        except smtplib.SMTPRecipientsRefused as exc:
            codes = {code for code, _ in exc.recipients.values()}
            if all(500 <= code < 600 for code in codes):
                raise PermanentDeliveryError(f"SMTPRecipientsRefused: {exc}") from exc
            raise
        return "sent"
