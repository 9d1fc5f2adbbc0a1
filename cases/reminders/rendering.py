"""Rendering: the subject, text and HTML of one reminder, from templates compiled once."""

from __future__ import annotations

import datetime
import itertools
import re
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, F, Min, OuterRef, Q, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from ..delivery import Channel, Message, Target
from ..delivery.mail import email_message
from ..models import Measure, ProgressUpdate, Reminder, awaiting_signoff_condition, overdue_condition
from ..states import State
from .selection import Thresholds, item_level


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
        reminder.measures.select_related("case", "lead_unit", "lead_leader", "urging_level")
        .annotate(last_note=Subquery(latest_note.values("note")[:1]),
                  last_note_at=Subquery(latest_note.values("created_at")[:1]))
        .order_by("case__title", "case_id", F("deadline").asc(nulls_last=True), "pk")
    )
    rows = []
    for measure in measures:
        level = item_level(deadline=measure.deadline, last_activity=measure.last_progress_at or measure.created_at,
                           on=on, thresholds=thresholds) or (
            Reminder.Level.DUE_SOON if measure.urging_level_id else None)
        if measure.state == State.COMPLETED or level is None:
            continue  # completed or moved since the week was planned: nothing to urge any more
        if reminder.kind == Reminder.Kind.ESCALATION and level == Reminder.Level.OVERDUE:
            level = Reminder.Level.ESCALATED  # overdue items reported to leaders are under supervision
        last_activity = measure.last_progress_at or measure.created_at
        rows.append(ItemRow(
            measure=measure, level=level, days_overdue=measure.days_overdue(on),
            url=absolute(reverse("cases:measure-detail", args=[measure.pk])),
            last_note=measure.last_note or "", last_note_at=measure.last_note_at,
            idle_days=(on - timezone.localdate(last_activity)).days,
            days_left=(measure.deadline - on).days if measure.deadline else None,
        ))
    return [(case, list(group)) for case, group in itertools.groupby(rows, key=lambda r: r.measure.case)]


def _capped(cases, flat: list[ItemRow]):
    """At most REMINDER_MAIL_MAX_ITEMS items in a mail: the worst first (highest level, longest
    overdue, nearest deadline), still grouped by case; the rest are counted and linked."""
    cap = settings.REMINDER_MAIL_MAX_ITEMS
    if len(flat) <= cap:
        return cases, 0
    rank = {Reminder.Level.ESCALATED: 0, Reminder.Level.OVERDUE: 1, Reminder.Level.LAGGING: 2,
            Reminder.Level.DUE_SOON: 3}
    far = datetime.date.max
    kept = {id(r) for r in sorted(flat, key=lambda r: (rank.get(r.level, 9), -r.days_overdue,
                                                       r.measure.deadline or far, r.measure.pk))[:cap]}
    trimmed = [(case, [r for r in rows if id(r) in kept]) for case, rows in cases]
    return [(case, rows) for case, rows in trimmed if rows], len(flat) - cap


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
            escalated=Count("pk", filter=overdue_condition(on) & Q(deadline__lte=escalate_before)),
            due_soon=Count("pk", filter=ongoing & Q(deadline__gte=on, deadline__lte=due_by)),
            # Waiting for a signature: the supervisors' own lag, reported apart from overdue.
            awaiting=Count("pk", filter=awaiting_signoff_condition()),
            oldest_request=Min("signoff_requested_on", filter=awaiting_signoff_condition()),
        )
        .filter(ongoing__gt=0)
    )
    result = []
    for row in rows:
        oldest = row["oldest_overdue_deadline"]
        row["longest_overdue_days"] = (on - oldest).days if oldest else 0
        requested = row.pop("oldest_request")
        row["longest_awaiting_days"] = max((on - requested).days, 0) if requested else 0
        result.append(row)
    result.sort(key=lambda r: (-r["overdue"], -r["longest_overdue_days"], r["lead_unit__name"]))
    return result


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
            rows = unit_summary_rows(on=on, thresholds=thresholds, user=reminder.recipient)
            if not rows:
                return None
            context.update(units=rows, totals={
                key: sum(r[key] for r in rows) for key in ("ongoing", "overdue", "escalated", "due_soon", "awaiting")
            }, longest_awaiting_days=max(r["longest_awaiting_days"] for r in rows))
            name = "supervisor_summary"
            url = context["dashboard_url"]
        else:
            cases = item_rows(reminder, on=on, thresholds=thresholds)
            if not cases:
                return None
            flat = [row for _, group in cases for row in group]
            counts = {level: sum(1 for r in flat if r.level == level) for level in Reminder.Level.values}
            cases, more = _capped(cases, flat)
            context.update(cases=cases, item_total=len(flat), counts=counts, more=more,
                           overdue_total=counts[Reminder.Level.OVERDUE] + counts[Reminder.Level.ESCALATED],
                           worst=sorted(flat, key=lambda r: (-r.days_overdue, r.measure.deadline or on))[:5])
            name = "escalation" if reminder.kind == Reminder.Kind.ESCALATION else "unit_digest"
            url = context["my_url"]
        subject, text, html = render_email(name, context)
        summary = render_to_string("emails/_summary.md", {**context, "subject": subject, "url": url}).strip()
        sms = re.sub(r"\s+", " ", render_to_string("emails/_sms.txt", {**context, "subject": subject,
                                                                         "url": url})).strip()
    colour = "red" if reminder.level in (Reminder.Level.OVERDUE, Reminder.Level.ESCALATED) else "yellow"
    return Message(subject=subject, text=text, html=html, summary=summary, sms=sms, url=url, colour=colour)
