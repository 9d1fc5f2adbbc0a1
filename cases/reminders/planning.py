"""Planning: who gets which items this week, recorded as one `Reminder` row per recipient.

All in one transaction, so a week is planned completely or not at all. Each recipient's items are
*tallied* as they stream by (`Tally`): how many at each level, and the most urgent
`REMINDER_MAIL_MAX_ITEMS` of them, which are all the mail lists. A reminder records the counts and
links the items it shows, not every item it covers: a province's top units cover their whole subtree
(10,000 items for the largest), and linking all of them wrote 1.2 million rows a week, which with
their foreign-key checks were two thirds of the planning's time.

Unit digests stream the items once in id order, each with its lead and supporting units, so an item
is counted once per reader however many of their units it concerns. Readers who read the same units
(a unit's mailbox, its staff, their group bots) share one tally. Memory grows with units and
recipients, never with items.
"""

from __future__ import annotations

import datetime
import heapq
import itertools
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q

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
    urgency,
    week_start,
)
from .summary import supervisor_summary

logger = logging.getLogger(__name__)

# New reminders go in with one bulk INSERT per this many.
FLUSH_RECIPIENTS = 500


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


class Tally:
    """What one reminder reports: how many items at each level, and the `cap` most urgent of them
    (by `selection.urgency`, the mail's order). Each item is added once."""

    __slots__ = ("_kept", "cap", "counts")

    def __init__(self, cap: int):
        self.cap = cap
        self.counts: dict[str, int] = {}
        self._kept: list[tuple[int, int, int]] = []  # negated urgency: the least urgent kept on top

    def add(self, pk: int, level: str, deadline: datetime.date | None) -> None:
        self.counts[level] = self.counts.get(level, 0) + 1
        rank, day, _ = urgency(level, deadline, pk)
        key = (-rank, -day, -pk)
        if len(self._kept) < self.cap:
            heapq.heappush(self._kept, key)
        elif key > self._kept[0]:
            heapq.heapreplace(self._kept, key)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def level(self) -> str | None:
        """The highest level among the items: the reminder's own."""
        return max(self.counts, key=LEVEL_RANK.__getitem__, default=None)

    @property
    def shown(self) -> list[int]:
        """The ids of the items the mail lists, most urgent first."""
        return [-pk for *_, pk in sorted(self._kept, reverse=True)]


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
    counts: dict[str, int] = field(default_factory=dict)
    shown: list[int] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return _key(self.kind, self.email, self.channel_id)


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
    """Collects the reminders of a week, then records them: as Reminder rows, or only in memory for
    a dry run.

    Recipients already recorded for the week — by an earlier run, or by a run racing this one
    (the unique constraint answers for it) — are left alone: that is what makes a second run
    of the same week send nothing new. Rows go in with one bulk INSERT per `FLUSH_RECIPIENTS`,
    then the items each shows in bulk.
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

    def add(self, kind: str, recipient: Recipient, tally: Tally | None = None, *, item_count: int = 0) -> None:
        """Plan `recipient`'s reminder of `kind` with the items of `tally` (a supervisor summary
        has none: `item_count` is its overdue figure). Each (kind, recipient) is added once."""
        if kind != Reminder.Kind.SUPERVISOR_SUMMARY and (tally is None or not tally.counts):
            return  # nothing to report: nothing is sent
        key = (kind, recipient.key)
        if key in self.taken:
            self.already_recorded.add(key)
            return
        if key in self.planned:
            raise ValueError(f"{key} planned twice")
        entry = PlannedReminder(kind=kind, email=recipient.email, user_id=recipient.user_id,
                                unit_id=recipient.unit_id, item_count=item_count, channel_id=recipient.channel_id)
        if tally is None:
            entry.level = Reminder.Level.SUMMARY
        else:
            entry.level, entry.item_count, entry.counts, entry.shown = (
                tally.level, tally.total, dict(tally.counts), tally.shown)
        self.planned[key] = entry

    def finish(self) -> list[PlannedReminder]:
        """Record the planned reminders (unless a dry run); return them in a stable order."""
        entries = sorted(self.planned.values(), key=lambda e: (e.kind, e.email, e.channel_id or 0))
        if not self.dry_run:
            for start in range(0, len(entries), FLUSH_RECIPIENTS):
                self._insert(entries[start:start + FLUSH_RECIPIENTS])
            entries = [e for e in entries if e.key in self.planned]  # not those a racing run recorded first
            self._link(entries)
        return entries

    def _link(self, entries: list[PlannedReminder]) -> None:
        """The items each reminder shows, in bulk: COPY on PostgreSQL (no model instance per row)."""
        links = ((entry.reminder_id, pk) for entry in entries for pk in entry.shown)
        if connection.vendor == "postgresql":
            table = connection.ops.quote_name(self._through._meta.db_table)
            with connection.cursor() as cursor, \
                    cursor.cursor.copy(f"COPY {table} (reminder_id, measure_id) FROM STDIN") as copy:
                for row in links:
                    copy.write_row(row)
            return
        while batch := list(itertools.islice(links, CHUNK_SIZE)):
            self._through.objects.bulk_create(
                [self._through(reminder_id=reminder_id, measure_id=pk) for reminder_id, pk in batch],
                batch_size=CHUNK_SIZE)

    def _row(self, entry: PlannedReminder) -> Reminder:
        return Reminder(kind=entry.kind, level=entry.level, period=self.period, recipient_email=entry.email,
                        recipient_id=entry.user_id, unit_id=entry.unit_id, item_count=entry.item_count,
                        counts=entry.counts, channel_id=entry.channel_id)

    def _insert(self, entries: list[PlannedReminder]) -> None:
        """Claim the (recipient, week, kind) slots of `entries` with one bulk INSERT.

        No `ignore_conflicts`: with it, a row written by a racing run could not be told from
        one of ours. The pre-read left out the recipients recorded before this run started;
        if a run racing this one recorded some since, the batch fails as a whole, is rolled
        back to its savepoint, and is claimed again row by row, exactly as without batching.
        """
        rows = [self._row(e) for e in entries]
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
            found = Reminder.objects.filter(period=self.period, kind=kind, channel__isnull=True,
                                            recipient_email__in=emails).values_list("recipient_email", "pk")
            for email, pk in found:
                by_key[(kind, email)].reminder_id = pk
            channels = [e.channel_id for e in entries if e.kind == kind and e.channel_id]
            found = Reminder.objects.filter(period=self.period, kind=kind,
                                            channel_id__in=channels).values_list("channel_id", "pk")
            for channel_id, pk in found:
                by_key[_key(kind, "", channel_id)].reminder_id = pk

    def _create(self, entry: PlannedReminder) -> bool:
        """Claim one (recipient, week, kind) slot; False if another run holds it already."""
        try:
            with transaction.atomic():
                reminder = self._row(entry)
                reminder.save(force_insert=True)
        except IntegrityError:
            return False
        entry.reminder_id = reminder.pk
        return True

    def _reject(self, entry: PlannedReminder) -> None:
        """Another run recorded this recipient first: it is theirs, and counted as already recorded."""
        key = entry.key
        del self.planned[key]
        self.taken.add(key)
        self.already_recorded.add(key)


def _tally() -> Tally:
    return Tally(settings.REMINDER_MAIL_MAX_ITEMS)


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


def _levelled(rows: list[tuple], *, rules: LevelRules) -> list[tuple[int, str, datetime.date | None]]:
    """(measure id, level, deadline) for rows (key, id, deadline, urging level id, idle), one per id.

    `idle` (no progress for REMINDER_LAGGING_DAYS) is worked out by the database
    (`LevelRules.idle_condition`), the level by `LevelRules.level`: an item a ladder level reaches
    before the REMINDER_* thresholds do (e.g. 20 working days ahead) counts as due soon. Reading
    two timestamps of 280,000 rows to apply the rules here was a third of a province's planning,
    most of it parsing the timestamps."""
    seen: dict[int, tuple[int, str, datetime.date | None]] = {}
    for _, pk, deadline, urging_level_id, idle in rows:
        if pk not in seen and (level := rules.level(deadline=deadline, idle=idle,
                                                    laddered=urging_level_id is not None)):
            seen[pk] = (pk, level, deadline)
    return list(seen.values())


def _item_streams(items, *, rules: LevelRules):
    """(measure id, unit id, deadline, ladder level, idle) for each item's lead unit and each
    supporting unit, in item order: an item's rows arrive together."""
    lead = rules.level_inputs(items.order_by("pk"), "pk", "lead_unit_id")
    supporting = rules.level_inputs(
        Measure.supporting_units.through.objects.filter(measure__in=items.values("pk")).order_by("measure_id"),
        "measure_id", "unit_id", prefix="measure__")
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


