"""Delivery of planned reminders through the one claim-then-send of `cases.delivery.outbox`:
the row is claimed with a committed conditional UPDATE, the server is talked to with no
transaction or lock held, and the outcome is recorded only where the claim still stands. A
worker that died mid-send leaves the row "sending": once the lease
(`DELIVERY_CLAIM_LEASE_MINUTES`) has passed, the stranded-reminder sweep claims it again.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from ..delivery import outbox
from ..delivery.outbox import NothingToReport, lease
from ..models import Reminder
from .rendering import render_reminder
from .selection import week_start

__all__ = ["NothingToReport", "deliver", "retryable", "stranded"]


def deliver(*, reminder_id: int, on: datetime.date) -> bool:
    """Claim one reminder, send it, then mark it sent. True if sent now, False if not needed.

    A failure is recorded (status failed, the error) and re-raised for the task to retry; the
    row is marked sent only after the server took the message.
    """
    return outbox.deliver(Reminder, reminder_id, message_for=lambda reminder: render_reminder(reminder, on=on),
                          related=("recipient", "unit", "channel"))


def stranded(*, on: datetime.date, older_than: datetime.timedelta = datetime.timedelta(minutes=10)) -> list[int]:
    """This week's reminders still not sent well after they were planned: their send task was
    never queued (the broker was down) or was lost, or the worker sending it died. Sending them
    again is safe: delivery claims the row, so a reminder is never sent twice."""
    now = timezone.now()
    return list(
        Reminder.objects.filter(period=week_start(on), created_at__lt=now - older_than)
        .filter(Q(status=Reminder.Status.PENDING) | Q(status=Reminder.Status.SENDING, claimed_at__lt=now - lease()))
        .order_by("pk").values_list("pk", flat=True)
    )


def retryable(*, period: datetime.date) -> list[int]:
    """Reminders of the week that were planned but never sent (failed, or left pending)."""
    return list(
        Reminder.objects.filter(period=week_start(period)).exclude(status=Reminder.Status.SENT)
        .order_by("pk").values_list("pk", flat=True)
    )
