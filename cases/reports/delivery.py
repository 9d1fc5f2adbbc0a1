"""Sending the periodic reports: every active subscription whose period has ended goes to its
leaders (by mail with the .docx, and on their own group bots and SMS channels) and its other
addresses, once per recipient and period. Each is a `ReportDelivery` row recorded and claimed
before it is sent, through `cases.delivery.outbox`; a failed one is retried by the next run.

The figures are those of the subscription's scope as a whole (an organisation and those below
it, or one case): the leaders chosen for it read that organisation's report.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from cases import holidays
from cases.delivery import Attachment, Message, outbox
from cases.models import NotificationChannel
from cases.reminders import absolute, render_email

from . import document, periods
from .models import ReportDelivery, ReportSubscription

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def due_period(subscription: ReportSubscription, today: datetime.date) -> periods.Period:
    return periods.last_complete(subscription.kind, today)


def slots(subscription: ReportSubscription, period: periods.Period) -> list[outbox.Slot]:
    """Each address of the subscription, and each active channel of its leaders."""
    keys = {"subscription": subscription, "period_start": period.start}
    found = [outbox.Slot.for_mail(email, **keys) for email in subscription.addresses()]
    leaders = {u.pk: u.email for u in subscription.recipients.filter(is_active=True)}
    channels = NotificationChannel.objects.filter(user_id__in=list(leaders), is_active=True).order_by("pk")
    found += [outbox.Slot.for_channel(pk, email=leaders[user_id], **keys)
              for pk, user_id in channels.values_list("pk", "user_id")]
    return found


def report_message(subscription: ReportSubscription, period: periods.Period, *, today: datetime.date) -> Message:
    from .views import build_report

    report = build_report(None, organisation=subscription.organisation, case=subscription.case, period=period,
                          on=today)
    scope = f"case={subscription.case_id}" if subscription.case_id else f"organisation={subscription.organisation_id}"
    report_url = absolute(reverse("cases:report")) + f"?{scope}&kind={period.kind}&start={period.start.isoformat()}"
    context = {"report": report, "subscription": subscription, "site_url": settings.SITE_URL,
               "report_url": report_url}
    with translation.override(settings.LANGUAGE_CODE):
        subject, text, html = render_email("report", context)
        summary = render_to_string("emails/report-summary.txt", context).strip()
    return Message(subject=subject, text=text, html=html, summary=summary, sms=subject, url=report_url,
                   attachments=(Attachment(document.filename(report), document.report_docx(report),
                                                          DOCX),))


def send_subscription(subscription: ReportSubscription, *, today: datetime.date) -> int:
    """Send the report of the last ended period to each recipient not yet served; returns how many."""
    period = due_period(subscription, today)
    ids = outbox.reserve(ReportDelivery, slots(subscription, period))
    if not ids:
        return 0
    built: list[Message] = []

    def message_for(row: ReportDelivery) -> Message:
        if not built:  # the report and its .docx are built once, for the first recipient that needs them
            built.append(report_message(subscription, period, today=today))
        return built[0]

    return outbox.deliver_all(ReportDelivery, ids, message_for=message_for)


def send_due(*, today: datetime.date) -> dict:
    """Every active subscription's report for its last ended period, on working days only."""
    if not holidays.is_working_day(today):
        return {"skipped": "holiday"}
    sent = 0
    for subscription in ReportSubscription.objects.filter(is_active=True).select_related("organisation", "case"):
        sent += send_subscription(subscription, today=today)
    return {"sent": sent}
