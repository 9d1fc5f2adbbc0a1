"""The report job (django-celery-beat task 周汇总月调度报告, editable in the admin)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from . import delivery


@shared_task
def send_periodic_reports() -> dict:
    """Mail each subscription's report for the week or month that has ended (once per address)."""
    return delivery.send_due(today=timezone.localdate())
