"""Rendering: the subject, text and HTML of one reminder, from templates compiled once."""
from __future__ import annotations

import datetime
import functools
import hashlib
import heapq
import html
import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.core.cache import cache
from django.db.models import BooleanField, ExpressionWrapper, OuterRef, Subquery
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext

from accounts.scoping import pk_among

from ..delivery import ALL_PARTS, Channel, Message, Target
from ..delivery.mail import email_message
from ..formats import percent
from ..links import item_path, path_of
from ..models import Measure, ProgressUpdate, Reminder, days_overdue
from ..states import State
from .selection import LevelRules, Thresholds, urgency
from .summary import SupervisorSummary, supervisor_summary


def render_email(name: str, context: dict, *, parts: frozenset[str] = ALL_PARTS) -> tuple[str, str, str]:
    """Subject, plain text and HTML of `name` from templates/emails/<name>-{subject,body-text,body-html};
    the text or the HTML is left empty when `parts` does not ask for it."""
    subject = render_to_string(f"emails/{name}-subject.txt", context)
    subject = re.sub(r"\s+", " ", subject).strip()
    text = html = ""
    if "text" in parts:
        text = render_to_string(f"emails/{name}-body-text.txt", context)
        text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    if "html" in parts:
        html = render_to_string(f"emails/{name}-body-html.html", context)
    return subject, text, html


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


class Phrase(str):
    """A translated sentence with names filled in, once for both bodies of a mail.

    As a string it is the plain-text body's wording; the HTML body, which autoescapes, prints its
    `__html__`: the same sentence with the names escaped and the translation as written, which is
    what `{% blocktranslate %}` gives in each body.
    """

    html: SafeString

    def __new__(cls, message: str, **values) -> Phrase:
        phrase = super().__new__(cls, message % values)
        phrase.html = mark_safe(message % {k: _escaped(v) for k, v in values.items()})
        return phrase

    def __html__(self) -> SafeString:
        return self.html


def _sentence(message: str, **values: int | str | None) -> SafeString:
    """A translated sentence of numbers or ISO dates, which escaping leaves as they are: one string
    for both bodies, the translation as written (as `{% blocktranslate %}` and `{% translate %}` give it)."""
    return mark_safe(message % values if values else message)


def _truncated(text: str, length: int) -> str:
    """The `truncatechars` filter (`Truncator.chars`), without its walk through a text short enough."""
    text = unicodedata.normalize("NFC", text)
    return text if len(text) <= length else Truncator(text).chars(length)


def _escaped(value) -> str:
    """`conditional_escape` without its lazy-text wrapper, which was a tenth of a mail's rendering."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


@functools.lru_cache(maxsize=16)
def _words(language: str | None) -> dict[str, str]:
    """The phrases of an item row in `language`, translated once per process: a digest's rows
    asked for them ~300 times a mail."""
    with translation.override(language):
        return {
            "overdue": gettext("%(days)s days overdue"),
            "lagging": gettext("Lagging: no progress for %(days)s days"),
            "no_deadline": gettext("No deadline set"),
            "due_in": gettext("Due in %(days)s days"),
            "supervised_overdue": gettext("Supervised (督办), %(days)s days overdue"),
            "supervised": gettext("督办"),
            "lead_unit": gettext("Lead unit: %(unit)s"),
            "lead_leader": gettext("Lead leader: %(leader)s"),
            "deadline": gettext("Deadline: %(deadline)s"),
            "long_term": gettext("Deadline: long-term"),
            "no_progress": gettext("Last progress: none logged yet"),
            "last_progress": gettext("Last progress (%(date)s):"),
            "open_item": gettext("Open the item and log progress"),
            "open": gettext("Open:"),
        }


@dataclass(frozen=True, slots=True)
class ItemFacts:
    """What an item row shows of its measure, read as plain values in the rows' one query (a page
    of model instances — the measure, its case, unit, leader and ladder level — was a third of
    building a digest's rows)."""

    pk: int
    label: str
    text: str
    deadline: datetime.date | None
    case_id: int
    case_title: str
    lead_unit: str
    lead_leader: str | None  # as the user prints (`User.__str__`: the name, else the username)
    ladder_name: str | None = None  # the urging ladder level, where the item is on one
    ladder_colour: str = ""


