"""Rendering: the subject, text and HTML of one reminder, from templates compiled once."""
from __future__ import annotations

import datetime
import heapq
import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext

from accounts.scoping import pk_among

from ..delivery import Channel, Message, Target
from ..delivery.mail import email_message
from ..formats import percent
from ..models import Measure, ProgressUpdate, Reminder
from ..states import State
from .selection import LEVEL_RANK, LevelRules, Thresholds
from .summary import SupervisorSummary, supervisor_summary


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


class Phrase(str):
    """A translated sentence with names filled in, once for both bodies of a mail.

    As a string it is the plain-text body's wording; the HTML body, which autoescapes, prints its
    `__html__`: the same sentence with the names escaped and the translation as written, which is
    what `{% blocktranslate %}` gives in each body.
    """

    html: SafeString

    def __new__(cls, message: str, **values) -> Phrase:
        phrase = super().__new__(cls, message % values)
        phrase.html = mark_safe(message % {k: conditional_escape(v) for k, v in values.items()})
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


@dataclass
class ItemRow:
    """One item of a mail, with its phrases translated once for both bodies."""

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

    @cached_property
    def standing(self) -> SafeString:
        """The level in days: overdue, idle, or left until the deadline."""
        if self.level in (Reminder.Level.ESCALATED, Reminder.Level.OVERDUE):
            return _sentence(gettext("%(days)s days overdue"), days=self.days_overdue)
        if self.level == Reminder.Level.LAGGING:
            return _sentence(gettext("Lagging: no progress for %(days)s days"), days=self.idle_days)
        if self.days_left is None:
            # Only the urging ladder makes an item without a deadline due soon: it printed "Due in None days".
            return _sentence(gettext("No deadline set"))
        return _sentence(gettext("Due in %(days)s days"), days=self.days_left)

    @cached_property
    def level_text(self) -> str:
        """The plain-text tag of the row: the urging ladder's level, then `standing` (supervised if escalated)."""
        words = (gettext("Supervised (督办), %(days)s days overdue") % {"days": self.days_overdue} if self.escalated
                 else self.standing)
        ladder = self.measure.urging_level
        return (f"{ladder.name} · {words}" if ladder else words).strip()

    @cached_property
    def title(self) -> str:
        return f"{self.measure.label}{_truncated(self.measure.text, 200)}"

    @cached_property
    def lead_unit(self) -> Phrase:
        return Phrase(gettext("Lead unit: %(unit)s"), unit=self.measure.lead_unit.name)

    @cached_property
    def lead_leader(self) -> Phrase | None:
        leader = self.measure.lead_leader
        return Phrase(gettext("Lead leader: %(leader)s"), leader=leader) if leader else None

    @cached_property
    def deadline(self) -> SafeString:
        if self.measure.deadline:
            return _sentence(gettext("Deadline: %(deadline)s"), deadline=self.measure.deadline.isoformat())
        return _sentence(gettext("Deadline: long-term"))

    @cached_property
    def last_progress(self) -> SafeString:
        """"Last progress (date):" before the note, or that there is none."""
        if not self.last_note:
            return _sentence(gettext("Last progress: none logged yet"))
        day = timezone.localdate(self.last_note_at).isoformat() if self.last_note_at else ""
        return _sentence(gettext("Last progress (%(date)s):"), date=day)

    @cached_property
    def note(self) -> str:
        return _truncated(self.last_note, 120)


# What a row shows and `Measure.days_overdue` reads: fewer columns to compile and to load.
_SHOWN = ("label", "text", "deadline", "state", "signoff_requested_on", "last_progress_at", "created_at",
          "case__title", "lead_unit__name", "lead_leader__name", "lead_leader__username",
          "urging_level__name", "urging_level__colour")


