"""Look-back reminders: once a week, each lead unit (its mailbox and its liaisons) and each
supervisor hears of the look-backs due within `LOOKBACK_REMIND_WORKING_DAYS` working days or
overdue, and of the 长期坚持 items that missed their last period's entry.

Each recipient's reminder is a `LookbackReminder` row, unique per address and week, claimed
(created) before the mail goes out; a failed send is retried by the next day's run.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Membership, Unit, User
from cases.models import Measure
from cases.reminders import absolute, render_email

from . import selectors
from .models import Lookback, LookbackReminder

logger = logging.getLogger(__name__)


@dataclass
class Item:
    measure: Measure
    due_on: datetime.date | None
    what: str  # "overdue", "due" or "lagging"


def _items(lookbacks, measures, *, on: datetime.date) -> list[Item]:
    rows = [Item(lb.measure, lb.due_on, "overdue" if lb.due_on < on else "due")
            for lb in selectors.due_checks(lookbacks, on=on)]
    lagging = selectors.long_term_lagging(measures, on=on).select_related("case", "issue", "lead_unit")
    rows += [Item(m, None, "lagging") for m in lagging.order_by("case", "position", "pk")]
    return rows


def _send(*, email: str, user: User | None, unit: Unit | None, name: str, items: list[Item], period, on) -> bool:
    """Claim this address's slot for the week (or retry a failed one), then send."""
    try:
        with transaction.atomic():
            row, created = LookbackReminder.objects.get_or_create(
                recipient_email=email, period=period,
                defaults={"recipient": user, "unit": unit, "item_count": len(items)},
            )
    except IntegrityError:
        return False
    if not created:
        claimed = LookbackReminder.objects.filter(pk=row.pk, status=LookbackReminder.Status.FAILED).update(
            status=LookbackReminder.Status.PENDING)
        if not claimed:
            return False
    context = {
        "recipient_name": name, "on": on, "items": items, "site_url": settings.SITE_URL,
        "queue_url": absolute(reverse("cases:lookback-queue")),
        "counts": {k: sum(1 for i in items if i.what == k) for k in ("overdue", "due", "lagging")},
        "days": settings.LOOKBACK_REMIND_WORKING_DAYS,
    }
    for item in items:
        item.url = absolute(reverse("cases:measure-detail", args=[item.measure.pk]))
    with translation.override(settings.LANGUAGE_CODE):
        subject, text, html = render_email("lookback", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [email])
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception as exc:  # recorded and retried tomorrow; one failure does not stop the others
        LookbackReminder.objects.filter(pk=row.pk).update(
            status=LookbackReminder.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], subject=subject)
        logger.warning("Look-back reminder to %s failed: %s", email, exc)
        return False
    LookbackReminder.objects.filter(pk=row.pk).update(
        status=LookbackReminder.Status.SENT, sent_at=timezone.now(), subject=subject, item_count=len(items), error="")
    return True


def send_week(*, on: datetime.date) -> dict:
    """This week's look-back reminders; returns how many were sent and to whom they were due."""
    period = on - datetime.timedelta(days=on.weekday())
    sent = 0
    everything = _items(Lookback.objects.all(), Measure.objects.all(), on=on)
    by_unit: dict[int, list[Item]] = defaultdict(list)
    for item in everything:
        by_unit[item.measure.lead_unit_id].append(item)
    # Each address hears once, of all the units it answers for.
    by_email: dict[str, tuple[User | None, Unit | None, str, list[Item]]] = {}
    units = Unit.objects.in_bulk(list(by_unit))
    staff = defaultdict(list)
    for m in Membership.objects.filter(unit_id__in=list(by_unit), user__is_active=True).select_related("user"):
        if m.user.email and not m.user.is_supervisor:
            staff[m.unit_id].append(m.user)
    for unit_id, items in by_unit.items():
        unit = units[unit_id]
        targets = [(unit.email, None, unit.name)] if unit.email else []
        targets += [(u.email, u, u.name or u.username) for u in staff[unit_id]]
        for email, user, name in targets:
            entry = by_email.setdefault(email.lower(), (user, unit, name, []))
            entry[3].extend(i for i in items if i not in entry[3])
    for supervisor in User.objects.filter(is_active=True).exclude(email=""):
        if not supervisor.is_supervisor or not supervisor.has_perm("cases.add_lookback"):
            continue
        items = _items(Lookback.objects.restrict(supervisor), Measure.objects.restrict(supervisor), on=on)
        if items:
            by_email[supervisor.email.lower()] = (supervisor, None, supervisor.name or supervisor.username, items)
    for email, (user, unit, name, items) in sorted(by_email.items()):
        sent += _send(email=email, user=user, unit=unit, name=name, items=items, period=period, on=on)
    return {"period": period.isoformat(), "recipients": len(by_email), "sent": sent}