@dataclass
class ItemRow:
    """One item of a mail, with its phrases translated once for both bodies."""

    item: ItemFacts
    level: str
    days_overdue: int
    url: str
    last_note: str
    last_note_at: datetime.datetime | None
    idle_days: int
    days_left: int | None
    number: int = 0  # its place in its case's list (the plain-text body numbers the rows)
    words: dict[str, str] | None = None  # `_words` of the mail's language (looked up when first needed if not given)

    @property
    def phrases(self) -> dict[str, str]:
        if self.words is None:
            self.words = _words(translation.get_language())
        return self.words

    @property
    def escalated(self) -> bool:
        return self.level == Reminder.Level.ESCALATED

    @property
    def level_label(self) -> str:
        return Reminder.Level(self.level).label

    @cached_property
    def standing(self) -> SafeString:
        """The level in days: overdue, idle, or left until the deadline."""
        if self.level in (Reminder.Level.ESCALATED, Reminder.Level.OVERDUE):
            return _sentence(self.phrases["overdue"], days=self.days_overdue)
        if self.level == Reminder.Level.LAGGING:
            return _sentence(self.phrases["lagging"], days=self.idle_days)
        if self.days_left is None:
            # Only the urging ladder makes an item without a deadline due soon: it printed "Due in None days".
            return _sentence(self.phrases["no_deadline"])
        return _sentence(self.phrases["due_in"], days=self.days_left)

    @cached_property
    def level_text(self) -> str:
        """The plain-text tag of the row: the urging ladder's level, then `standing` (supervised if escalated)."""
        words = (self.phrases["supervised_overdue"] % {"days": self.days_overdue} if self.escalated
                 else self.standing)
        ladder = self.item.ladder_name
        return (f"{ladder} · {words}" if ladder else words).strip()

    @cached_property
    def title(self) -> str:
        return f"{self.item.label}{_truncated(self.item.text, 200)}"

    @cached_property
    def lead_unit(self) -> Phrase:
        return Phrase(self.phrases["lead_unit"], unit=self.item.lead_unit)

    @cached_property
    def lead_leader(self) -> Phrase | None:
        leader = self.item.lead_leader
        return Phrase(self.phrases["lead_leader"], leader=leader) if leader else None

    @cached_property
    def deadline(self) -> SafeString:
        if self.item.deadline:
            return _sentence(self.phrases["deadline"], deadline=self.item.deadline.isoformat())
        return _sentence(self.phrases["long_term"])

    @cached_property
    def last_progress(self) -> SafeString:
        """"Last progress (date):" before the note, or that there is none."""
        if not self.last_note:
            return _sentence(self.phrases["no_progress"])
        day = timezone.localdate(self.last_note_at).isoformat() if self.last_note_at else ""
        return _sentence(self.phrases["last_progress"], date=day)

    @cached_property
    def note(self) -> str:
        return _truncated(self.last_note, 120)

    # The row's markup is built here, once per row, rather than by the mail templates' loop: a
    # template resolves each `row.…` of each row through a chain of lookups (~35 a row, 1,000 a
    # digest, half of a mail's rendering). The templates print `row.html` and `row.text`.

    def html(self) -> SafeString:
        """The row of the HTML body (`emails/_items-html.html` lays out the rows of each case)."""
        item, words = self.item, self.phrases
        badge = _LADDER_BADGE.format(border=_LADDER_BORDER.get(item.ladder_colour, _RED),
                                     colour=_LADDER_TEXT.get(item.ladder_colour, _RED),
                                     name=html.escape(item.ladder_name)) if item.ladder_name else ""
        if self.level == Reminder.Level.ESCALATED:
            standing = _SUPERVISED.format(supervised=html.escape(words["supervised"]), standing=self.standing)
        else:
            standing = _STANDING.get(self.level, _STANDING[None]).format(standing=self.standing)
        leader = self.lead_leader
        return mark_safe(_ROW_HTML.format(
            badge=badge, standing=standing, url=html.escape(self.url), title=html.escape(self.title),
            lead_unit=self.lead_unit.html, lead_leader=f" · {leader.html}" if leader else "",
            deadline=self.deadline, last_progress=self.last_progress,
            note=f" {html.escape(self.note)}" if self.last_note else "", open=html.escape(words["open_item"])))

    def text(self) -> str:
        """The row of the plain-text body."""
        leader = f"  {self.lead_leader}" if self.lead_leader else ""
        note = f" {self.note}" if self.last_note else ""
        return (f"\n{self.number}. [{self.level_text}] {self.title}\n"
                f"   {self.lead_unit}{leader}  {self.deadline}\n"
                f"   {self.last_progress}{note}\n"
                f"   {self.phrases['open']} {self.url}\n")


