"""Planning: who gets which items this week, recorded as one `Reminder` row per recipient.

All in one transaction, so a week is planned completely or not at all. Items are streamed in
chunks ordered by unit (or by person) and one unit's items are held at a time: memory grows
with the number of recipients, never with the number of items.
"""

from __future__ import annotations

import datetime
import heapq
import itertools
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from accounts.models import Membership, Unit, User

from ..models import Measure, NotificationChannel, Reminder, ongoing_condition, overdue_condition
from ..urging.models import LadderLevel
from .selection import (
    CHUNK_SIZE,
    LEVEL_RANK,
    PERMISSION_BACKEND,
    SUPERVISOR_PERM,
    LevelRules,
    Thresholds,
    reportable,
    week_start,
)
from .summary import supervisor_summary

logger = logging.getLogger(__name__)

# Planning writes new reminders once this many are pending, or this many item links.
FLUSH_RECIPIENTS = 500
FLUSH_LINKS = 10_000

@dataclass(frozen=True)
class Recipient:
    """An e-mail address, or (with `channel_id`) a unit's or person's group bot or SMS channel."""

    email: str
    user_id: int | None = None
    unit_id: int | None = None
    channel_id: int | None = None

    @property
    def key(self) -> str:
        return f"#{self.channel_id}" if self.channel_id else self.email


