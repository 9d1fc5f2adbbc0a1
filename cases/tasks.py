"""Celery tasks: thin entry points that take ids and dates and call `cases.reminders`.

The weekly schedule (django-celery-beat, editable in the admin) runs `run_weekly_reminders`.
On a public holiday it does not run but schedules itself once for the next working day at
the same time. Every run counts for the calendar week it runs in, so when a long holiday
pushes two scheduled runs onto the same working day (Spring Festival can cover two Mondays),
the second finds the week done and sends nothing new.
"""

from __future__ import annotations

import datetime
import logging
from functools import partial

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from . import holidays, reminders
from .delivery import RETRYABLE

logger = logging.getLogger(__name__)

# Back-off of a failed send: 1, 2, 4, 8, 16 minutes (with jitter), then it stays failed.
SEND_MAX_RETRIES = 5
SEND_BACKOFF_SECONDS = 60
SEND_BACKOFF_MAX_SECONDS = 60 * 60


def run_reminders(*, on: datetime.date) -> reminders.WeekPlan:
    """Plan the week's reminders and queue one send per new reminder once the plan is committed."""
    plan = reminders.plan_week(on=on)
    transaction.on_commit(partial(dispatch, plan.reminder_ids, on))
    return plan


# Reminders sent by one task: a province's week is 5,000 mails, and a task each cost its queueing
# in the planning's commit, a message, an acknowledgement and a connection check per mail.
SEND_BATCH = 20


def dispatch(reminder_ids: list[int], on: datetime.date) -> None:
    """Queue the sends, `SEND_BATCH` reminders a task; a batch that cannot be queued does not stop
    the others (their reminders stay pending, for the stranded-reminder sweep)."""
    for start in range(0, len(reminder_ids), SEND_BATCH):
        batch = reminder_ids[start:start + SEND_BATCH]
        try:
            send_reminders.delay(batch, on.isoformat())
        except Exception:
            # With eager tasks (tests, or CELERY_TASK_ALWAYS_EAGER) a send that failed every
            # retry raises here; its row already says failed and why.
            logger.exception("Reminders %s could not be sent", batch)


@shared_task
def send_reminders(reminder_ids: list[int], on: str) -> int:
    """Send recorded reminders, claimed together and sent one after another; the number sent now.
    A reminder whose send met a temporary failure is handed to `send_reminder`, which retries it
    alone with its back-off (as its first retry); a permanent failure is recorded and the others go on."""
    sent = 0
    for reminder_id, outcome in reminders.deliver_many(reminder_ids=reminder_ids, on=datetime.date.fromisoformat(on)):
        if not isinstance(outcome, Exception):
            sent += outcome
        elif isinstance(outcome, RETRYABLE):
            try:
                send_reminder.apply_async((reminder_id, on), countdown=SEND_BACKOFF_SECONDS, retries=1)
            except Exception:  # eager tasks: the retries ran here and failed; the row says why
                logger.exception("Reminder %s could not be sent", reminder_id)
        else:
            logger.error("Reminder %s could not be sent", reminder_id, exc_info=outcome)
    return sent


@shared_task
def run_weekly_reminders(deferred_from: str | None = None) -> dict:
    """The scheduled weekly job. `deferred_from` is set on a run moved past a holiday: it runs as is."""
    now = timezone.localtime()
    today = now.date()
    if deferred_from is None and not holidays.is_working_day(today):
        run_on = holidays.next_working_day(today)
        run_at = now.replace(year=run_on.year, month=run_on.month, day=run_on.day, second=0, microsecond=0)
        reminders.defer_weekly_run(scheduled_on=today, run_at=run_at)
        logger.info("%s is a public holiday: weekly reminders deferred to %s", today, run_at)
        return {"deferred_to": run_at.isoformat()}
    from .urging import levels

    levels.refresh(on=today)  # the week's reminders speak of today's levels
    plan = run_reminders(on=today)
    return {"period": plan.period.isoformat(), "queued": len(plan.reminder_ids), "already": plan.already_recorded}


