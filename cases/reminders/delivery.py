"""Delivery of planned reminders through the one claim-then-send of `cases.delivery.outbox`:
the row is claimed with a committed conditional UPDATE, the server is talked to with no
transaction or lock held, and the outcome is recorded only where the claim still stands. A
worker that died mid-send leaves the row "sending": once the lease
(`DELIVERY_CLAIM_LEASE_MINUTES`) has passed, the stranded-reminder sweep claims it again.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation

from ..delivery import outbox, parts_for
from ..delivery.outbox import NothingToReport, lease
from ..models import Reminder
from .rendering import ShownItems, render_reminder, shown_items_many
from .selection import Thresholds, week_start

logger = logging.getLogger(__name__)

__all__ = ["NothingToReport", "deliver", "deliver_many", "retryable", "stranded"]


_RELATED = ("recipient", "unit", "channel")


def _message_for(on: datetime.date, shown: dict[int, ShownItems] | None = None):
    def message_for(reminder: Reminder):
        return render_reminder(reminder, on=on, parts=parts_for(outbox.target_of(reminder).channel),
                               shown=(shown or {}).get(reminder.pk))
    return message_for


def deliver(*, reminder_id: int, on: datetime.date) -> bool:
    """Claim one reminder, send it, then mark it sent. True if sent now, False if not needed.

    A failure is recorded (status failed, the error) and re-raised for the task to retry; the
    row is marked sent only after the server took the message.
    """
    return outbox.deliver(Reminder, reminder_id, message_for=_message_for(on), related=_RELATED)


def deliver_many(*, reminder_ids: list[int], on: datetime.date) -> list[tuple[int, bool | Exception]]:
    """`deliver` for a batch, claimed in one statement and loaded in one query (`outbox.deliver_many`),
    the rows of its digests and escalations built together (`shown_items_many`): (id, True sent /
    False not needed / the exception of a failed send, recorded on its row)."""
    shown: dict[int, ShownItems] = {}

    def prepare(rows: list[Reminder]) -> None:
        listing = [r for r in rows if r.kind != Reminder.Kind.SUPERVISOR_SUMMARY]
        try:
            with translation.override(settings.LANGUAGE_CODE):  # the language render_reminder renders in
                shown.update(shown_items_many(listing, on=on, thresholds=Thresholds.from_settings()))
        except Exception:  # each mail then builds its own rows, and fails on its own if it must
            logger.warning("The rows of reminders %s could not be built together", [r.pk for r in listing],
                           exc_info=True)

    return outbox.deliver_many(Reminder, reminder_ids, message_for=_message_for(on, shown), related=_RELATED,
                               prepare=prepare)


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
