"""Weekly reminders (督办函/提醒函): who gets which items, and building and sending the e-mails.

The week's job has two halves.

* **Planning** (`plan_week`) decides, for every recipient, which items to remind them of, and
  records one `Reminder` row per recipient, week and kind with its items — all in one
  transaction, so a week is planned completely or not at all. It streams the items in
  chunks, ordered by unit (or by person), and holds one unit's items at a time: memory grows
  with the number of recipients, never with the number of items.
* **Delivery** (`deliver`) sends one planned reminder: it *claims* the row with a conditional
  update, renders and sends the mail, and only then marks it sent. A failed send is
  recorded as failed with the error and never as sent.

Who gets what:

* **Unit digest** — each responsible unit's digest mailbox and each of its staff (members
  who are not supervisors) get one e-mail listing the unit's items that are overdue, due
  within `REMINDER_DUE_SOON_DAYS`, or lagging (no progress for `REMINDER_LAGGING_DAYS`).
  A unit's items are those it leads or supports, sub-units included: the same scope
  `Measure.objects.restrict()` gives its staff. Someone who works for several units gets
  one e-mail covering all of them.
* **Escalation (督办)** — items overdue for `REMINDER_ESCALATE_AFTER_DAYS` or more also go to
  the item's lead leader and to the head of its lead unit.
* **Supervisor summary** — every supervisor gets one summary per unit: ongoing, overdue,
  escalated and the longest overdue, with a link to the dashboard.

Nobody with nothing to report gets anything.
"""

from __future__ import annotations

import datetime
import heapq
import itertools
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Membership, Unit, User

from .models import Measure, ProgressUpdate, Reminder, overdue_q, waits_on_time_q
from .states import State

logger = logging.getLogger(__name__)

# Rows fetched per round trip while streaming, and rows written per INSERT.
CHUNK_SIZE = 2000
# Planning writes new reminders once this many are pending, or this many item links.
FLUSH_RECIPIENTS = 500
FLUSH_LINKS = 10_000
# A level outranks those before it; a reminder carries the highest level among its items.
LEVEL_RANK = {
    Reminder.Level.DUE_SOON: 1,
    Reminder.Level.LAGGING: 2,
    Reminder.Level.OVERDUE: 3,
    Reminder.Level.ESCALATED: 4,
    Reminder.Level.SUMMARY: 0,
}
SUPERVISOR_PERM = "cases.view_all_measures"
# with_perm needs the backend named once axes sits in AUTHENTICATION_BACKENDS as well.
PERMISSION_BACKEND = "django.contrib.auth.backends.ModelBackend"
DEFERRED_TASK_PREFIX = "整改提醒顺延"
WEEKLY_TASK = "cases.tasks.run_weekly_reminders"