def _key(kind: str, email: str, channel_id: int | None) -> tuple[str, str]:
    """A reminder's once-per-week slot: (kind, address) for mail, (kind, #channel) for a channel."""
    return (kind, f"#{channel_id}" if channel_id else email)


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
    channel_id: int | None = None
    # Only a dry run keeps the ids, to count each item once; a real run lets the database do it.
    measure_ids: set[int] = field(default_factory=set)

    @property
    def key(self) -> tuple[str, str]:
        return _key(self.kind, self.email, self.channel_id)

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
        self.taken = {
            _key(kind, email, channel_id) for kind, email, channel_id in
            Reminder.objects.filter(period=period).values_list("kind", "recipient_email", "channel_id")
            .iterator(CHUNK_SIZE)
        }
        self.already_recorded: set[tuple[str, str]] = set()
        self.planned: dict[tuple[str, str], PlannedReminder] = {}
        self._through = Reminder.measures.through
        self._unwritten: list[PlannedReminder] = []  # planned, row not inserted yet
        self._links: dict[tuple[str, str], set[int]] = {}  # item ids not linked yet, per reminder
        self._link_count = 0

    def add(self, kind: str, recipient: Recipient, items: list[tuple[int, str]], *, item_count: int = 0) -> None:
        if not items and kind != Reminder.Kind.SUPERVISOR_SUMMARY:
            return  # nothing to report: nothing is sent
        key = (kind, recipient.key)
        if key in self.taken:
            self.already_recorded.add(key)
            return
        entry = self.planned.get(key)
        if entry is None:
            entry = PlannedReminder(kind=kind, email=recipient.email, user_id=recipient.user_id,
                                    unit_id=recipient.unit_id, item_count=item_count,
                                    channel_id=recipient.channel_id)
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
        if connection.vendor == "postgresql":
            self._copy_links(links)
        else:
            # Model instances are built a batch at a time: the buffer holds only ids.
            while batch := list(itertools.islice(links, CHUNK_SIZE)):
                self._through.objects.bulk_create(
                    [self._through(reminder_id=reminder_id, measure_id=pk) for reminder_id, pk in batch],
                    batch_size=CHUNK_SIZE, ignore_conflicts=True,
                )
        self._links = {}
        self._link_count = 0

    def _copy_links(self, links: Iterator[tuple[int, int]]) -> None:
        """The links through COPY into a scratch table, then one INSERT … ON CONFLICT DO NOTHING.

        A province's week links about 1.2 million items to its reminders: as model instances
        through `bulk_create` that was 50 of the planning's 62 seconds; COPY streams the id pairs
        without building an object per row. The scratch table lives until the transaction ends.
        """
        table = connection.ops.quote_name(self._through._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMPORARY TABLE IF NOT EXISTS rectify_reminder_links "
                           "(reminder_id bigint NOT NULL, measure_id bigint NOT NULL) ON COMMIT DROP")
            with cursor.cursor.copy("COPY rectify_reminder_links (reminder_id, measure_id) FROM STDIN") as copy:
                for row in links:
                    copy.write_row(row)
            cursor.execute(f"INSERT INTO {table} (reminder_id, measure_id) "
                           "SELECT reminder_id, measure_id FROM rectify_reminder_links ON CONFLICT DO NOTHING")
            cursor.execute("TRUNCATE rectify_reminder_links")

    def _insert(self, entries: list[PlannedReminder]) -> None:
        """Claim the (recipient, week, kind) slots of `entries` with one bulk INSERT.

        No `ignore_conflicts`: with it, a row written by a racing run could not be told from
        one of ours. The pre-read left out the recipients recorded before this run started;
        if a run racing this one recorded some since, the batch fails as a whole, is rolled
        back to its savepoint, and is claimed again row by row, exactly as without batching.
        """
        rows = [
            Reminder(kind=e.kind, level=e.level, period=self.period, recipient_email=e.email,
                     recipient_id=e.user_id, unit_id=e.unit_id, item_count=e.item_count, channel_id=e.channel_id)
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
        by_key = {e.key: e for e in entries}
        for kind in {e.kind for e in entries}:
            emails = [e.email for e in entries if e.kind == kind and not e.channel_id]
            for start in range(0, len(emails), FLUSH_RECIPIENTS):
                found = Reminder.objects.filter(
                    period=self.period, kind=kind, channel__isnull=True,
                    recipient_email__in=emails[start:start + FLUSH_RECIPIENTS],
                ).values_list("recipient_email", "pk")
                for email, pk in found:
                    by_key[(kind, email)].reminder_id = pk
            channels = [e.channel_id for e in entries if e.kind == kind and e.channel_id]
            for start in range(0, len(channels), FLUSH_RECIPIENTS):
                found = Reminder.objects.filter(
                    period=self.period, kind=kind, channel_id__in=channels[start:start + FLUSH_RECIPIENTS],
                ).values_list("channel_id", "pk")
                for channel_id, pk in found:
                    by_key[_key(kind, "", channel_id)].reminder_id = pk

    def _create(self, entry: PlannedReminder) -> bool:
        """Claim one (recipient, week, kind) slot; False if another run holds it already."""
        try:
            with transaction.atomic():
                reminder = Reminder.objects.create(
                    kind=entry.kind, level=entry.level, period=self.period, recipient_email=entry.email,
                    recipient_id=entry.user_id, unit_id=entry.unit_id, item_count=entry.item_count,
                    channel_id=entry.channel_id,
                )
        except IntegrityError:
            return False
        entry.reminder_id = reminder.pk
        return True

    def _reject(self, entry: PlannedReminder) -> None:
        """Another run recorded this recipient first: it is theirs, and counted as already recorded."""
        key = entry.key
        del self.planned[key]
        self._links.pop(key, None)
        self.taken.add(key)
        self.already_recorded.add(key)

    def finish(self) -> list[PlannedReminder]:
        """Store each reminder's item count and level; return them in a stable order."""
        if not self.dry_run:
            self._flush()
        entries = sorted(self.planned.values(), key=lambda e: (e.kind, e.email, e.channel_id or 0))
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
    """(measure id, level) for rows (key, id, deadline, urging level id, idle), one per id.

    `idle` (no progress for REMINDER_LAGGING_DAYS) is worked out by the database
    (`LevelRules.idle_condition`), the level by `LevelRules.level`: an item a ladder level reaches
    before the REMINDER_* thresholds do (e.g. 20 working days ahead) counts as due soon. Reading
    two timestamps of 280,000 rows to apply the rules here was a third of a province's planning,
    most of it parsing the timestamps."""
    rules = LevelRules.of_day(on, thresholds)
    seen: dict[int, str] = {}
    for _, pk, deadline, urging_level_id, idle in rows:
        if pk not in seen and (level := rules.level(deadline=deadline, idle=idle,
                                                    laddered=urging_level_id is not None)):
            seen[pk] = level
    return list(seen.items())


def _level_inputs(queryset, *columns, on, thresholds, prefix: str = ""):
    return LevelRules.of_day(on, thresholds).level_inputs(queryset, *columns, prefix=prefix)


def _unit_streams(items, *, on, thresholds):
    """(unit id, measure id, deadline, ladder level, idle) for each item's lead unit and each
    supporting unit, by unit."""
    lead = _level_inputs(items.order_by("lead_unit_id", "pk"), "lead_unit_id", "pk", on=on, thresholds=thresholds)
    supporting = _level_inputs(
        Measure.supporting_units.through.objects.filter(measure__in=items.values("pk")).order_by("unit_id",
                                                                                                "measure_id"),
        "unit_id", "measure_id", on=on, thresholds=thresholds, prefix="measure__")
    return [lead.iterator(CHUNK_SIZE), supporting.iterator(CHUNK_SIZE)]


def _supervisors():
    """People who follow whole organisations (整改办, leaders): they get the supervisor summary of
    their organisations, not the digests of the units they may also belong to."""
    return User.objects.filter(is_active=True, organisation_memberships__isnull=False).distinct()


def _supervisor_ids() -> set[int]:
    return set(_supervisors().values_list("pk", flat=True))


def _channels() -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Active group-bot and SMS channels: per unit, and per person. Loaded once per run."""
    by_unit: dict[int, list[int]] = {}
    by_user: dict[int, list[int]] = {}
    rows = NotificationChannel.objects.filter(is_active=True).order_by("pk").values_list("pk", "unit_id", "user_id")
    for pk, unit_id, user_id in rows:
        if unit_id:
            by_unit.setdefault(unit_id, []).append(pk)
        else:
            by_user.setdefault(user_id, []).append(pk)
    return by_unit, by_user


def _with_channels(recipient: Recipient, channels: list[int]) -> list[Recipient]:
    """The recipient's e-mail (when it has an address) and each of its channels."""
    found = [recipient] if recipient.email else []
    return found + [Recipient(email=recipient.email, user_id=recipient.user_id, unit_id=recipient.unit_id,
                              channel_id=pk) for pk in channels]


def _unit_recipients() -> tuple[dict[int, list[int]], dict[int, list[Recipient]]]:
    """Per unit: its path ids and who reads its own items (its mailbox, its group bots and SMS
    channels, its non-supervisor staff and their own channels).

    Loaded once per run: it grows with units and people, not with items.
    """
    supervisors = _supervisor_ids()
    unit_channels, user_channels = _channels()
    own: dict[int, list[Recipient]] = {}
    paths: dict[int, list[int]] = {}
    for pk, path, email, active in Unit.objects.values_list("pk", "path", "email", "is_active").iterator(CHUNK_SIZE):
        paths[pk] = [int(p) for p in path.strip("/").split("/") if p]
        own[pk] = _with_channels(Recipient(email=email.strip().lower(), unit_id=pk),
                                 unit_channels.get(pk, [])) if active else []
    memberships = (
        Membership.objects.filter(user__is_active=True).exclude(user__email="")
        .order_by("unit_id", "user_id").values_list("unit_id", "user_id", "user__email")
    )
    for unit_id, user_id, email in memberships.iterator(CHUNK_SIZE):
        if user_id not in supervisors:
            own.setdefault(unit_id, []).extend(_with_channels(
                Recipient(email=email.strip().lower(), user_id=user_id, unit_id=unit_id),
                user_channels.get(user_id, [])))
    return paths, own


def _plan_unit_digests(recorder: _Recorder, *, on, thresholds) -> None:
    paths, own = _unit_recipients()
    # Overdue, due soon or lagging by the REMINDER_* settings, or at a ladder level told to the liaison.
    items = Measure.objects.filter(
        Q(pk__in=reportable(Measure.objects.all(), on=on, thresholds=thresholds).values("pk"))
        | (ongoing_condition() & Q(urging_level__to_liaison=True)))
    for unit_id, rows in _grouped(_unit_streams(items, on=on, thresholds=thresholds)):
        levelled = _levelled(rows, on=on, thresholds=thresholds)
        if not levelled:
            continue
        # Staff and mailboxes of the unit and of every unit above it read these items.
        recipients: dict[str, Recipient] = {}
        for ancestor in paths.get(unit_id) or [unit_id]:
            for recipient in own.get(ancestor, []):
                recipients.setdefault(recipient.key, recipient)
        for recipient in recipients.values():
            recorder.add(Reminder.Kind.UNIT_DIGEST, recipient, levelled)


def _told(flag: str, *, on, thresholds) -> Q:
    """Items whose level tells the people of `flag` (to_lead_leader, to_unit_head, to_principal_leader).

    An item at a ladder level follows that level's flags. An item no ladder covers (no default
    ladder, or levels not refreshed yet) follows REMINDER_ESCALATE_AFTER_DAYS, for the lead
    leader and the unit head as before the ladder existed.
    """
    laddered = ongoing_condition() & Q(**{f"urging_level__{flag}": True})
    if flag == "to_principal_leader":
        return laddered
    long_overdue = overdue_condition(on) & Q(
        urging_level__isnull=True, deadline__lte=on - datetime.timedelta(days=thresholds.escalate_after_days))
    return laddered | long_overdue


def _escalation_level(level: str) -> str:
    # Overdue items reported to leaders are under supervision (督办); earlier levels keep their own.
    return Reminder.Level.ESCALATED if level in (Reminder.Level.OVERDUE, Reminder.Level.ESCALATED) else level


def _plan_escalations(recorder: _Recorder, *, on, thresholds) -> None:
    """Leaders, unit heads, principal leaders and the levels' copy addresses, as each level says."""
    streams = {
        "lead_leader_id": Measure.objects.filter(_told("to_lead_leader", on=on, thresholds=thresholds),
                                                 lead_leader__isnull=False),
        "lead_unit__head_id": Measure.objects.filter(_told("to_unit_head", on=on, thresholds=thresholds),
                                                     lead_unit__head__isnull=False),
        "case__organisation__principal_leader_id": Measure.objects.filter(
            _told("to_principal_leader", on=on, thresholds=thresholds),
            case__organisation__principal_leader__isnull=False),
    }
    person_ids = Q(pk__in=[])
    for column, items in streams.items():
        person_ids |= Q(pk__in=items.values(column))
    people = dict(User.objects.filter(person_ids, is_active=True).values_list("pk", "email"))
    _unit_channels, user_channels = _channels()
    ordered = [_level_inputs(items.order_by(column, "pk"), column, "pk", on=on, thresholds=thresholds)
               .iterator(CHUNK_SIZE) for column, items in streams.items()]
    for user_id, rows in _grouped(ordered):
        email = (people.get(user_id) or "").strip().lower()
        if user_id not in people or not (email or user_channels.get(user_id)):
            logger.warning("Escalation for user %s not sent: no e-mail address or channel, or inactive", user_id)
            continue
        levelled = [(pk, _escalation_level(level)) for pk, level in _levelled(rows, on=on, thresholds=thresholds)]
        for recipient in _with_channels(Recipient(email=email, user_id=user_id), user_channels.get(user_id, [])):
            recorder.add(Reminder.Kind.ESCALATION, recipient, levelled)
    _plan_copies(recorder, on=on, thresholds=thresholds)


def _plan_copies(recorder: _Recorder, *, on, thresholds) -> None:
    """Each level's copies (纪委, 组织部 addresses) get the items at that level, one mail a week each."""
    for level in LadderLevel.objects.exclude(copy_to="").order_by("pk"):
        if not level.copies:
            continue
        rows = _level_inputs(Measure.objects.ongoing().filter(urging_level=level).order_by("pk"),
                             "urging_level_id", "pk", on=on, thresholds=thresholds)
        for start_rows in _chunks(rows.iterator(CHUNK_SIZE)):
            levelled = [(pk, _escalation_level(lv)) for pk, lv in _levelled(start_rows, on=on, thresholds=thresholds)]
            for address in level.copies:
                recorder.add(Reminder.Kind.ESCALATION, Recipient(email=address), levelled)


def _chunks(rows: Iterator[tuple]) -> Iterator[list[tuple]]:
    while batch := list(itertools.islice(rows, CHUNK_SIZE)):
        yield batch


def _plan_supervisor_summaries(recorder: _Recorder, *, on, thresholds) -> None:
    """One summary per supervisor, of the organisations they follow and nothing else."""
    if not reportable(Measure.objects.all(), on=on, thresholds=thresholds).exists():
        return
    supervisors = User.objects.with_perm(SUPERVISOR_PERM, include_superusers=False, backend=PERMISSION_BACKEND) \
        .filter(pk__in=_supervisors().values("pk")).exclude(email="").order_by("pk")
    _unit_channels, user_channels = _channels()
    for supervisor in supervisors.iterator(CHUNK_SIZE):
        scoped = Measure.objects.restrict(supervisor)
        if not reportable(scoped, on=on, thresholds=thresholds).exists():
            continue
        # The count the summary itself shows (computed once per scope and day, then shared).
        overdue = supervisor_summary(supervisor, on=on).head.overdue
        for recipient in _with_channels(Recipient(email=supervisor.email.strip().lower(), user_id=supervisor.pk),
                                        user_channels.get(supervisor.pk, [])):
            recorder.add(Reminder.Kind.SUPERVISOR_SUMMARY, recipient, [], item_count=overdue)