@dataclass
class _Readers:
    """Who reads which units' digests, grouped into audiences: the recipients who read exactly the
    same units (a unit's mailbox, its staff and their channels; someone working for several units
    reads all of them) share one audience, and so one tally of items."""

    members: list[list[Recipient]]
    # Per unit: the audiences that read an item of the unit (those of the unit and of every unit above it).
    reach: dict[int, frozenset[int]]

    @classmethod
    def of(cls, paths: dict[int, list[int]], own: dict[int, list[Recipient]]) -> _Readers:
        units_of: dict[str, set[int]] = {}
        first: dict[str, Recipient] = {}
        for unit_id in sorted(own):
            for recipient in own[unit_id]:
                first.setdefault(recipient.key, recipient)
                units_of.setdefault(recipient.key, set()).add(unit_id)
        audiences: dict[frozenset[int], int] = {}
        members: list[list[Recipient]] = []
        at_unit: dict[int, list[int]] = {}
        for key, units in units_of.items():
            units = frozenset(units)
            if units not in audiences:
                audiences[units] = len(members)
                members.append([])
                for unit_id in units:
                    at_unit.setdefault(unit_id, []).append(audiences[units])
            members[audiences[units]].append(first[key])
        reach = {}
        for unit_id, path in paths.items():
            found = frozenset(a for ancestor in (path or [unit_id]) for a in at_unit.get(ancestor, ()))
            if found:
                reach[unit_id] = found
        return cls(members=members, reach=reach)