@dataclass(frozen=True)
class Thresholds:
    """The reminder levels, in days (settings REMINDER_*)."""

    due_soon_days: int
    lagging_days: int
    escalate_after_days: int

    @classmethod
    def from_settings(cls) -> Thresholds:
        return cls(
            due_soon_days=settings.REMINDER_DUE_SOON_DAYS,
            lagging_days=settings.REMINDER_LAGGING_DAYS,
            escalate_after_days=settings.REMINDER_ESCALATE_AFTER_DAYS,
        )


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of `day`'s week: a reminder's `period`."""
    return day - datetime.timedelta(days=day.weekday())


# --- Selection: which items, at which level -------------------------------------------


def reportable(queryset, *, on: datetime.date, thresholds: Thresholds):
    """Ongoing items that are overdue, due soon, or lagging on `on`."""
    due_by = on + datetime.timedelta(days=thresholds.due_soon_days)
    # An item waiting for sign-off asked for on time is the supervisors' lag, not the unit's.
    return (queryset.ongoing().filter(deadline__lte=due_by) | queryset.lagging(thresholds.lagging_days, on=on)) \
        .exclude(waits_on_time_q())


def escalated(queryset, *, on: datetime.date, thresholds: Thresholds):
    """Items overdue for at least `escalate_after_days` on `on` (督办)."""
    return queryset.overdue(on).filter(deadline__lte=on - datetime.timedelta(days=thresholds.escalate_after_days))


def item_level(
    *, deadline: datetime.date | None, last_activity: datetime.datetime | None, on: datetime.date,
    thresholds: Thresholds,
) -> str | None:
    """The level of one ongoing item on `on`, or None if it needs no reminder.

    The same rules as `reportable` and `escalated`, for one row already in memory.
    """
    if deadline is not None and deadline < on:
        overdue_days = (on - deadline).days
        return Reminder.Level.ESCALATED if overdue_days >= thresholds.escalate_after_days else Reminder.Level.OVERDUE
    cutoff = on - datetime.timedelta(days=thresholds.lagging_days)
    if last_activity is not None and timezone.localdate(last_activity) < cutoff:
        return Reminder.Level.LAGGING
    if deadline is not None and deadline <= on + datetime.timedelta(days=thresholds.due_soon_days):
        return Reminder.Level.DUE_SOON
    return None


# --- Planning ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    email: str
    user_id: int | None = None
    unit_id: int | None = None


@dataclass
class PlannedReminder:
    """One recipient's reminder for the week, as planned (and, unless a dry run, recorded)."""

    kind: str
    email: str
    user_id: int | None
    unit_id: int | None
    level: str | None = None
    item_count: int = 0
    reminder_id: int | None = None
    # Only a dry run keeps the ids, to count each item once; a real run lets the database do it.
    measure_ids: set[int] = field(default_factory=set)

    def raise_level(self, level: str) -> None:
        if self.level is None or LEVEL_RANK[level] > LEVEL_RANK[self.level]:
            self.level = level


@dataclass
class WeekPlan:
    """The outcome of planning one week: what is new, and what was already there."""

    on: datetime.date
    period: datetime.date
    dry_run: bool
    planned: list[PlannedReminder]
    already_recorded: int

    @property
    def reminder_ids(self) -> list[int]:
        return [p.reminder_id for p in self.planned if p.reminder_id]


