"""Telling a unit at once what was decided on its item: a sign-off, a send-back, a reopening,
an extension decision.

`decision_made(progress)` is what services call: it queues `cases.tasks.announce_decision`
when the transaction commits, so nothing goes out for a change that is rolled back.
`announce(progress_id)` is the one function that delivers, through `cases.delivery`: by e-mail
to the liaisons of the item's lead unit (its mailbox when it has none) and on every active
channel of the unit (企业微信 / 钉钉 / 飞书 group bots, SMS).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from . import delivery

logger = logging.getLogger(__name__)


_silenced: contextvars.ContextVar[bool] = contextvars.ContextVar("decisions_silenced", default=False)


@contextlib.contextmanager
def silenced():
    """Record decisions without announcing them (the demo's invented history)."""
    token = _silenced.set(True)
    try:
        yield
    finally:
        _silenced.reset(token)


def decision_made(progress) -> None:
    """Queue the announcement of `progress` (a decision entry of the log) after the commit."""
    from . import tasks

    if _silenced.get():
        return
    progress_id = progress.pk
    transaction.on_commit(lambda: tasks.announce_decision.delay(progress_id))


def _targets(measure) -> list[tuple[str, str]]:
    """(kind, key) of everyone told: the lead unit's liaisons by mail (its mailbox when it has no
    liaison with an address), and every active channel (group bot, SMS) of the unit."""
    from accounts.models import Membership

    from .models import NotificationChannel

    unit = measure.lead_unit
    emails = sorted(set(
        Membership.objects.filter(unit=unit, role=Membership.UnitRole.LIAISON, user__is_active=True)
        .exclude(user__email="").values_list("user__email", flat=True)
    ))
    if not emails and unit.email.strip():
        emails = [unit.email.strip()]
    channels = NotificationChannel.objects.filter(unit=unit, is_active=True).order_by("pk").values_list("pk", flat=True)
    return [("email", e.strip().lower()) for e in emails] + [("channel", str(pk)) for pk in channels]


def _message(progress) -> delivery.Message:
    from .reminders import render_email

    measure = progress.measure
    extension = measure.extension_requests.filter(decided_at__isnull=False).order_by("-decided_at").first() \
        if progress.action in ("extension_approved", "extension_refused") else None
    url = f"{settings.SITE_URL}{reverse('cases:measure-detail', args=[measure.pk])}"
    context = {"progress": progress, "measure": measure, "unit": measure.lead_unit, "extension": extension,
               "item_url": url, "site_url": settings.SITE_URL}
    with translation.override(settings.LANGUAGE_CODE):
        subject, text, html = render_email("decision", context)
        sentence = render_to_string("emails/_decision_sentence.txt", context).strip()
    colour = "red" if progress.action in ("send_back", "reopen", "extension_refused") else "green"
    summary = f"**{subject}**\n\n{sentence}\n\n{measure}"
    return delivery.Message(subject=subject, text=text, html=html, summary=summary, sms=f"{subject}:{sentence}",
                            url=url, colour=colour)


def announce(progress_id: int) -> int:
    """Deliver the decision `progress_id` on every channel of the unit; returns how many went out.

    Each target is tried once here; a temporary failure (a busy server) is retried by its own
    task so the others are not told twice."""
    from . import tasks
    from .models import ProgressUpdate

    progress = (ProgressUpdate.objects.select_related("measure__lead_unit", "measure__case", "measure__issue",
                                                      "author").filter(pk=progress_id).first())
    if progress is None:
        return 0
    targets = _targets(progress.measure)
    if not targets:
        logger.warning("Decision %s on measure %s not announced: unit %s has no liaison e-mail or channel",
                       progress_id, progress.measure_id, progress.measure.lead_unit_id)
        return 0
    message = _message(progress)
    sent = 0
    for kind, key in targets:
        try:
            _send(kind, key, message)
            sent += 1
        except delivery.PermanentDeliveryError:
            logger.warning("Decision %s: %s %s refused it for good", progress_id, kind, key, exc_info=True)
        except delivery.RETRYABLE:
            logger.info("Decision %s: %s %s busy, retried later", progress_id, kind, key)
            tasks.announce_decision_to.delay(progress_id, kind, key)
    return sent


def announce_to(progress_id: int, kind: str, key: str) -> None:
    """Deliver the decision to one target (the retry of a temporary failure)."""
    from .models import ProgressUpdate

    progress = ProgressUpdate.objects.select_related("measure__lead_unit", "measure__case", "measure__issue",
                                                     "author").get(pk=progress_id)
    _send(kind, key, _message(progress))


def _send(kind: str, key: str, message: delivery.Message) -> None:
    from .models import NotificationChannel

    if kind == "email":
        target = delivery.Target(channel=delivery.Channel.EMAIL, address=key)
    else:
        channel = NotificationChannel.objects.filter(pk=int(key), is_active=True).first()
        if channel is None:
            return
        target = channel.target
    delivery.send(target, message)