_RED = "#a61b29"
# The urging ladder level's badge: its border and text in the level's colour.
_LADDER_BORDER = {"green": "#237804", "yellow": "#d48806", "orange": "#d46b08"}
_LADDER_TEXT = {"green": "#237804", "yellow": "#ad6800", "orange": "#d46b08"}
_LADDER_BADGE = ('<span style="display:inline-block;border:1px solid {border};color:{colour};padding:0 6px;'
                 'border-radius:3px;font-size:12px">{name}</span> ')
_SUPERVISED = ('<span style="display:inline-block;background:#a61b29;color:#fff;padding:0 6px;border-radius:3px;'
               'font-size:12px">{supervised}</span> <span style="color:#a61b29;font-weight:bold">{standing}</span>')
_STANDING = {
    Reminder.Level.OVERDUE: '<span style="color:#d4380d;font-weight:bold">{standing}</span>',
    Reminder.Level.LAGGING: '<span style="color:#d48806">{standing}</span>',
    None: '<span style="color:#1d39c4">{standing}</span>',
}
_ROW_HTML = """<tr><td style="padding:10px 0;border-bottom:1px solid #e5e6eb;vertical-align:top">
<div>{badge}{standing}</div>
<div style="margin:4px 0"><a href="{url}" style="color:#1f2329;text-decoration:none;font-weight:bold">{title}</a></div>
<div style="color:#4e5969;font-size:13px">{lead_unit}{lead_leader} · {deadline}</div>
<div style="color:#4e5969;font-size:13px;background:#f7f8fa;padding:4px 8px;margin-top:4px">{last_progress}{note}</div>
<div style="margin-top:4px"><a href="{url}" style="color:#1d39c4;font-size:13px">{open} →</a></div>
</td></tr>
"""


# What a row shows and the overdue rule (`cases.models.days_overdue`) reads, as plain values.
_SHOWN = ("pk", "label", "text", "deadline", "state", "signoff_requested_on", "last_progress_at", "created_at",
          "case_id", "case__title", "lead_unit__name", "lead_leader__name", "lead_leader__username",
          "urging_level_id", "urging_level__name", "urging_level__colour")


def item_rows(reminder: Reminder, *, on: datetime.date, thresholds: Thresholds,
              cap: int | None = None) -> tuple[list[tuple[str, list[ItemRow]]], dict[str, int]]:
    """The reminder's items to show and how many it has at each level, in one query.

    Planning counted the reminder's items at each level (`Reminder.counts`) and linked the most
    urgent of them, the ones the mail lists (see `planning`). This loads those, with everything a
    row shows joined in and what its level depends on (its deadline, its urging ladder level, and
    whether it is idle, worked out in the database), and applies today's levels (`LevelRules`, the
    rules planning applied): items completed or rescheduled since the week was planned are left out.
    The `cap` most urgent (default REMINDER_MAIL_MAX_ITEMS) are shown, grouped by case (its title)
    and ordered by deadline within each case. A reminder recorded without counts (before planning
    kept them) is counted over the items it links.
    """
    cases, counted = _rows_counted(reminder, on=on, thresholds=thresholds, cap=cap)
    return cases, ({**dict.fromkeys(Reminder.Level.values, 0), **reminder.counts} if reminder.counts else counted)


def _rows_counted(reminder: Reminder, *, on: datetime.date, thresholds: Thresholds,
                  cap: int | None = None) -> tuple[list[tuple[str, list[ItemRow]]], dict[str, int]]:
    """`item_rows`, with the levels counted over the items the reminder links (not the plan's counts)."""
    rules = LevelRules.of_day(on, thresholds)
    # The reminder's own ids first (`pk_among`): joined the other way, PostgreSQL sorted every
    # ongoing measure of the deployment (150,000 at province scale, 400 ms) to keep 139.
    linked = Reminder.measures.through.objects.filter(reminder_id=reminder.pk).values("measure_id")
    return _rows_of(reminder, _item_values(linked, rules).values(), on=on, rules=rules, cap=cap)


