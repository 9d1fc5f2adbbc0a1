"""Delivery of planned reminders: claim the row, send with nothing held, record the outcome.

The claim is a conditional UPDATE committed on its own (pending or failed → sending, with
the time of the claim), so no transaction and no row lock is held while the mail server or
the group bot is talked to. A second worker handed the same reminder finds it claimed (or
sent) and does nothing. A worker that died mid-send leaves the row "sending": once the lease
(`DELIVERY_CLAIM_LEASE_MINUTES`) has passed, the stranded-reminder sweep claims it again.
The outcome is written only where the claim is still ours (same claim time), so a late
answer never overwrites a newer attempt.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from .. import delivery as channels
from ..models import Reminder
from .rendering import render_reminder
from .selection import week_start

logger = logging.getLogger(__name__)


class NothingToReport(Exception):
    """Every item of a planned reminder was completed before it went out."""


def lease() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.DELIVERY_CLAIM_LEASE_MINUTES)


def claimable(now: datetime.datetime) -> Q:
    """Rows a worker may claim now: never finished, and not being sent by a live worker."""
    return (Q(status__in=[Reminder.Status.PENDING, Reminder.Status.FAILED])
            | Q(status=Reminder.Status.SENDING, claimed_at__lt=now - lease()))


def claim(reminder_id: int) -> datetime.datetime | None:
    """Claim one reminder for this worker; the claim's time, or None if it is not ours to send."""
    now = timezone.now()
    claimed = Reminder.objects.filter(claimable(now), pk=reminder_id).update(
        status=Reminder.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1,
    )
    return now if claimed else None


def _record(reminder_id: int, claimed_at: datetime.datetime, **fields) -> None:
    Reminder.objects.filter(pk=reminder_id, status=Reminder.Status.SENDING, claimed_at=claimed_at).update(**fields)


def target_of(reminder: Reminder) -> channels.Target:
    if reminder.channel_id:
        return reminder.channel.target
    return channels.Target(channel=channels.Channel.EMAIL, address=reminder.recipient_email)


def deliver(*, reminder_id: int, on: datetime.date) -> bool:
    """Claim one reminder, send it, then mark it sent. True if sent now, False if not needed.

    A failure is recorded (status failed, the error) and re-raised for the task to retry; the
    row is marked sent only after the server took the message.
    """
    claimed_at = claim(reminder_id)
    if claimed_at is None:
        return False
    reminder = Reminder.objects.select_related("recipient", "unit", "channel").get(pk=reminder_id)
    try:
        message = render_reminder(reminder, on=on)
        if message is None:
            raise NothingToReport("every item was completed or rescheduled before sending")
        channels.send(target_of(reminder), message)
    except NothingToReport as exc:
        # Not an error worth retrying, and not "sent" either: record why nothing went out.
        _record(reminder_id, claimed_at, status=Reminder.Status.FAILED, error=str(exc))
        return False
    except Exception as exc:  # recorded, then re-raised for the task to retry
        _record(reminder_id, claimed_at, status=Reminder.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000])
        logger.warning("Reminder %s to %s failed: %s", reminder_id, reminder.recipient_email, exc)
        raise
    _record(reminder_id, claimed_at, status=Reminder.Status.SENT, sent_at=timezone.now(), error="",
            subject=message.subject[:255])
    return True


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
