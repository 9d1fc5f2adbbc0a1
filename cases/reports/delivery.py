"""Mailing the periodic reports: every active subscription whose period has ended gets its
.docx, once per address and period (a `ReportDelivery` row, claimed before the mail goes out).

The figures are those of the subscription's scope as a whole (an organisation and those below
it, or one case): the leaders chosen for it read that organisation's report.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from cases import holidays
from cases.reminders import absolute, render_email

from . import document, periods
from .models import ReportDelivery, ReportSubscription

logger = logging.getLogger(__name__)


def due_period(subscription: ReportSubscription, today: datetime.date) -> periods.Period:
    return periods.last_complete(subscription.kind, today)


def _claim(subscription, period, email) -> ReportDelivery | None:
    try:
        with transaction.atomic():
            row, created = ReportDelivery.objects.get_or_create(
                subscription=subscription, period_start=period.start, recipient_email=email)
    except IntegrityError:
        return None
    if created:
        return row
    # A failed send is tried again by a later run; a sent or pending one is someone else's.
    if ReportDelivery.objects.filter(pk=row.pk, status=ReportDelivery.Status.FAILED).update(
            status=ReportDelivery.Status.PENDING):
        return row
    return None


def send_subscription(subscription: ReportSubscription, *, today: datetime.date) -> int:
    """Send the report of the last ended period to each address not yet served; returns how many."""
    from .views import build_report

    period = due_period(subscription, today)
    claimed = [row for email in subscription.addresses() if (row := _claim(subscription, period, email))]
    if not claimed:
        return 0
    report = build_report(None, organisation=subscription.organisation, case=subscription.case, period=period,
                          on=today)
    attachment = document.report_docx(report)
    context = {"report": report, "subscription": subscription, "site_url": settings.SITE_URL,
               "report_url": absolute(reverse("cases:report")) + (
                   f"?case={subscription.case_id}" if subscription.case_id else
                   f"?organisation={subscription.organisation_id}") + f"&kind={period.kind}"
                   f"&start={period.start.isoformat()}"}
    with translation.override(settings.LANGUAGE_CODE):
        subject, text, html = render_email("report", context)
    sent = 0
    for row in claimed:
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [row.recipient_email])
        message.attach_alternative(html, "text/html")
        message.attach(document.filename(report), attachment,
                       "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        try:
            message.send()
        except Exception as exc:  # recorded; the next run tries again
            ReportDelivery.objects.filter(pk=row.pk).update(status=ReportDelivery.Status.FAILED,
                                                            error=f"{type(exc).__name__}: {exc}"[:2000])
            logger.warning("Report %s to %s failed: %s", subscription.pk, row.recipient_email, exc)
            continue
        ReportDelivery.objects.filter(pk=row.pk).update(status=ReportDelivery.Status.SENT, sent_at=timezone.now(),
                                                        error="")
        sent += 1
    return sent


def send_due(*, today: datetime.date) -> dict:
    """Every active subscription's report for its last ended period, on working days only."""
    if not holidays.is_working_day(today):
        return {"skipped": "holiday"}
    sent = 0
    for subscription in ReportSubscription.objects.filter(is_active=True).select_related("organisation", "case"):
        sent += send_subscription(subscription, today=today)
    return {"sent": sent}
