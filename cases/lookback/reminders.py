"""Look-back reminders: once a week, each lead unit (its mailbox, its group bots and SMS
channels, its liaisons and their own channels) and each supervisor (by mail and on their own
channels) hears of the look-backs due within `LOOKBACK_REMIND_WORKING_DAYS` working days or
overdue, and of the 长期坚持 items that missed their last period's entry.

Each recipient's reminder is a `LookbackReminder` row per address (or channel) and week,
recorded and then claimed before it is sent, both through `cases.delivery.outbox`: the daily
runs send once a week, and a failed send is retried by the next day's run.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import Membership, Unit, User
from cases.delivery import Message, outbox
from cases.models import Measure, NotificationChannel
from cases.reminders import absolute, render_email

from . import selectors
from .models import Lookback, LookbackReminder


@dataclass
class Item:
    measure: Measure
    due_on: datetime.date | None
    what: str  # "overdue", "due" or "lagging"
    url: str = ""


@dataclass
class Recipient:
    """One address's reminder of the week and the channels that get the same message."""

    email: str
    user: User | None
    unit: Unit | None
    name: str
    items: list[Item] = field(default_factory=list)
    channels: list[int] = field(default_factory=list)


def _items(lookbacks, measures, *, on: datetime.date) -> list[Item]:
    rows = [Item(lb.measure, lb.due_on, "overdue" if lb.due_on < on else "due")
            for lb in selectors.due_checks(lookbacks, on=on)]
    lagging = selectors.long_term_lagging(measures, on=on).select_related("case", "issue", "lead_unit")
    rows += [Item(m, None, "lagging") for m in lagging.order_by("case", "position", "pk")]
    for item in rows:
        item.url = absolute(reverse("cases:measure-detail", args=[item.measure.pk]))
    return rows


def message(recipient: Recipient, *, on: datetime.date) -> Message:
    """The reminder of one recipient, rendered once for mail and every channel."""
    items = recipient.items
    queue_url = absolute(reverse("cases:lookback-queue"))
    context = {
        "recipient_name": recipient.name, "on": on, "items": items, "site_url": settings.SITE_URL,
        "queue_url": queue_url, "days": settings.LOOKBACK_REMIND_WORKING_DAYS,
        "counts": {k: sum(1 for i in items if i.what == k) for k in ("overdue", "due", "lagging")},
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject, text, html = render_email("lookback", context)
        summary = render_to_string("emails/lookback-summary.txt", {**context, "worst": items[:5]}).strip()
    return Message(subject=subject, text=text, html=html, summary=summary, sms=subject, url=queue_url,
                   colour="red" if context["counts"]["overdue"] else "yellow")


def recipients(*, on: datetime.date) -> dict[str, Recipient]:
    """Who hears this week, by address: each lead unit's mailbox and liaisons (of all the units
    they answer for, once), and each supervisor (what `restrict` lets them see)."""
    by_unit: dict[int, list[Item]] = defaultdict(list)
    for item in _items(Lookback.objects.all(), Measure.objects.all(), on=on):
        by_unit[item.measure.lead_unit_id].append(item)
    units = Unit.objects.in_bulk(list(by_unit))
    unit_channels: dict[int, list[int]] = defaultdict(list)
    user_channels: dict[int, list[int]] = defaultdict(list)
    for pk, unit_id, user_id in NotificationChannel.objects.filter(is_active=True).order_by("pk") \
            .values_list("pk", "unit_id", "user_id"):
        (unit_channels[unit_id] if unit_id else user_channels[user_id]).append(pk)
    staff = defaultdict(list)
    for m in Membership.objects.filter(unit_id__in=list(by_unit), user__is_active=True).select_related("user"):
        if m.user.email and not m.user.is_supervisor:
            staff[m.unit_id].append(m.user)
    found: dict[str, Recipient] = {}
    for unit_id, items in by_unit.items():
        unit = units[unit_id]
        targets = [(unit.email, None, unit.name, unit_channels[unit_id])] if unit.email else []
        targets += [(u.email, u, u.name or u.username, user_channels[u.pk]) for u in staff[unit_id]]
        for email, user, name, channels in targets:
            entry = found.setdefault(email.strip().lower(), Recipient(email.strip().lower(), user, unit, name))
            entry.items.extend(i for i in items if i not in entry.items)
            entry.channels.extend(c for c in channels if c not in entry.channels)
    for supervisor in User.objects.filter(is_active=True).exclude(email=""):
        if not supervisor.is_supervisor or not supervisor.has_perm("cases.add_lookback"):
            continue
        items = _items(Lookback.objects.restrict(supervisor), Measure.objects.restrict(supervisor), on=on)
        if items:
            email = supervisor.email.strip().lower()
            found[email] = Recipient(email, supervisor, None, supervisor.name or supervisor.username, items,
                                     list(user_channels[supervisor.pk]))
    return found


def send_week(*, on: datetime.date) -> dict:
    """This week's look-back reminders; returns how many were sent and to how many addresses."""
    period = on - datetime.timedelta(days=on.weekday())
    found = recipients(on=on)
    slots, messages = [], {}
    for email, r in sorted(found.items()):
        row = {"period": period, "defaults": {"recipient": r.user, "unit": r.unit, "item_count": len(r.items)}}
        slots.append(outbox.Slot.for_mail(email, **dict(row)))
        slots += [outbox.Slot.for_channel(pk, email=email, **dict(row)) for pk in r.channels]
    ids = outbox.reserve(LookbackReminder, slots)

    def message_for(row: LookbackReminder) -> Message | None:
        recipient = found.get(row.recipient_email)
        if recipient is None:  # an earlier failure whose items were settled since
            return None
        if row.recipient_email not in messages:
            messages[row.recipient_email] = message(recipient, on=on)
        return messages[row.recipient_email]

    sent = outbox.deliver_all(LookbackReminder, ids, message_for=message_for)
    return {"period": period.isoformat(), "recipients": len(found), "sent": sent}
