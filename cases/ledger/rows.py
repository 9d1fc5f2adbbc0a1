"""The ledger's rows read from the database: one query set, streamed in chunks (selectors)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db.models import F, OuterRef, Subquery

from ..models import Case, Issue, Measure, ProgressUpdate
from ..names import comparison_key
from ..outcomes import ledger as outcome_ledger
from ..outcomes.models import OutcomeFigure
from ..outcomes.words import figure_words
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
        issues = list(issues)
        self.load_values(((i.pk, i.label, i.title, i.path) for i in issues), (i.path for i in issues))

    def load_values(self, chain: Iterable[tuple[int | None, str, str, str]], paths: Iterable[str]) -> None:
        """Like `load`, from values already read: (pk, label, title, path) of issues and of parents
        read with them (a pk of None: no such parent), then the ancestors of `paths` not among them,
        in one query."""
        for pk, label, title, path in chain:
            if pk is not None:
                self.issues[pk] = (label, title, path)
        wanted = {int(p) for path in paths for p in path.strip("/").split("/") if p}
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


# The export's order; the side queries below are sorted the same way, so each is walked once
# beside the measures (a merge join) instead of being fetched per chunk.
_ORDER = ("case_id", "issue__position", "issue_id", "position", "pk")


# What an exported row reads, as plain values: a row of model instances (the measure, its case,
# issue, parent and grandparent issue, unit, leader and urging level) cost 160 µs, 13 s for the
# 81,000 overdue items of a province; the same values as tuples cost a fifth of that.
_VALUES = (
    *_ORDER,  # the order key: case_id, issue__position, issue_id, position, pk
    "label", "text", "lead_leader_id", "lead_leader__name", "responsible_person", "lead_unit_id", "lead_unit__name",
    "deadline", "kind", "state", "urging_level_id", "urging_level__name", "latest_note",
    "issue__label", "issue__title", "issue__path",
    "issue__parent_id", "issue__parent__label", "issue__parent__title", "issue__parent__path",
    "issue__parent__parent_id", "issue__parent__parent__label", "issue__parent__parent__title",
    "issue__parent__parent__path",
)


def export_queryset(measures) -> Any:
    """The measures in ledger order with what a row shows joined in (`_VALUES`): no prefetch, and
    the issue's parent and grandparent read in the same query (their paths need no query up to
    3 levels)."""
    # `prefetch_related(None)`: a queryset that arrives with prefetches (the API's `with_related()`)
    # would run them once per chunk of `.iterator()` — 340 queries for 85,000 rows; the
    # supporting units are walked beside the measures instead.
    return (
        measures.prefetch_related(None).select_related(None)
        .annotate(latest_note=latest_note_subquery())
        .order_by(*_ORDER)
        .values_list(*_VALUES)
    )


class _Beside:
    """Rows of a side query sorted in the measures' order, taken as the measures go by.

    Each row starts with the order key of its measure; rows of a measure the export skipped
    (deleted, or moved between the two queries) are passed over, never misattributed."""

    def __init__(self, rows):
        self.rows = iter(rows)
        self.head = next(self.rows, None)

    def take(self, key: tuple) -> list[tuple]:
        found = []
        while self.head is not None and self.head[0] <= key:
            if self.head[0] == key:
                found.append(self.head[1:])
            self.head = next(self.rows, None)
        return found


def _side_order(prefix: str) -> list[str]:
    return [f"{prefix}case_id", f"{prefix}issue__position", f"{prefix}issue_id", f"{prefix}position", f"{prefix}id"]


def _keyed(rows):
    for row in rows:
        yield (tuple(row[:5]), *row[5:])


def _supporting_rows(measures):
    through = Measure.supporting_units.through
    order = _side_order("measure__")
    rows = (through.objects.filter(measure__in=measures.order_by().values("pk"))
            .order_by(*order, "unit__name").values_list(*order, "unit_id", "unit__name"))
    return _keyed(rows.iterator(chunk_size=2000))


def _outcome_rows(measures):
    order = _side_order("measure__")
    figures = (OutcomeFigure.objects.filter(measure__in=measures.order_by().values("pk"))
               .annotate(**{f"_k{n}": F(field) for n, field in enumerate(order)}).order_by(*order, "pk"))
    for figure in figures.iterator(chunk_size=2000):
        yield (tuple(getattr(figure, f"_k{n}") for n in range(5)), figure_words(figure))


def ledger_rows(measures, *, chunk_size: int = 500,
                progress: Callable[[int], None] | None = None) -> Iterator[dict[str, Any]]:
    """One dict per measure, keyed by column key, in ledger order (`_case` is its case's id).

    Streams in a constant number of queries whatever the set's size: the measures (with their
    latest note, issue, parent and grandparent issue), their supporting units and their outcome
    figures, each one query walked in the same order. Only issues more than three levels deep
    cost a query for their further ancestors, once per chunk that meets them.
    """
    paths = IssuePaths()
    supporting = _Beside(_supporting_rows(measures))
    outcomes = _Beside(_outcome_rows(measures))
    number = 0
    chunk: list[tuple] = []
    last_case = None

    def flush():
        nonlocal number, last_case
        # The rows come case by case: the issue texts of the cases done are dropped, so memory
        # holds one case's issues however many cases the export covers.
        if chunk[0][0] != last_case:
            paths.issues.clear()
        last_case = chunk[-1][0]
        # Each row's issue, parent and grandparent (pk, label, title, path), then any deeper ancestor.
        paths.load_values((part for r in chunk for part in ((r[2], *r[18:21]), r[21:25], r[25:29])),
                          (r[20] for r in chunk))
        for r in chunk:
            (case_id, _issue_position, issue_id, _position, pk, label, text, leader_id, leader, person, unit_id,
             unit, deadline, kind, state, urging_id, urging, note) = r[:18]
            number += 1
            key = r[:5]
            units = [unit, *(name for other, name in supporting.take(key) if other != unit_id)]
            yield {
                "id": pk,
                "number": number,
                "issue": paths.text(issue_id),
                "measure": f"{label}{text}",
                "leader": leader if leader_id else "",
                "person": person,
                "units": UNIT_SEPARATOR.join(units),
                "deadline": deadline,
                "kind": KIND_NAMES.get(kind, kind),
                "progress": note or "",
                "state": STATE_NAMES.get(state, state),
                "urging": urging if urging_id and state != State.COMPLETED else "",
                "outcomes": outcome_ledger.SEPARATOR.join(words for (words,) in outcomes.take(key)),
                "_case": case_id,
            }

    for row in export_queryset(measures).iterator(chunk_size=chunk_size):
        chunk.append(row)
        if len(chunk) >= chunk_size:
            yield from flush()
            chunk = []
            if progress is not None:
                progress(number)  # a background export reports its rows done, chunk by chunk
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

