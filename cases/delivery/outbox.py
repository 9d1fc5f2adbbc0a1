"""Recorded deliveries: the one claim-then-send, and the one once-per-period guard, of every
message Rectify records — the weekly reminders, the look-back reminders, the report mails.

A feature's record model derives from `DeliveryRecord` (status, attempts, claim time, error,
subject, sent time, the address) and has a `channel` (empty for e-mail to the address), with a
unique constraint per recipient (address or channel) and period: that constraint is the guard.

* `reserve(model, slots)` records one row per recipient and period not yet recorded and returns
  the rows to send now: the new ones, and earlier ones that failed or were left unsent (a dead
  worker's, once its lease has passed). Running it twice in a period records nothing new.
* `deliver(model, pk, message_for=…)` *claims* the row with a conditional UPDATE that commits at
  once (pending or failed → sending, with the claim's time), sends through `cases.delivery.send`
  with no transaction or lock held, then records sent or failed only where its claim still
  stands. A second worker handed the same row finds it claimed or sent and sends nothing; a
  worker that died mid-send leaves it "sending" until `DELIVERY_CLAIM_LEASE_MINUTES` have passed.
  `deliver_many` claims a batch of rows in one UPDATE and loads them in one query, then sends
  and records each as `deliver` does.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import Channel, Message, Target, send

logger = logging.getLogger(__name__)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class DeliveryRecord(models.Model):
    """The fields of one recorded message to one recipient (an address, or a `channel`)."""

    Status = DeliveryStatus

    recipient_email = models.EmailField(_("recipient e-mail"))
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True, editable=False)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        abstract = True


class NothingToReport(Exception):
    """Everything the message was to report was settled before it went out."""


def lease() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.DELIVERY_CLAIM_LEASE_MINUTES)


def claimable(now: datetime.datetime) -> Q:
    """Rows a worker may claim now: never finished, and not being sent by a live worker."""
    return (Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED])
            | Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - lease()))


def claim(model: type[models.Model], pk: int) -> datetime.datetime | None:
    """Claim one row for this worker; the claim's time, or None if it is not ours to send."""
    now = timezone.now()
    claimed = model._default_manager.filter(claimable(now), pk=pk).update(
        status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    return now if claimed else None


def _record(model: type[models.Model], pk: int, claimed_at: datetime.datetime, **fields) -> None:
    model._default_manager.filter(pk=pk, status=DeliveryStatus.SENDING, claimed_at=claimed_at).update(**fields)


def target_of(row: Any) -> Target:
    """Where a recorded row goes: its channel (group bot, SMS), else its e-mail address."""
    if row.channel_id:
        return row.channel.target
    return Target(channel=Channel.EMAIL, address=row.recipient_email)


def deliver(model: type[models.Model], pk: int, *, message_for: Callable[[Any], Message | None],
            related: Iterable[str] = ("channel",)) -> bool:
    """Claim row `pk`, send its message, then mark it sent. True if sent now, False if not ours.

    `message_for(row)` renders the message (None: nothing left to report, recorded as such).
    A failure is recorded (failed, with the error) and re-raised for the caller to retry.
    """
    claimed_at = claim(model, pk)
    if claimed_at is None:
        return False
    row = model._default_manager.select_related(*related).get(pk=pk)
    return _send_claimed(model, row, claimed_at, message_for)


def deliver_many(model: type[models.Model], ids: Iterable[int], *, message_for: Callable[[Any], Message | None],
                 related: Iterable[str] = ("channel",),
                 prepare: Callable[[list[Any]], None] | None = None) -> list[tuple[int, bool | Exception]]:
    """`deliver` for several rows, claimed together: one UPDATE claims those of `ids` that are
    claimable, one query loads them, then each is sent and its outcome recorded on its own row,
    as `deliver` does (a mail sent is marked sent before the next is rendered). A worker that
    dies in the middle leaves the rest "sending" until the lease passes, as it would one row.

    Returns (pk, outcome) for every id, in order: True sent now, False not ours or nothing to
    report, or the exception its send raised (recorded on the row as failed) for the caller to
    retry. One row's failure stops no other. `prepare(rows)`, given the claimed rows before the
    first is sent, lets the caller load what their messages need together."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    claimed_at = timezone.now()
    manager = model._default_manager
    manager.filter(claimable(claimed_at), pk__in=ids).update(
        status=DeliveryStatus.SENDING, claimed_at=claimed_at, attempts=F("attempts") + 1)
    rows = {row.pk: row for row in manager.select_related(*related).filter(
        pk__in=ids, status=DeliveryStatus.SENDING, claimed_at=claimed_at)}
    if prepare is not None and rows:
        prepare([rows[pk] for pk in ids if pk in rows])
    outcomes: list[tuple[int, bool | Exception]] = []
    for pk in ids:
        row = rows.get(pk)
        if row is None:
            outcomes.append((pk, False))
            continue
        try:
            outcomes.append((pk, _send_claimed(model, row, claimed_at, message_for)))
        except Exception as exc:  # recorded on its row by _send_claimed; the caller decides on a retry
            outcomes.append((pk, exc))
    return outcomes


def _send_claimed(model: type[models.Model], row: Any, claimed_at: datetime.datetime,
                  message_for: Callable[[Any], Message | None]) -> bool:
    """Render and send the message of a row this worker claimed at `claimed_at`, then record the outcome."""
    pk = row.pk
    try:
        message = message_for(row)
        if message is None:
            raise NothingToReport("every item was completed or rescheduled before sending")
        send(target_of(row), message)
    except NothingToReport as exc:
        # Not an error worth retrying, and not "sent" either: record why nothing went out.
        _record(model, pk, claimed_at, status=DeliveryStatus.FAILED, error=str(exc))
        return False
    except Exception as exc:  # recorded, then re-raised for the caller to retry
        _record(model, pk, claimed_at, status=DeliveryStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000])
        logger.warning("%s %s to %s failed: %s", model.__name__, pk, target_of(row).address, exc)
        raise
    _record(model, pk, claimed_at, status=DeliveryStatus.SENT, sent_at=timezone.now(), error="",
            subject=message.subject[:255])
    return True


# Rows claimed together by `deliver_all`: few enough that the last is sent long before the lease ends.
CLAIM_BATCH = 20


def deliver_all(model: type[models.Model], ids: Iterable[int], *, message_for: Callable[[Any], Message | None],
                related: Iterable[str] = ("channel",)) -> int:
    """`deliver_many`, `CLAIM_BATCH` rows at a time; one failure (recorded on its row, retried by a
    later run) stops no other. Returns how many were sent."""
    ids = list(ids)
    sent = 0
    for start in range(0, len(ids), CLAIM_BATCH):
        for pk, outcome in deliver_many(model, ids[start:start + CLAIM_BATCH], message_for=message_for,
                                        related=related):
            if isinstance(outcome, Exception):
                logger.error("%s %s not sent; a later run tries again", model.__name__, pk, exc_info=outcome)
            else:
                sent += outcome
    return sent


@dataclass(frozen=True)
class Slot:
    """One recipient's place in one period: `keys` match the model's unique constraint (for mail:
    the address, the period, `channel=None`; for a channel: the channel and the period);
    `defaults` fill the row when it is recorded."""

    keys: dict
    defaults: dict = field(default_factory=dict)

    @classmethod
    def for_mail(cls, email: str, **keys_and_defaults) -> Slot:
        keys, defaults = _split(keys_and_defaults)
        return cls(keys={**keys, "recipient_email": email.strip().lower(), "channel": None}, defaults=defaults)

    @classmethod
    def for_channel(cls, channel_id: int, *, email: str = "", **keys_and_defaults) -> Slot:
        keys, defaults = _split(keys_and_defaults)
        return cls(keys={**keys, "channel_id": channel_id},
                   defaults={**defaults, "recipient_email": email.strip().lower()})


def _split(values: dict) -> tuple[dict, dict]:
    defaults = values.pop("defaults", {})
    return values, defaults


def reserve(model: type[models.Model], slots: Iterable[Slot]) -> list[int]:
    """The once-per-period guard: record each slot unless its period has it already; return the
    ids to send now (new rows, and earlier ones failed or left unsent). A run racing this one for
    the same slot meets the unique constraint and leaves the slot to it."""
    now = timezone.now()
    manager = model._default_manager
    ids = []
    for slot in slots:
        try:
            with transaction.atomic():
                row, created = manager.get_or_create(**slot.keys, defaults=slot.defaults)
        except IntegrityError:
            continue
        if created or manager.filter(claimable(now), pk=row.pk).exists():
            ids.append(row.pk)
    return ids