def _item_values(ids, rules: LevelRules) -> dict[int, tuple]:
    """The values (`_SHOWN`, whether idle, the last note and its time) of the ongoing items among
    `ids` — a list of ids or a one-column queryset — by id, in one query: everything a row shows
    joined in, and what its level depends on worked out in the database."""
    latest_note = ProgressUpdate.objects.filter(measure=OuterRef("pk")).exclude(note="").order_by("-created_at", "-pk")
    values = (
        Measure.objects.filter(pk_among(ids)).exclude(state=State.COMPLETED).order_by()
        .annotate(level_idle=ExpressionWrapper(rules.idle_condition(), output_field=BooleanField()),
                  last_note=Subquery(latest_note.values("note")[:1]),
                  last_note_at=Subquery(latest_note.values("created_at")[:1]))
        .values_list(*_SHOWN, "level_idle", "last_note", "last_note_at")
    )
    return {row[0]: row for row in values}


def _rows_of(reminder: Reminder, values, *, on: datetime.date, rules: LevelRules,
             cap: int | None = None) -> tuple[list[tuple[str, list[ItemRow]]], dict[str, int]]:
    """The rows of `reminder`'s mail from its items' `_item_values`: today's level of each (items
    with none left out), counted per level, the `cap` most urgent by case and deadline."""
    cap = settings.REMINDER_MAIL_MAX_ITEMS if cap is None else cap
    escalation = reminder.kind == Reminder.Kind.ESCALATION
    counted = dict.fromkeys(Reminder.Level.values, 0)
    ranked = []
    for row in values:
        pk, deadline, laddered = row[0], row[3], row[13] is not None
        level = rules.level(deadline=deadline, idle=bool(row[16]), laddered=laddered)
        if level is None:
            continue
        if escalation and level == Reminder.Level.OVERDUE:
            level = Reminder.Level.ESCALATED  # overdue items reported to leaders are under supervision
        counted[level] += 1
        ranked.append((urgency(level, deadline, pk), level, row))
    if not ranked:
        return [], counted
    words = _words(translation.get_language())
    site = settings.SITE_URL
    rows = []
    for _, level, row in heapq.nsmallest(cap, ranked, key=lambda r: r[0]):
        (pk, label, text, deadline, state, signoff_requested_on, last_progress_at, created_at, case_id, case_title,
         unit, leader_name, leader_username, ladder_id, ladder_name, ladder_colour, _idle, note, note_at) = row
        item = ItemFacts(pk=pk, label=label, text=text, deadline=deadline, case_id=case_id, case_title=case_title,
                         lead_unit=unit, lead_leader=(leader_name or leader_username) if leader_username else None,
                         ladder_name=ladder_name if ladder_id is not None else None, ladder_colour=ladder_colour or "")
        rows.append(ItemRow(
            item=item, level=level, days_overdue=days_overdue(state, deadline, signoff_requested_on, on),
            url=f"{site}{item_path(pk)}", last_note=note or "", last_note_at=note_at,
            idle_days=(on - timezone.localdate(last_progress_at or created_at)).days,
            days_left=(deadline - on).days if deadline else None, words=words,
        ))
    far = datetime.date.max
    rows.sort(key=lambda r: (r.item.case_title, r.item.case_id, r.item.deadline or far, r.item.pk))
    cases = [(group[0].item.case_title, group)
             for group in (list(g) for _, g in itertools.groupby(rows, key=lambda r: r.item.case_id))]
    for _, group in cases:
        for number, row in enumerate(group, 1):
            row.number = number
    return cases, counted


@dataclass(frozen=True)
class ShownRow:
    """An item row as the mail templates print it: its markup for both bodies, and what the chat
    summary's line of the worst items says."""

    html: SafeString
    text: str
    label: str
    item_text: str
    lead_unit: str
    days_overdue: int
    deadline: datetime.date | None