class _Recorder:
    """Collects the reminders of a week: as Reminder rows, or only in memory for a dry run.

    Recipients already recorded for the week — by an earlier run, or by a run racing this one
    (the unique constraint answers for it) — are left alone: that is what makes a second run
    of the same week send nothing new.

    Rows are written in batches: new reminders wait in memory until `FLUSH_RECIPIENTS` of
    them (or `FLUSH_LINKS` item links) are pending, then go in with one bulk INSERT, followed
    by their item links in bulk. A recipient's items can arrive from several units far apart
    in the stream, so links keep being added to a reminder after its row is written. Memory
    stays bounded by the batch, and the number of queries grows with batches, not recipients.
    """

    def __init__(self, *, period: datetime.date, dry_run: bool):
        self.period = period
        self.dry_run = dry_run
        # The explicit pre-read: who already has this week's reminder (an earlier run).
        self.taken = set(
            Reminder.objects.filter(period=period).values_list("kind", "recipient_email").iterator(CHUNK_SIZE)
        )
        self.already_recorded: set[tuple[str, str]] = set()
        self.planned: dict[tuple[str, str], PlannedReminder] = {}
        self._through = Reminder.measures.through
        self._unwritten: list[PlannedReminder] = []  # planned, row not inserted yet
        self._links: dict[tuple[str, str], set[int]] = {}  # item ids not linked yet, per reminder
        self._link_count = 0

    def add(self, kind: str, recipient: Recipient, items: list[tuple[int, str]], *, item_count: int = 0) -> None:
        if not items and kind != Reminder.Kind.SUPERVISOR_SUMMARY:
            return  # nothing to report: nothing is sent
        key = (kind, recipient.email)
        if key in self.taken:
            self.already_recorded.add(key)
            return
        entry = self.planned.get(key)
        if entry is None:
            entry = PlannedReminder(kind=kind, email=recipient.email, user_id=recipient.user_id,
                                    unit_id=recipient.unit_id, item_count=item_count)
            entry.raise_level(Reminder.Level.SUMMARY if kind == Reminder.Kind.SUPERVISOR_SUMMARY
                              else items[0][1])
            self.planned[key] = entry
            if not self.dry_run:
                self._unwritten.append(entry)
        for _, level in items:
            entry.raise_level(level)
        if self.dry_run:
            entry.measure_ids.update(pk for pk, _ in items)
            return
        if items:
            pending = self._links.setdefault(key, set())
            before = len(pending)
            pending.update(pk for pk, _ in items)
            self._link_count += len(pending) - before
        if len(self._unwritten) >= FLUSH_RECIPIENTS or self._link_count >= FLUSH_LINKS:
            self._flush()

    def _flush(self) -> None:
        """Write the pending reminders, then the pending item links (duplicates ignored)."""
        if self._unwritten:
            self._insert(self._unwritten)
            self._unwritten = []
        links = (
            (entry.reminder_id, pk)
            for key, measure_ids in self._links.items()
            if (entry := self.planned.get(key)) is not None  # None: another run recorded this recipient first
            for pk in measure_ids
        )
        # Model instances are built a batch at a time: the buffer holds only ids.
        while batch := list(itertools.islice(links, CHUNK_SIZE)):
            self._through.objects.bulk_create(
                [self._through(reminder_id=reminder_id, measure_id=pk) for reminder_id, pk in batch],
                batch_size=CHUNK_SIZE, ignore_conflicts=True,
            )
        self._links = {}
        self._link_count = 0

    def _insert(self, entries: list[PlannedReminder]) -> None:
        """Claim the (recipient, week, kind) slots of `entries` with one bulk INSERT.

        No `ignore_conflicts`: with it, a row written by a racing run could not be told from
        one of ours. The pre-read left out the recipients recorded before this run started;
        if a run racing this one recorded some since, the batch fails as a whole, is rolled
        back to its savepoint, and is claimed again row by row, exactly as without batching.
        """
        rows = [
            Reminder(kind=e.kind, level=e.level, period=self.period, recipient_email=e.email,
                     recipient_id=e.user_id, unit_id=e.unit_id, item_count=e.item_count)
            for e in entries
        ]
        try:
            with transaction.atomic():
                Reminder.objects.bulk_create(rows, batch_size=FLUSH_RECIPIENTS)
        except IntegrityError:
            for entry in entries:
                if not self._create(entry):
                    self._reject(entry)
            return
        if any(row.pk is None for row in rows):
            # A backend that does not return primary keys from a bulk INSERT: read them back.
            # Every (period, kind, e-mail) slot written here is ours: the INSERT claimed it.
            self._read_ids(entries)
        else:
            for entry, row in zip(entries, rows, strict=True):
                entry.reminder_id = row.pk

    def _read_ids(self, entries: list[PlannedReminder]) -> None:
        by_key = {(e.kind, e.email): e for e in entries}
        for kind in {e.kind for e in entries}:
            emails = [e.email for e in entries if e.kind == kind]
            for start in range(0, len(emails), FLUSH_RECIPIENTS):
                found = Reminder.objects.filter(
                    period=self.period, kind=kind, recipient_email__in=emails[start:start + FLUSH_RECIPIENTS],
                ).values_list("recipient_email", "pk")
                for email, pk in found:
                    by_key[(kind, email)].reminder_id = pk

    def _create(self, entry: PlannedReminder) -> bool:
        """Claim one (recipient, week, kind) slot; False if another run holds it already."""
        try:
            with transaction.atomic():
                reminder = Reminder.objects.create(
                    kind=entry.kind, level=entry.level, period=self.period, recipient_email=entry.email,
                    recipient_id=entry.user_id, unit_id=entry.unit_id, item_count=entry.item_count,
                )
        except IntegrityError:
            return False
        entry.reminder_id = reminder.pk
        return True

    def _reject(self, entry: PlannedReminder) -> None:
        """Another run recorded this recipient first: it is theirs, and counted as already recorded."""
        key = (entry.kind, entry.email)
        del self.planned[key]
        self._links.pop(key, None)
        self.taken.add(key)
        self.already_recorded.add(key)

    def finish(self) -> list[PlannedReminder]:
        """Store each reminder's item count and level; return them in a stable order."""
        if not self.dry_run:
            self._flush()
        entries = sorted(self.planned.values(), key=lambda e: (e.kind, e.email))
        if self.dry_run:
            for entry in entries:
                if entry.kind != Reminder.Kind.SUPERVISOR_SUMMARY:
                    entry.item_count = len(entry.measure_ids)
                entry.measure_ids = set()
            return entries
        by_id = {e.reminder_id: e for e in entries}
        ids = list(by_id)
        linked = (self._through.objects.filter(reminder_id=OuterRef("pk")).values("reminder_id")
                  .annotate(n=Count("pk")).values("n"))
        for start in range(0, len(ids), FLUSH_RECIPIENTS):
            batch = ids[start:start + FLUSH_RECIPIENTS]
            counts = (self._through.objects.filter(reminder_id__in=batch).values("reminder_id")
                      .annotate(n=Count("pk")).values_list("reminder_id", "n"))
            for reminder_id, n in counts:
                by_id[reminder_id].item_count = n
            # A few set-based UPDATEs (the count, then one per level) rather than a CASE per row.
            (Reminder.objects.filter(pk__in=batch).exclude(kind=Reminder.Kind.SUPERVISOR_SUMMARY)
             .update(item_count=Coalesce(Subquery(linked), 0)))
            by_level: dict[str, list[int]] = {}
            for pk in batch:
                by_level.setdefault(by_id[pk].level, []).append(pk)
            for level, pks in by_level.items():
                Reminder.objects.filter(pk__in=pks).update(level=level)
        return entries