@shared_task
def send_stranded_reminders() -> dict:
    """Every half hour: queue this week's reminders that were planned but never queued, e.g.
    because Redis was down when the weekly job ran. Nothing planned is lost."""
    today = timezone.localdate()
    ids = reminders.stranded(on=today)
    dispatch(ids, today)
    return {"queued": len(ids)}


@shared_task(
    bind=True,
    autoretry_for=RETRYABLE,
    retry_backoff=SEND_BACKOFF_SECONDS,
    retry_backoff_max=SEND_BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    max_retries=SEND_MAX_RETRIES,
)
def send_reminder(self, reminder_id: int, on: str) -> bool:
    """Send one recorded reminder over its channel. Temporary failures (SMTP 4xx, network, a bot's
    rate limit) are retried with back-off; permanent ones (a mailbox or webhook that does not
    exist) are recorded failed at once. The sends of all workers together keep to
    DELIVERY_RATE_LIMIT (`cases.delivery.throttle`, a token bucket in Redis): Celery's own
    `rate_limit` would bound each worker apart, not the deployment."""
    return reminders.deliver(reminder_id=reminder_id, on=datetime.date.fromisoformat(on))


@shared_task
def announce_decision(progress_id: int) -> int:
    """Tell the unit at once of a decision on its item (cases.notify), on each of its channels."""
    from . import notify

    return notify.announce(progress_id)


@shared_task(
    autoretry_for=RETRYABLE,
    retry_backoff=SEND_BACKOFF_SECONDS,
    retry_backoff_max=SEND_BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    max_retries=SEND_MAX_RETRIES,
)
def announce_decision_to(progress_id: int, kind: str, key: str) -> None:
    """One target's retry of a decision announcement that met a temporary failure."""
    from . import notify

    notify.announce_to(progress_id, kind, key)


@shared_task
def run_daily_urging() -> dict:
    """Every working day: store each item's level, issue the letters due at their level, and let
    unanswered letters past their reply deadline climb one level."""
    from .urging import letters, levels

    today = timezone.localdate()
    if not holidays.is_working_day(today):
        return {"skipped": today.isoformat()}
    changed = levels.refresh(on=today)
    issued = letters.issue_due(on=today)
    climbed = letters.escalate_overdue(on=today)
    return {"levels_changed": changed, "letters_issued": len(issued), "letters_escalated": len(climbed)}


@shared_task(bind=True, autoretry_for=RETRYABLE, retry_backoff=SEND_BACKOFF_SECONDS,
             retry_backoff_max=SEND_BACKOFF_MAX_SECONDS, retry_jitter=True, max_retries=SEND_MAX_RETRIES)
def send_letter(self, letter_id: int) -> int:
    """Mail one issued letter with its .docx and 签收 link to its recipients, and post it to the
    unit's group bots: each message claimed through `cases.delivery.outbox`, so a retry sends only
    what failed. No Celery `rate_limit`: the deployment-wide DELIVERY_RATE_LIMIT bucket
    (`cases.delivery.throttle`) bounds these sends with every other."""
    from .urging import letters
    from .urging.models import Letter

    return letters.send(Letter.objects.select_related("unit", "organisation", "level").get(pk=letter_id))


@shared_task(name="cases.tasks.refresh_figures")
def refresh_figures() -> dict:
    """Recount every dashboard figure for today and snapshot the week of the day that ended."""
    from . import figures

    done = figures.refresh_all()
    return {"on": done.on.isoformat(), "seconds": round(done.seconds, 1)}
# Tasks of the feature packages, registered with the worker through this module.
from .jobs import tasks as _import_job_tasks  # noqa: E402, F401
from .lookback import tasks as _lookback_tasks  # noqa: E402, F401
from .reports import tasks as _report_tasks  # noqa: E402, F401