@dataclass(frozen=True)
class ShownItems:
    """What a reminder's mail lists: its rows by case, the five longest overdue of them, and how many
    of the items it links are at each level (the counts of a reminder recorded without the plan's)."""

    cases: list[tuple[str, list[ShownRow]]]
    worst: list[ShownRow]
    counted: dict[str, int]
    # The list of rows by case as both bodies print it (`emails/_items-cases-*`), rendered once per set.
    html: str = ""
    text: str = ""

    @property
    def count(self) -> int:
        return sum(len(rows) for _, rows in self.cases)


# How long the rows of a list of items, once built, serve the other mails listing the same items.
SHOWN_CACHE_SECONDS = 15 * 60


def shown_items(reminder: Reminder, *, on: datetime.date, thresholds: Thresholds) -> ShownItems:
    """The rows `reminder`'s mail lists (`shown_items_many` of one reminder)."""
    return shown_items_many([reminder], on=on, thresholds=thresholds)[reminder.pk]


def shown_items_many(reminders: list[Reminder], *, on: datetime.date, thresholds: Thresholds) -> dict[int, ShownItems]:
    """The rows each reminder's mail lists, by reminder id: taken from the cache, or built for all
    the reminders missing from it from one query of their items.

    A unit's mailbox, its staff and their group bots get the same digest, and a province's week has
    4,701 digests listing 1,999 different sets of items: the rows of a set are built once, by
    whichever mail lists it first, and serve the others (the cache is Redis, shared by the workers,
    where there is one). The key is the items linked to the reminder, the day, the language and the
    settings a row depends on; a row built a few minutes earlier by another mail of the week is as
    fresh as the week's plan. A batch of sends asks for its reminders together (`delivery`): their
    links in one query, the cache in one round trip, the items of every set it must build in one
    query (the sets of a unit and of the units above it share items)."""
    links: dict[int, list[int]] = {r.pk: [] for r in reminders}
    for reminder_id, measure_id in (Reminder.measures.through.objects.filter(reminder_id__in=list(links))
                                    .order_by().values_list("reminder_id", "measure_id")):
        links[reminder_id].append(measure_id)
    keys = {r.pk: _shown_key(r, sorted(links[r.pk]), on=on, thresholds=thresholds) for r in reminders}
    found = cache.get_many(list(set(keys.values())))
    missing = [r for r in reminders if keys[r.pk] not in found]
    if missing:
        rules = LevelRules.of_day(on, thresholds)
        values = _item_values(sorted({i for r in missing for i in links[r.pk]}), rules)
        built: dict[str, ShownItems] = {}
        for reminder in missing:
            key = keys[reminder.pk]
            if key not in built:
                rows = _rows_of(reminder, [values[i] for i in links[reminder.pk] if i in values], on=on, rules=rules)
                built[key] = _shown_of(*rows, on=on)
        cache.set_many(built, SHOWN_CACHE_SECONDS)
        found.update(built)
    return {r.pk: found[keys[r.pk]] for r in reminders}


def _shown_key(reminder: Reminder, linked: list[int], *, on: datetime.date, thresholds: Thresholds) -> str:
    escalation = reminder.kind == Reminder.Kind.ESCALATION
    words = "|".join([on.isoformat(), translation.get_language() or "", str(escalation), str(thresholds),
                      str(settings.REMINDER_MAIL_MAX_ITEMS), settings.SITE_URL, ",".join(map(str, linked))])
    return f"reminders:shown:v2:{hashlib.sha1(words.encode()).hexdigest()}"


def _shown_of(cases: list[tuple[str, list[ItemRow]]], counted: dict[str, int], *, on: datetime.date) -> ShownItems:
    shown: list[tuple[str, list[ShownRow]]] = []
    every: list[ShownRow] = []
    for case_title, rows in cases:
        group = []
        for row in rows:
            item = row.item
            group.append(ShownRow(html=row.html(), text=row.text(), label=item.label,
                                  item_text=_truncated(item.text, 60), lead_unit=item.lead_unit,
                                  days_overdue=row.days_overdue, deadline=item.deadline))
        shown.append((case_title, group))
        every.extend(group)
    worst = sorted(every, key=lambda r: (-r.days_overdue, r.deadline or on))[:5]
    return ShownItems(cases=shown, worst=worst, counted=counted,
                      html=render_to_string("emails/_items-cases-html.html", {"cases": shown}),
                      text=render_to_string("emails/_items-cases-text.txt", {"cases": shown}))