def plan_week(
    *, on: datetime.date, period: datetime.date | None = None, dry_run: bool = False,
    thresholds: Thresholds | None = None,
) -> WeekPlan:
    """Decide and record (unless `dry_run`) every reminder of the week containing `period`.

    `on` is the day the reminders speak of ("overdue by N days as of `on`"); `period` defaults
    to the Monday of `on`'s week. Nothing is sent here: `cases.tasks` sends the recorded rows.
    """
    thresholds = thresholds or Thresholds.from_settings()
    period = week_start(period or on)
    with transaction.atomic():
        recorder = _Recorder(period=period, dry_run=dry_run)
        _plan_unit_digests(recorder, on=on, thresholds=thresholds)
        _plan_escalations(recorder, on=on, thresholds=thresholds)
        _plan_supervisor_summaries(recorder, on=on, thresholds=thresholds)
        planned = recorder.finish()
        if dry_run:
            transaction.set_rollback(True)
    return WeekPlan(on=on, period=period, dry_run=dry_run, planned=planned,
                    already_recorded=len(recorder.already_recorded))


def _grouped(streams: Iterable[Iterator[tuple]]) -> Iterator[tuple[int, list[tuple]]]:
    """Merge streams each ordered by their first column and group rows by it."""
    merged = heapq.merge(*streams, key=lambda row: row[0])
    for key, rows in itertools.groupby(merged, key=lambda row: row[0]):
        yield key, list(rows)


def _levelled(rows: list[tuple], *, on, thresholds) -> list[tuple[int, str]]:
    """(measure id, level) for rows (key, id, deadline, last_progress_at, created_at), one per id."""
    seen: dict[int, str] = {}
    for _, pk, deadline, last_progress_at, created_at in rows:
        if pk not in seen:
            level = item_level(deadline=deadline, last_activity=last_progress_at or created_at, on=on,
                               thresholds=thresholds)
            if level:
                seen[pk] = level
    return list(seen.items())


