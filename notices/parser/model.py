"""Plain dataclasses produced by the notice parser.

Nothing here knows about Django: the importer maps these onto models, the tests compare them
with what the published notices say, and :mod:`notices.parser.json` turns them into JSON.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from notices.parser.messages import TEMPLATES, render

# Measure states, least advanced first. The order matters: a text that reports several states
# at once ("2个问题已完成整改,1个问题正按计划推进") is given the least advanced one.
STATES: tuple[str, ...] = ("planned", "in_progress", "phased", "submitted", "completed")

# Node kinds of the issue tree.
KIND_GROUP = "group"
KIND_PROBLEM = "problem"
KIND_DETAIL = "detail"

# Roles of the top-level sections (一、二、三、…) of a notice.
ROLE_INTRO = "intro"
ROLE_ORGANISATION = "organisation"
ROLE_ISSUES = "issues"
ROLE_NEXT_STEPS = "next_steps"
ROLE_OTHER = "other"
ROLE_CLOSING = "closing"


@dataclass(slots=True)
class ParseWarning:
    """Something the parser could not read cleanly, or an assumption it had to make.

    ``line`` is the 1-based line number in :attr:`ParsedNotice.text`, or None when the
    warning concerns the notice as a whole. ``template`` is one of
    :data:`notices.parser.messages.TEMPLATES` (the English gettext msgid) and ``params``
    fill it; :attr:`message` renders them in the active interface language.
    """

    code: str
    template: str
    line: int | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, key: str, line: int | None = None, **params: Any) -> ParseWarning:
        """The warning ``key`` (``code`` or ``code.variant``) of :data:`messages.TEMPLATES`."""
        return cls(key.split(".", 1)[0], TEMPLATES[key], line, params)

    @property
    def message(self) -> str:
        return render(self.template, self.params)


@dataclass(slots=True)
class NumberMention:
    """A figure quoted in a measure, e.g. ``立案145件`` → value 145, unit ``件``."""

    value: int | float
    unit: str
    phrase: str


@dataclass(slots=True)
class Measure:
    """One rectification measure (整改措施) as the notice reports it."""

    label: str
    text: str
    proposed_state: str
    state_phrase: str = ""
    # "phrase" when a wording in the text justified the state, "default" when nothing did.
    state_basis: str = "default"
    # Every state wording found, in text order; more than one means the text is mixed.
    state_phrases: list[str] = field(default_factory=list)
    numbers: list[NumberMention] = field(default_factory=list)
    deadline: date | None = None
    deadline_phrase: str = ""
    line: int | None = None
    # The wording makes it a long-term measure (长期坚持): it needs no deadline.
    long_term: bool = False
    # Field lines of the item (责任单位：… 责任领导：… 整改时限：…), when the notice has them.
    units: list[str] = field(default_factory=list)  # lead units (牵头单位) first
    support_units: list[str] = field(default_factory=list)  # 配合单位
    leader: str | None = None
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class IssueNode:
    """A node of the issue-by-issue part: a category, a problem or a sub-problem."""

    label: str
    level: int
    title: str
    text: str
    kind: str
    # Label style (see notices.parser.labels) and the number the label carries, if any.
    style: str = ""
    number: int | None = None
    line: int | None = None
    children: list[IssueNode] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    # Least advanced state of the node's own measures and of its children.
    proposed_state: str | None = None

    def walk(self) -> Iterator[IssueNode]:
        """Yield this node and all its descendants, depth first, in document order."""
        # An explicit stack: nested generators cost a frame per level for every node.
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))


@dataclass(slots=True)
class Section:
    """A top-level part of the notice (一、…), kept with its role so nothing is lost."""

    label: str
    title: str
    text: str
    role: str
    line: int | None = None


@dataclass(slots=True)
class Contact:
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    postcode: str | None = None
    phones: list[str] = field(default_factory=list)


@dataclass(slots=True)
class NoticeHeader:
    """Facts stated around the issue tree: who, when, which inspection, what totals."""

    title: str | None = None
    issuer: str | None = None
    signed_by: str | None = None
    published_on: date | None = None
    signed_on: date | None = None
    inspection_team: str | None = None
    inspected_body: str | None = None
    inspection_start: date | None = None
    inspection_end: date | None = None
    feedback_on: date | None = None
    special_checks: list[str] = field(default_factory=list)
    # Totals the notice itself declares, e.g. {"problems": 52, "completed": 37,
    # "completed_pct": 71.2}. Only keys the text supports are present.
    declared: dict[str, int | float] = field(default_factory=dict)
    contact: Contact = field(default_factory=Contact)


@dataclass(slots=True)
class ParsedNotice:
    header: NoticeHeader
    issues: list[IssueNode]
    sections: list[Section]
    warnings: list[ParseWarning]
    # The normalised text every line number refers to (page chrome removed).
    text: str
    content_hash: str
    parser_version: str
    source_format: str = "text"

    def walk(self) -> Iterator[IssueNode]:
        """Every node of the issue tree, depth first, in document order."""
        for node in self.issues:
            yield from node.walk()

    def problems(self) -> list[IssueNode]:
        """The problem-level nodes, which are what a notice counts."""
        return [node for node in self.walk() if node.kind == KIND_PROBLEM]

    def level_counts(self) -> list[int]:
        """How many nodes the tree has at each level, top first."""
        counts: list[int] = []
        for node in self.walk():
            while len(counts) <= node.level:
                counts.append(0)
            counts[node.level] += 1
        return counts

    def measures(self) -> list[Measure]:
        return [measure for node in self.walk() for measure in node.measures]

    def to_dict(self) -> dict[str, object]:
        """JSON-serialisable form; see :mod:`notices.parser.json`."""
        from notices.parser.json import notice_to_dict

        return notice_to_dict(self)
