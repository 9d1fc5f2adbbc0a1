"""Weekly reminders (督办函/提醒函): who gets which items, and building and sending the messages.

The package keeps one concern per module:

* `selection` — which items need urging on a day and at which level (pure rules);
* `planning` — `plan_week` records one `Reminder` row per recipient, week and kind with its
  items, in one transaction;
* `rendering` — subject, text and HTML of one reminder from templates compiled once, loading
  only the items the mail shows;
* `summary` — the supervisors' summary, read through the dashboard's selectors;
* `delivery` — one interface (`deliver`) over the channel backends (e-mail, group-bot
  webhooks, SMS): it *claims* a row with a committed conditional update, talks to the server
  with no transaction or lock held, then records the outcome;
* `schedule` — the weekly run moved past public holidays.

Who gets what:

* **Unit digest** — each responsible unit's digest mailbox and each of its staff (members
  who are not supervisors) get one e-mail listing the unit's items that are overdue, due
  within `REMINDER_DUE_SOON_DAYS`, or lagging (no progress for `REMINDER_LAGGING_DAYS`).
  A unit's items are those it leads or supports, sub-units included: the same scope
  `Measure.objects.restrict()` gives its staff. Someone who works for several units gets
  one e-mail covering all of them.
* **Escalation (督办)** — items overdue for `REMINDER_ESCALATE_AFTER_DAYS` or more also go to
  the item's lead leader and to the head of its lead unit.
* **Supervisor summary** — every supervisor gets one summary of what they follow, in the
  dashboard's own figures: the headline, the organisations below theirs ranked worst first
  (or, with none below, the units), the longest-overdue items and links to the full lists
  (`summary`).

Nobody with nothing to report gets anything.
"""

from .delivery import NothingToReport, deliver, deliver_many, retryable, stranded
from .planning import PlannedReminder, Recipient, WeekPlan, plan_week
from .rendering import ItemRow, absolute, build_message, item_rows, render_email
from .schedule import DEFERRED_TASK_PREFIX, WEEKLY_TASK, defer_weekly_run
from .selection import LEVEL_RANK, Thresholds, escalated, item_level, reportable, week_start
from .summary import SupervisorSummary, supervisor_summary

__all__ = [
    "DEFERRED_TASK_PREFIX",
    "LEVEL_RANK",
    "WEEKLY_TASK",
    "ItemRow",
    "NothingToReport",
    "PlannedReminder",
    "Recipient",
    "SupervisorSummary",
    "Thresholds",
    "WeekPlan",
    "absolute",
    "build_message",
    "defer_weekly_run",
    "deliver",
    "deliver_many",
    "escalated",
    "item_level",
    "item_rows",
    "plan_week",
    "render_email",
    "reportable",
    "retryable",
    "stranded",
    "supervisor_summary",
    "week_start",
]