_ROW = ("deadline", "last_progress_at", "created_at")


def _unit_streams(items):
    """(unit id, measure id, …) for each item's lead unit and each supporting unit, by unit."""
    lead = items.order_by("lead_unit_id", "pk").values_list("lead_unit_id", "pk", *_ROW)
    supporting = (
        Measure.supporting_units.through.objects.filter(measure__in=items.values("pk"))
        .order_by("unit_id", "measure_id")
        .values_list("unit_id", "measure_id", *(f"measure__{f}" for f in _ROW))
    )
    return [lead.iterator(CHUNK_SIZE), supporting.iterator(CHUNK_SIZE)]


def _supervisors():
    """People who follow whole organisations (整改办, leaders): they get the supervisor summary of
    their organisations, not the digests of the units they may also belong to."""
    return User.objects.filter(is_active=True, organisation_memberships__isnull=False).distinct()


def _supervisor_ids() -> set[int]:
    return set(_supervisors().values_list("pk", flat=True))


def _unit_recipients() -> tuple[dict[int, list[int]], dict[int, list[Recipient]]]:
    """Per unit: its path ids and who reads its own items (its mailbox and its non-supervisor staff).

    Loaded once per run: it grows with units and people, not with items.
    """
    supervisors = _supervisor_ids()
    own: dict[int, list[Recipient]] = {}
    paths: dict[int, list[int]] = {}
    for pk, path, email, active in Unit.objects.values_list("pk", "path", "email", "is_active").iterator(CHUNK_SIZE):
        paths[pk] = [int(p) for p in path.strip("/").split("/") if p]
        own[pk] = [Recipient(email=email.strip().lower(), unit_id=pk)] if active and email.strip() else []
    memberships = (
        Membership.objects.filter(user__is_active=True).exclude(user__email="")
        .order_by("unit_id", "user_id").values_list("unit_id", "user_id", "user__email")
    )
    for unit_id, user_id, email in memberships.iterator(CHUNK_SIZE):
        if user_id not in supervisors:
            own.setdefault(unit_id, []).append(Recipient(email=email.strip().lower(), user_id=user_id, unit_id=unit_id))
    return paths, own


def _plan_unit_digests(recorder: _Recorder, *, on, thresholds) -> None:
    paths, own = _unit_recipients()
    items = reportable(Measure.objects.all(), on=on, thresholds=thresholds)
    for unit_id, rows in _grouped(_unit_streams(items)):
        levelled = _levelled(rows, on=on, thresholds=thresholds)
        if not levelled:
            continue
        # Staff and mailboxes of the unit and of every unit above it read these items.
        recipients: dict[str, Recipient] = {}
        for ancestor in paths.get(unit_id) or [unit_id]:
            for recipient in own.get(ancestor, []):
                recipients.setdefault(recipient.email, recipient)
        for recipient in recipients.values():
            recorder.add(Reminder.Kind.UNIT_DIGEST, recipient, levelled)


def _plan_escalations(recorder: _Recorder, *, on, thresholds) -> None:
    items = escalated(Measure.objects.all(), on=on, thresholds=thresholds)
    by_leader = items.filter(lead_leader__isnull=False).order_by("lead_leader_id", "pk").values_list(
        "lead_leader_id", "pk", *_ROW)
    by_head = items.filter(lead_unit__head__isnull=False).order_by("lead_unit__head_id", "pk").values_list(
        "lead_unit__head_id", "pk", *_ROW)
    people = dict(
        User.objects.filter(is_active=True).exclude(email="")
        .filter(Q(pk__in=items.values("lead_leader_id")) | Q(pk__in=items.values("lead_unit__head_id")))
        .values_list("pk", "email")
    )
    for user_id, rows in _grouped([by_leader.iterator(CHUNK_SIZE), by_head.iterator(CHUNK_SIZE)]):
        if user_id not in people:
            logger.warning("Escalation for user %s not sent: no e-mail address or inactive", user_id)
            continue
        levelled = [(pk, Reminder.Level.ESCALATED) for pk, _ in _levelled(rows, on=on, thresholds=thresholds)]
        recorder.add(Reminder.Kind.ESCALATION, Recipient(email=people[user_id].strip().lower(), user_id=user_id),
                     levelled)


