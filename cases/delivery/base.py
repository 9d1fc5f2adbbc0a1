"""The delivery interface: a message, a target, and the backend of each channel."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from typing import Protocol

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WECOM = "wecom", _("WeCom group bot (企业微信)")
    DINGTALK = "dingtalk", _("DingTalk group bot (钉钉)")
    FEISHU = "feishu", _("Feishu / Lark group bot (飞书)")
    SMS = "sms", _("SMS gateway")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


@dataclass(frozen=True)
class Message:
    """What one recipient is told, rendered once; each backend takes the parts its channel shows.

    `summary` is short markdown (a few lines and the worst items) for group bots; `sms` is one
    or two sentences of plain text; `url` opens the full list in Rectify.
    """

    subject: str
    text: str
    html: str = ""
    summary: str = ""
    sms: str = ""
    url: str = ""
    colour: str = ""  # green / yellow / orange / red: the card colour where a platform has one
    cc: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = field(default=())


@dataclass(frozen=True)
class Target:
    """Where a message goes: an e-mail address, a webhook URL (and its signing secret), a phone."""

    channel: str
    address: str
    secret: str = ""


class DeliveryError(Exception):
    """The server refused the message; `str(error)` says why in the platform's words."""


class TemporaryDeliveryError(DeliveryError):
    """Worth trying again later: rate limited, server busy, a 5xx answer."""


class PermanentDeliveryError(DeliveryError):
    """Not worth retrying: the address, webhook or secret is wrong."""


# What a Celery task retries with back-off.
RETRYABLE = (TemporaryDeliveryError, smtplib.SMTPException, OSError)


# Every part of a `Message` besides its subject: what a message rendered for any channel has.
ALL_PARTS = frozenset({"text", "html", "summary", "sms"})


class Backend(Protocol):
    # The parts of a `Message` besides its subject that this channel shows: a message rendered for
    # this channel alone may leave the others empty (`parts_for`).
    parts: frozenset[str]

    def send(self, target: Target, message: Message) -> str:
        """Send `message`; return the server's reference or answer, raise a DeliveryError."""


def backend_for(channel: str) -> Backend:
    from . import mail, sms, webhooks

    backends = {
        Channel.EMAIL: mail.MailBackend(),
        Channel.WECOM: webhooks.WeComBackend(),
        Channel.DINGTALK: webhooks.DingTalkBackend(),
        Channel.FEISHU: webhooks.FeishuBackend(),
        Channel.SMS: sms.SmsBackend(),
    }
    try:
        return backends[channel]
    except KeyError:
        raise PermanentDeliveryError(f"unknown channel {channel!r}") from None


def parts_for(channel: str) -> frozenset[str]:
    """What a message for `channel` must have rendered besides its subject (every part for an
    unknown channel, whose send then fails for its own reason)."""
    try:
        return backend_for(channel).parts
    except PermanentDeliveryError:
        return ALL_PARTS


def send(target: Target, message: Message) -> str:
    """Send one message to one target through its channel's backend, at the deployment's rate
    (`throttle`: one token bucket in Redis shared by every worker)."""
    from . import throttle

    backend = backend_for(target.channel)
    throttle.acquire(target.channel)
    return backend.send(target, message)
