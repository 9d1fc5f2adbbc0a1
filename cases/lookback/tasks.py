"""The daily look-back job (django-celery-beat task 每日回头看, editable in the admin)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from cases import holidays

from . import reminders, services


@shared_task
def run_daily_lookbacks() -> dict:
    """Plan the look-backs of new sign-offs; on working days, send the week's reminders
    (each address once a week; a failed one is retried by the next run)."""
    today = timezone.localdate()
    plan = services.plan_lookbacks()
    result = {"created": plan.created, "rescheduled": plan.rescheduled, "dropped": plan.dropped}
    if holidays.is_working_day(today):
        result.update(reminders.send_week(on=today))
    return result