def _linked(summary: SupervisorSummary) -> list[dict]:
    """The summary's rows with their links: an organisation opens its dashboard and its overdue
    items, a unit its overdue items (the same filters as the dashboard's own links)."""
    items, dashboard = path_of("cases:items"), path_of("cases:dashboard")
    rows = []
    for row in summary.rows:
        if summary.by == "organisation":
            target = summary.parent.pk if row.extra.get("own") and summary.parent else row.key
            link, overdue = f"{dashboard}?organisation={target}", f"{items}?organisation={target}&overdue=true"
        else:
            link = overdue = f"{items}?lead_unit={row.key}&overdue=true"
        rows.append({"row": row, "own": bool(row.extra.get("own")), "longest": row.extra.get("longest") or 0,
                     "rate": percent(row.rate), "url": absolute(link), "overdue_url": absolute(overdue)})
    return rows


def _worst_row(measure: Measure, *, on: datetime.date) -> dict:
    return {"measure": measure, "days_overdue": measure.days_overdue(on),
            "url": absolute(item_path(measure.pk))}


def build_message(reminder: Reminder, *, on: datetime.date, thresholds: Thresholds | None = None):
    """The e-mail for one reminder, or None if nothing is left to report (all completed since)."""
    message = render_reminder(reminder, on=on, thresholds=thresholds)
    if message is None:
        return None
    return email_message(Target(channel=Channel.EMAIL, address=reminder.recipient_email), message)


def render_reminder(reminder: Reminder, *, on: datetime.date, thresholds: Thresholds | None = None,
                    parts: frozenset[str] = ALL_PARTS, shown: ShownItems | None = None) -> Message | None:
    """The message of one reminder, or None if nothing is left to report: for any channel, or with
    only the `parts` one channel shows (`delivery.parts_for`; an e-mail needs no chat summary).
    `shown` is its rows when the caller has them already (`shown_items_many` of a batch)."""
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
        "my_url": absolute(path_of("cases:my-items")),
        "reminders_url": absolute(path_of("admin:cases_reminder_changelist")),
    }
    with translation.override(settings.LANGUAGE_CODE):
        if reminder.kind == Reminder.Kind.SUPERVISOR_SUMMARY:
            if reminder.recipient is None:
                return None
            overview = supervisor_summary(reminder.recipient, on=on)
            if not overview.head.ongoing:
                return None
            context.update(overview=overview, head=overview.head, rows=_linked(overview),
                           overdue_url=absolute(f"{path_of('cases:items')}?overdue=true"),
                           worst=[_worst_row(m, on=on) for m in overview.worst])
            name = "supervisor_summary"
            url = context["dashboard_url"]
        else:
            shown = shown or shown_items(reminder, on=on, thresholds=thresholds)
            if not shown.count:
                return None
            counts = ({**dict.fromkeys(Reminder.Level.values, 0), **reminder.counts} if reminder.counts
                      else shown.counted)
            total = sum(counts.values())
            # `shown.html` is the output of an autoescaping template (`_shown_of`).
            context.update(cases=shown.cases, items_html=mark_safe(shown.html), items_text=shown.text,
                           item_total=total, counts=counts, more=total - shown.count,
                           overdue_total=counts[Reminder.Level.OVERDUE] + counts[Reminder.Level.ESCALATED],
                           worst=shown.worst)
            name = "escalation" if reminder.kind == Reminder.Kind.ESCALATION else "unit_digest"
            url = context["my_url"]
        subject, text, html = render_email(name, context, parts=parts)
        summary = sms = ""
        if "summary" in parts:
            summary = render_to_string("emails/_summary.md", {**context, "subject": subject, "url": url}).strip()
        if "sms" in parts:
            sms = re.sub(r"\s+", " ", render_to_string("emails/_sms.txt", {**context, "subject": subject,
                                                                             "url": url})).strip()
    colour = "red" if reminder.level in (Reminder.Level.OVERDUE, Reminder.Level.ESCALATED) else "yellow"
    return Message(subject=subject, text=text, html=html, summary=summary, sms=sms, url=url, colour=colour)