def _plan_unit_digests(recorder: _Recorder, *, on, thresholds) -> None:
    readers = _Readers.of(*_unit_recipients())
    rules = LevelRules.of_day(on, thresholds)
    tallies = [_tally() for _ in readers.members]
    reach, nobody = readers.reach, frozenset()
    # Overdue, due soon or lagging by the REMINDER_* settings, or at a ladder level told to the liaison.
    items = Measure.objects.filter(
        Q(pk__in=reportable(Measure.objects.all(), on=on, thresholds=thresholds).values("pk"))
        | (ongoing_condition() & Q(urging_level__to_liaison=True)))
    for pk, rows in _grouped(_item_streams(items, rules=rules)):
        _, _, deadline, urging_level_id, idle = rows[0]  # the item's own columns, the same on each row
        level = rules.level(deadline=deadline, idle=idle, laddered=urging_level_id is not None)
        if level is None:
            continue
        # Staff and mailboxes of the item's units and of every unit above them read it, once each.
        audiences = reach.get(rows[0][1], nobody)
        for row in rows[1:]:
            audiences = audiences | reach.get(row[1], nobody)
        for audience in audiences:
            tallies[audience].add(pk, level, deadline)
    for recipients, tally in zip(readers.members, tallies, strict=True):
        for recipient in recipients:
            recorder.add(Reminder.Kind.UNIT_DIGEST, recipient, tally)


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
    rules = LevelRules.of_day(on, thresholds)
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
    # Per recipient, its items (id → level, deadline): an address both a person's and a level's copy
    # address gets one mail counting each item once.
    found: dict[str, tuple[Recipient, dict[int, tuple[str, datetime.date | None]]]] = {}
    ordered = [rules.level_inputs(items.order_by(column, "pk"), column, "pk").iterator(CHUNK_SIZE)
               for column, items in streams.items()]
    for user_id, rows in _grouped(ordered):
        email = (people.get(user_id) or "").strip().lower()
        if user_id not in people or not (email or user_channels.get(user_id)):
            logger.warning("Escalation for user %s not sent: no e-mail address or channel, or inactive", user_id)
            continue
        levelled = _levelled(rows, rules=rules)
        for recipient in _with_channels(Recipient(email=email, user_id=user_id), user_channels.get(user_id, [])):
            _collect(found, recipient, levelled)
    _plan_copies(found, rules=rules)
    for recipient, items in found.values():
        tally = _tally()
        for pk, (level, deadline) in items.items():
            tally.add(pk, _escalation_level(level), deadline)
        recorder.add(Reminder.Kind.ESCALATION, recipient, tally)


def _collect(found: dict, recipient: Recipient, levelled: list[tuple[int, str, datetime.date | None]]) -> None:
    _, items = found.setdefault(recipient.key, (recipient, {}))
    for pk, level, deadline in levelled:
        items.setdefault(pk, (level, deadline))


def _plan_copies(found: dict, *, rules: LevelRules) -> None:
    """Each level's copies (纪委, 组织部 addresses) get the items at that level, one mail a week each."""
    for level in LadderLevel.objects.exclude(copy_to="").order_by("pk"):
        if not level.copies:
            continue
        rows = rules.level_inputs(Measure.objects.ongoing().filter(urging_level=level).order_by("pk"),
                                  "urging_level_id", "pk")
        for chunk in _chunks(rows.iterator(CHUNK_SIZE)):
            levelled = _levelled(chunk, rules=rules)
            for address in level.copies:
                _collect(found, Recipient(email=address), levelled)


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
            recorder.add(Reminder.Kind.SUPERVISOR_SUMMARY, recipient, item_count=overdue)


