"""Saving or deleting a calendar row makes every process read the table again."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from cases import holidays

from .models import CalendarDay, CalendarYear


@receiver([post_save, post_delete], sender=CalendarDay, dispatch_uid="calendar_day_changed")
@receiver([post_save, post_delete], sender=CalendarYear, dispatch_uid="calendar_year_changed")
def calendar_changed(sender, **kwargs):
    # Now, for this process; and again after the commit, so no process keeps a table it
    # read while the transaction was still open.
    holidays.invalidate()
    transaction.on_commit(holidays.invalidate)