def item_rows(reminder: Reminder, *, on: datetime.date, thresholds: Thresholds,
              cap: int | None = None) -> tuple[list[tuple[object, list[ItemRow]]], dict[str, int]]:
    """The reminder's items to show and how many it has at each level, in two queries.

    The first reads, for every item of the reminder still ongoing, only what its level depends on
    (its deadline, its urging ladder level, and whether it is idle, worked out in the database so
    that no timestamp is loaded): the levels (`LevelRules`, the rules planning applies too) are
    counted and ranked here. The second loads the `cap` worst items (highest level, longest overdue,
    nearest deadline; default REMINDER_MAIL_MAX_ITEMS) with everything a row shows joined in, so a
    digest of 10,000 items loads what one of 30 does. Items completed or rescheduled since the week
    was planned are left out. Rows are grouped by case and ordered by deadline within each case.
    """
    cap = settings.REMINDER_MAIL_MAX_ITEMS if cap is None else cap
    rules = LevelRules.of_day(on, thresholds)
    escalation = reminder.kind == Reminder.Kind.ESCALATION
    counts = dict.fromkeys(Reminder.Level.values, 0)
    # The reminder's own ids first (`pk_among`): joined the other way, PostgreSQL sorted every
    # ongoing measure of the deployment (150,000 at province scale, 400 ms) to keep 139.
    linked = Reminder.measures.through.objects.filter(reminder_id=reminder.pk).values("measure_id")
    ongoing = rules.level_inputs(Measure.objects.filter(pk_among(linked)).exclude(state=State.COMPLETED).order_by(),
                                 "pk")
    far = datetime.date.max
    ranked, levels = [], {}
    for pk, deadline, urging_level_id, idle in ongoing:
        level = rules.level(deadline=deadline, idle=bool(idle), laddered=urging_level_id is not None)
        if level is None:
            continue
        ranked.append((-LEVEL_RANK[level], deadline or far, pk))
        if escalation and level == Reminder.Level.OVERDUE:
            level = Reminder.Level.ESCALATED  # overdue items reported to leaders are under supervision
        counts[level] += 1
        levels[pk] = level
    if not ranked:
        return [], counts
    latest_note = ProgressUpdate.objects.filter(measure=OuterRef("pk")).exclude(note="").order_by("-created_at", "-pk")
    measures = (
        Measure.objects.filter(pk__in=[pk for *_, pk in heapq.nsmallest(cap, ranked)]).order_by()
        .select_related("case", "lead_unit", "lead_leader", "urging_level").only(*_SHOWN)
        .annotate(last_note=Subquery(latest_note.values("note")[:1]),
                  last_note_at=Subquery(latest_note.values("created_at")[:1]))
    )
    head, tail = reverse("cases:measure-detail", args=[0]).rsplit("/0/", 1)
    rows = []
    for measure in measures:
        last_activity = measure.last_progress_at or measure.created_at
        rows.append(ItemRow(
            measure=measure, level=levels[measure.pk], days_overdue=measure.days_overdue(on),
            url=absolute(f"{head}/{measure.pk}/{tail}"),
            last_note=measure.last_note or "", last_note_at=measure.last_note_at,
            idle_days=(on - timezone.localdate(last_activity)).days,
            days_left=(measure.deadline - on).days if measure.deadline else None,
        ))
    rows.sort(key=lambda r: (r.measure.case.title, r.measure.case_id, r.measure.deadline or far, r.measure.pk))
    return [(case, list(group)) for case, group in itertools.groupby(rows, key=lambda r: r.measure.case)], counts


def _linked(summary: SupervisorSummary) -> list[dict]:
    """The summary's rows with their links: an organisation opens its dashboard and its overdue
    items, a unit its overdue items (the same filters as the dashboard's own links)."""
    items, dashboard = reverse("cases:items"), reverse("cases:dashboard")
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
            "url": absolute(reverse("cases:measure-detail", args=[measure.pk]))}


def build_message(reminder: Reminder, *, on: datetime.date, thresholds: Thresholds | None = None):
    """The e-mail for one reminder, or None if nothing is left to report (all completed since)."""
    message = render_reminder(reminder, on=on, thresholds=thresholds)
    if message is None:
        return None
    return email_message(Target(channel=Channel.EMAIL, address=reminder.recipient_email), message)


def render_reminder(reminder: Reminder, *, on: datetime.date, thresholds: Thresholds | None = None) -> Message | None:
    """The message of one reminder for any channel, or None if nothing is left to report."""
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
        "my_url": absolute(reverse("cases:my-items")),
        "reminders_url": absolute(reverse("admin:cases_reminder_changelist")),
    }
    with translation.override(settings.LANGUAGE_CODE):
        if reminder.kind == Reminder.Kind.SUPERVISOR_SUMMARY:
            if reminder.recipient is None:
                return None
            overview = supervisor_summary(reminder.recipient, on=on)
            if not overview.head.ongoing:
                return None
            context.update(overview=overview, head=overview.head, rows=_linked(overview),
                           overdue_url=absolute(f"{reverse('cases:items')}?overdue=true"),
                           worst=[_worst_row(m, on=on) for m in overview.worst])
            name = "supervisor_summary"
            url = context["dashboard_url"]
        else:
            cases, counts = item_rows(reminder, on=on, thresholds=thresholds)
            if not cases:
                return None
            shown = [row for _, group in cases for row in group]
            total = sum(counts.values())
            context.update(cases=cases, item_total=total, counts=counts, more=total - len(shown),
                           overdue_total=counts[Reminder.Level.OVERDUE] + counts[Reminder.Level.ESCALATED],
                           worst=sorted(shown, key=lambda r: (-r.days_overdue, r.measure.deadline or on))[:5])
            name = "escalation" if reminder.kind == Reminder.Kind.ESCALATION else "unit_digest"
            url = context["my_url"]
        subject, text, html = render_email(name, context)
        summary = render_to_string("emails/_summary.md", {**context, "subject": subject, "url": url}).strip()
        sms = re.sub(r"\s+", " ", render_to_string("emails/_sms.txt", {**context, "subject": subject,
                                                                         "url": url})).strip()
    colour = "red" if reminder.level in (Reminder.Level.OVERDUE, Reminder.Level.ESCALATED) else "yellow"
    return Message(subject=subject, text=text, html=html, summary=summary, sms=sms, url=url, colour=colour)