def _plan_supervisor_summaries(recorder: _Recorder, *, on, thresholds) -> None:
    """One summary per supervisor, of the organisations they follow and nothing else."""
    if not reportable(Measure.objects.all(), on=on, thresholds=thresholds).exists():
        return
    supervisors = User.objects.with_perm(SUPERVISOR_PERM, include_superusers=False, backend=PERMISSION_BACKEND) \
        .filter(pk__in=_supervisors().values("pk")).exclude(email="").order_by("pk")
    for supervisor in supervisors.iterator(CHUNK_SIZE):
        scoped = Measure.objects.restrict(supervisor)
        if not reportable(scoped, on=on, thresholds=thresholds).exists():
            continue
        recorder.add(Reminder.Kind.SUPERVISOR_SUMMARY,
                     Recipient(email=supervisor.email.strip().lower(), user_id=supervisor.pk), [],
                     item_count=scoped.overdue(on).count())


# --- Building the e-mails ----------------------------------------------------------------


def render_email(name: str, context: dict) -> tuple[str, str, str]:
    """Subject, plain text and HTML of `name` from templates/emails/<name>-{subject,body-text,body-html}."""
    subject = render_to_string(f"emails/{name}-subject.txt", context)
    subject = re.sub(r"\s+", " ", subject).strip()
    text = render_to_string(f"emails/{name}-body-text.txt", context)
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    html = render_to_string(f"emails/{name}-body-html.html", context)
    return subject, text, html


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


@dataclass
class ItemRow:
    measure: Measure
    level: str
    days_overdue: int
    url: str
    last_note: str
    last_note_at: datetime.datetime | None
    idle_days: int
    days_left: int | None

    @property
    def escalated(self) -> bool:
        return self.level == Reminder.Level.ESCALATED

    @property
    def level_label(self) -> str:
        return Reminder.Level(self.level).label


def item_rows(reminder: Reminder, *, on: datetime.date, thresholds: Thresholds) -> list[tuple[object, list[ItemRow]]]:
    """The reminder's items grouped by case, ordered by deadline, loaded in one query."""
    latest_note = ProgressUpdate.objects.filter(measure=OuterRef("pk")).exclude(note="").order_by("-created_at", "-pk")
    measures = (
        reminder.measures.select_related("case", "lead_unit", "lead_leader")
        .annotate(last_note=Subquery(latest_note.values("note")[:1]),
                  last_note_at=Subquery(latest_note.values("created_at")[:1]))
        .order_by("case__title", "case_id", F("deadline").asc(nulls_last=True), "pk")
    )
    rows = []
    for measure in measures:
        level = item_level(deadline=measure.deadline, last_activity=measure.last_progress_at or measure.created_at,
                           on=on, thresholds=thresholds)
        if measure.state == State.COMPLETED or level is None:
            continue  # completed or moved since the week was planned: nothing to urge any more
        if reminder.kind == Reminder.Kind.ESCALATION:
            level = Reminder.Level.ESCALATED
        last_activity = measure.last_progress_at or measure.created_at
        rows.append(ItemRow(
            measure=measure, level=level, days_overdue=measure.days_overdue(on),
            url=absolute(reverse("admin:cases_measure_change", args=[measure.pk])),
            last_note=measure.last_note or "", last_note_at=measure.last_note_at,
            idle_days=(on - timezone.localdate(last_activity)).days,
            days_left=(measure.deadline - on).days if measure.deadline else None,
        ))
    return [(case, list(group)) for case, group in itertools.groupby(rows, key=lambda r: r.measure.case)]


