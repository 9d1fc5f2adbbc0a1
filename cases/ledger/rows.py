"""The ledger's rows read from the database: one query set, streamed in chunks (selectors)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import OuterRef, Subquery

from ..models import Case, Issue, Measure, ProgressUpdate
from ..names import comparison_key
from ..outcomes import ledger as outcome_ledger
from ..states import State
from .columns import ISSUE_SEPARATOR, KIND_NAMES, PROGRESS_NOTE_ACTIONS, STATE_NAMES, UNIT_SEPARATOR


def latest_note_subquery() -> Subquery:
    """The newest progress note of each measure, as one correlated subquery (no per-row query)."""
    notes = (
        ProgressUpdate.objects.filter(measure=OuterRef("pk"), action__in=PROGRESS_NOTE_ACTIONS)
        .exclude(note="")
        .order_by("-created_at", "-pk")
        .values("note")[:1]
    )
    return Subquery(notes)


def ledger_queryset(measures) -> Any:
    """The measures in ledger order with everything a row shows loaded up front."""
    return (
        measures.with_related()
        .annotate(latest_note=latest_note_subquery())
        .order_by("case_id", "issue__position", "issue_id", "position", "pk")
    )



class IssuePaths:
    """The 反馈问题 text of each issue (category / problem / …), ancestors fetched in bulk."""

    def __init__(self):
        self.issues: dict[int, tuple[str, str, str]] = {}

    def load(self, issues: Iterable[Issue]) -> None:
        wanted = set()
        for issue in issues:
            self.issues[issue.pk] = (issue.label, issue.title, issue.path)
            wanted.update(int(p) for p in issue.path.strip("/").split("/") if p)
        missing = wanted - self.issues.keys()
        if missing:
            for pk, label, title, path in Issue.objects.filter(pk__in=missing).values_list(
                "pk", "label", "title", "path"
            ):
                self.issues[pk] = (label, title, path)

    def key(self, issue_id: int) -> tuple[str, ...]:
        """The path as compared on import (see `path_key`)."""
        path = self.issues[issue_id][2]
        parts = [self.issues[int(p)] for p in path.strip("/").split("/") if p and int(p) in self.issues]
        return tuple(path_key(label, title) for label, title, _ in parts)

    def text(self, issue_id: int) -> str:
        path = self.issues[issue_id][2]
        parts = [self.issues[int(p)] for p in path.strip("/").split("/") if p and int(p) in self.issues]
        return ISSUE_SEPARATOR.join(f"{label}{title}" for label, title, _ in parts)


def ledger_rows(measures, *, chunk_size: int = 500) -> Iterator[dict[str, Any]]:
    """One dict per measure, keyed by column key, in ledger order.

    Streams in chunks: each chunk costs a fixed number of queries (measures with their
    latest note, supporting units, missing ancestor issues), whatever the set's size.
    """
    paths = IssuePaths()
    number = 0
    chunk: list[Measure] = []

    def flush():
        nonlocal number
        paths.load(m.issue for m in chunk)
        outcomes = outcome_ledger.cell_texts(m.pk for m in chunk)
        for m in chunk:
            number += 1
            units = [m.lead_unit.name, *sorted(u.name for u in m.supporting_units.all() if u.pk != m.lead_unit_id)]
            yield {
                "id": m.pk,
                "number": number,
                "issue": paths.text(m.issue_id),
                "measure": f"{m.label}{m.text}",
                "leader": m.lead_leader.name if m.lead_leader_id else "",
                "units": UNIT_SEPARATOR.join(units),
                "deadline": m.deadline,
                "kind": KIND_NAMES.get(m.kind, m.kind),
                "progress": m.latest_note or "",
                "state": STATE_NAMES.get(m.state, m.state),
                "urging": m.urging_level.name if m.urging_level_id and m.state != State.COMPLETED else "",
                "outcomes": outcomes.get(m.pk, ""),
                "_case": m.case,
            }

    for measure in ledger_queryset(measures).iterator(chunk_size=chunk_size):
        chunk.append(measure)
        if len(chunk) >= chunk_size:
            yield from flush()
            chunk = []
    if chunk:
        yield from flush()



def path_key(label: str, title: str) -> str:
    """One level of an issue path as compared on import: （一） and (一) are the same label."""
    return comparison_key(f"{label}{title}")


def issue_index(case: Case) -> dict[tuple[str, ...], Issue]:
    """Every issue of the case keyed by the texts of its path from the top (label+title per level)."""
    issues = list(Issue.objects.filter(case=case).order_by("position", "pk"))
    by_pk = {i.pk: i for i in issues}
    index = {}
    for issue in issues:
        chain = [by_pk[int(p)] for p in issue.path.strip("/").split("/") if p and int(p) in by_pk]
        index.setdefault(tuple(path_key(i.label, i.title) for i in chain), issue)
    return index

