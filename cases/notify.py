"""Telling a unit at once what was decided on its item: a sign-off, a send-back, a reopening,
an extension decision.

`decision_made(progress)` is what services call: it queues `cases.tasks.announce_decision`
when the transaction commits, so nothing goes out for a change that is rolled back.
`announce(progress_id)` is the one function that delivers: today by e-mail to the liaisons
of the item's lead unit (its mailbox when it has none); other channels (group bots) are added
here, beside the mail.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse
from django.utils import translation

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


def announce(progress_id: int) -> int:
    """Deliver the decision `progress_id` on every channel; returns how many messages went out."""
    from accounts.models import Membership

    from .models import ProgressUpdate
    from .reminders import render_email

    progress = (ProgressUpdate.objects.select_related("measure__lead_unit", "measure__case", "measure__issue",
                                                      "author")
                .prefetch_related("evidence").filter(pk=progress_id).first())
    if progress is None:
        return 0
    measure = progress.measure
    unit = measure.lead_unit
    liaisons = list(
        Membership.objects.filter(unit=unit, role=Membership.UnitRole.LIAISON, user__is_active=True)
        .exclude(user__email="").select_related("user").order_by("user_id")
    )
    recipients = sorted({m.user.email.strip().lower() for m in liaisons}) or (
        [unit.email.strip().lower()] if unit.email.strip() else []
    )
    if not recipients:
        logger.warning("Decision %s on measure %s not announced: unit %s has no liaison e-mail",
                       progress_id, measure.pk, unit.pk)
        return 0
    extension = measure.extension_requests.filter(decided_at__isnull=False).order_by("-decided_at").first() \
        if progress.action in ("extension_approved", "extension_refused") else None
    context = {
        "progress": progress,
        "measure": measure,
        "unit": unit,
        "extension": extension,
        "item_url": f"{settings.SITE_URL}{reverse('cases:measure-detail', args=[measure.pk])}",
        "site_url": settings.SITE_URL,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject, text, html = render_email("decision", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=recipients)
    message.attach_alternative(html, "text/html")
    message.send()
    return len(recipients)