def unit_summary_rows(*, on: datetime.date, thresholds: Thresholds, user=None) -> list[dict]:
    """Per lead unit with ongoing items: ongoing, overdue, escalated, due soon, longest overdue (days),
    over the measures `user` may see (every measure when no user is given).

    Supervisors of the same organisations see the same table, and at province scale it is an
    aggregate over many measures: computed once per scope and shared through the cache for an hour.
    """
    import hashlib

    from django.core.cache import cache

    measures = Measure.objects.all() if user is None else Measure.objects.restrict(user)
    scope = "all" if user is None or user.scope.everything else hashlib.sha1(
        ",".join(map(str, sorted(user.scope.organisation_ids | {-u for u in user.scope.unit_ids}))).encode()
    ).hexdigest()[:16]
    key = (f"reminders:unit-summary:{on.isoformat()}:{thresholds.due_soon_days}:{thresholds.escalate_after_days}:"
           f"{scope}")
    return cache.get_or_set(key, lambda: _unit_summary_rows(measures, on=on, thresholds=thresholds), 3600)


def _unit_summary_rows(measures, *, on: datetime.date, thresholds: Thresholds) -> list[dict]:
    escalate_before = on - datetime.timedelta(days=thresholds.escalate_after_days)
    due_by = on + datetime.timedelta(days=thresholds.due_soon_days)
    ongoing = ~Q(state=State.COMPLETED)
    rows = (
        measures.counts_by_unit(on)
        .annotate(
            escalated=Count("pk", filter=overdue_q(on) & Q(deadline__lte=escalate_before)),
            due_soon=Count("pk", filter=ongoing & Q(deadline__gte=on, deadline__lte=due_by)),
        )
        .filter(ongoing__gt=0)
    )
    result = []
    for row in rows:
        oldest = row["oldest_overdue_deadline"]
        row["longest_overdue_days"] = (on - oldest).days if oldest else 0
        result.append(row)
    result.sort(key=lambda r: (-r["overdue"], -r["longest_overdue_days"], r["lead_unit__name"]))
    return result


def build_message(reminder: Reminder, *, on: datetime.date, thresholds: Thresholds | None = None):
    """The e-mail for one reminder, or None if nothing is left to report (all completed since)."""
    thresholds = thresholds or Thresholds.from_settings()
    context = {
        "reminder": reminder,
        "on": on,
        "period": reminder.period,
        "thresholds": thresholds,
        "recipient_name": (reminder.recipient.name or reminder.recipient.username) if reminder.recipient
        else (reminder.unit.name if reminder.unit else reminder.recipient_email),
        "unit": reminder.unit,
        "site_url": settings.SITE_URL,
        "dashboard_url": absolute("/dashboard/"),
        "reminders_url": absolute(reverse("admin:cases_reminder_changelist")),
    }
    with translation.override(settings.LANGUAGE_CODE):
        if reminder.kind == Reminder.Kind.SUPERVISOR_SUMMARY:
            rows = unit_summary_rows(on=on, thresholds=thresholds, user=reminder.recipient)
            if not rows:
                return None
            context.update(units=rows, totals={
                key: sum(r[key] for r in rows) for key in ("ongoing", "overdue", "escalated", "due_soon")
            })
            name = "supervisor_summary"
        else:
            cases = item_rows(reminder, on=on, thresholds=thresholds)
            if not cases:
                return None
            flat = [row for _, group in cases for row in group]
            counts = {level: sum(1 for r in flat if r.level == level) for level in Reminder.Level.values}
            context.update(cases=cases, item_total=len(flat), counts=counts,
                           overdue_total=counts[Reminder.Level.OVERDUE] + counts[Reminder.Level.ESCALATED])
            name = "escalation" if reminder.kind == Reminder.Kind.ESCALATION else "unit_digest"
        subject, text, html = render_email(name, context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[reminder.recipient_email])
    message.attach_alternative(html, "text/html")
    return message


