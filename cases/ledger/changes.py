"""What an import would change, in words for the preview (no writes)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .columns import ISSUE_SEPARATOR, KIND_NAMES, STATE_NAMES, UNIT_SEPARATOR
from .report import LedgerImport, LedgerRow
from .rows import IssuePaths, issue_index, path_key


def describe_changes(item: LedgerRow, issues: IssuePaths) -> list[str]:
    """What the import would change, in words for the preview; empty when nothing differs."""
    path_text = ISSUE_SEPARATOR.join(f"{label}{title}" for label, title in item.path)
    m = item.measure
    if m is None:
        return [_("New measure “%(text)s”") % {"text": _short(item.label + item.text)}]
    none = pgettext("ledger change: the field is empty", "none")
    changes = []
    if issues.key(m.issue_id) != tuple(path_key(label, title) for label, title in item.path):
        changes.append(_("Issue changed to “%(issue)s”") % {"issue": _short(path_text)})
    if f"{m.label}{m.text}" != f"{item.label}{item.text}":
        changes.append(_("Measure text changed to “%(text)s”") % {"text": _short(item.label + item.text)})
    if m.lead_leader_id != (item.leader.pk if item.leader else None):
        changes.append(_("Lead leader: %(old)s → %(new)s") % {
            "old": m.lead_leader.name if m.lead_leader else none, "new": item.leader.name if item.leader else none})
    if item.person is not None and item.person != m.responsible_person:
        changes.append(_("Responsible person: %(old)s → %(new)s") % {
            "old": m.responsible_person or none, "new": item.person or none})
    if m.lead_unit_id != item.lead_unit.pk:
        changes.append(_("Lead unit: %(old)s → %(new)s") % {"old": m.lead_unit.name, "new": item.lead_unit.name})
    old_supporting = {u.pk for u in m.supporting_units.all()} - {m.lead_unit_id}
    if old_supporting != {u.pk for u in item.supporting}:
        changes.append(_("Supporting units changed to: %(units)s")
                       % {"units": UNIT_SEPARATOR.join(u.name for u in item.supporting) or none})
    if m.kind != item.kind:
        changes.append(_("Kind: %(old)s → %(new)s") % {"old": KIND_NAMES[m.kind], "new": KIND_NAMES[item.kind]})
    if m.deadline != item.deadline:
        changes.append(_("Deadline: %(old)s → %(new)s") % {"old": m.deadline or none, "new": item.deadline or none})
    if item.state and item.state != m.state:
        changes.append(_("State: %(old)s → %(new)s")
                       % {"old": STATE_NAMES[m.state], "new": STATE_NAMES[item.state]})
    if item.progress and item.progress != (m.latest_note or ""):
        changes.append(_("New progress note “%(note)s”") % {"note": _short(item.progress)})
    return changes


def _short(text: str, length: int = 30) -> str:
    return text if len(text) <= length else text[:length] + "…"


def plan_issues(result: LedgerImport) -> None:
    """Name the issues the import will add (for the preview)."""
    existing = issue_index(result.case)
    planned: set[tuple[str, ...]] = set()
    for row in result.rows:
        key: tuple[str, ...] = ()
        for depth, (label, title) in enumerate(row.path):
            key = (*key, path_key(label, title))
            if key not in existing and key not in planned:
                planned.add(key)
                result.new_issues.append(ISSUE_SEPARATOR.join(f"{lb}{t}" for lb, t in row.path[: depth + 1]))