# --- Sending -------------------------------------------------------------------------------


class NothingToReport(Exception):
    """Every item of a planned reminder was completed before it went out."""


def deliver(*, reminder_id: int, on: datetime.date) -> bool:
    """Claim one reminder, send it, then mark it sent. True if sent now, False if not needed.

    The claim is a conditional UPDATE on a row not yet sent: it holds the row lock until this
    transaction ends, so a second worker delivering the same reminder waits, then finds it
    sent and does nothing. A failure is recorded (status failed, the error) and re-raised for
    the task to retry; the row is marked sent only after the mail server took the message.
    """
    failure: Exception | None = None
    with transaction.atomic():
        claimed = (Reminder.objects.filter(pk=reminder_id).exclude(status=Reminder.Status.SENT)
                   .update(attempts=F("attempts") + 1))
        if not claimed:
            return False
        reminder = Reminder.objects.select_related("recipient", "unit").get(pk=reminder_id)
        try:
            message = build_message(reminder, on=on)
            if message is None:
                raise NothingToReport("every item was completed or rescheduled before sending")
            message.send()
        except NothingToReport as exc:
            # Not an error worth retrying, and not "sent" either: record why nothing went out.
            Reminder.objects.filter(pk=reminder_id).update(status=Reminder.Status.FAILED, error=str(exc))
            return False
        except Exception as exc:  # recorded, then re-raised for the task to retry
            failure = exc
            Reminder.objects.filter(pk=reminder_id).update(
                status=Reminder.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000],
            )
        else:
            Reminder.objects.filter(pk=reminder_id).update(
                status=Reminder.Status.SENT, sent_at=timezone.now(), error="", subject=message.subject[:255],
            )
            return True
    logger.warning("Reminder %s to %s failed: %s", reminder_id, reminder.recipient_email, failure)
    raise failure


def stranded(*, on: datetime.date, older_than: datetime.timedelta = datetime.timedelta(minutes=10)) -> list[int]:
    """This week's reminders still pending well after they were planned: their send task was
    never queued (the broker was down) or was lost. Sending them again is safe: delivery claims
    the row, so a reminder is never sent twice."""
    return list(
        Reminder.objects.filter(period=week_start(on), status=Reminder.Status.PENDING,
                                created_at__lt=timezone.now() - older_than)
        .order_by("pk").values_list("pk", flat=True)
    )


def retryable(*, period: datetime.date) -> list[int]:
    """Reminders of the week that were planned but never sent (failed, or left pending)."""
    return list(
        Reminder.objects.filter(period=week_start(period)).exclude(status=Reminder.Status.SENT)
        .order_by("pk").values_list("pk", flat=True)
    )


# --- Holidays and the schedule --------------------------------------------------------------


def defer_weekly_run(*, scheduled_on: datetime.date, run_at: datetime.datetime):
    """Schedule the week's run once at `run_at` (a one-off task, visible in the admin).

    Keyed on the day it was scheduled for, so a beat that fires twice defers once.
    """
    import json

    from django_celery_beat.models import ClockedSchedule, PeriodicTask

    clocked, _ = ClockedSchedule.objects.get_or_create(clocked_time=run_at)
    task, _ = PeriodicTask.objects.update_or_create(
        name=f"{DEFERRED_TASK_PREFIX} {scheduled_on:%Y-%m-%d}",
        defaults={
            "task": WEEKLY_TASK, "clocked": clocked, "one_off": True, "enabled": True,
            "kwargs": json.dumps({"deferred_from": scheduled_on.isoformat()}),
            "description": (f"{scheduled_on:%Y-%m-%d} 为法定节假日,本周整改提醒顺延至 "
                            f"{timezone.localtime(run_at):%Y-%m-%d %H:%M} 发送。"),
        },
    )
    return task
