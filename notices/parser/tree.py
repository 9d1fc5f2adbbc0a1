"""The issue tree: labelled lines → nodes, repairs of damaged labels, problem level, kinds.

Building is a single pass with a stack ordered by label rank (see :mod:`labels`). Damage is
repaired afterwards, each repair with a warning saying what was assumed:

* a heading that lost both parentheses ("1大力…" among "2)…", "3)…") takes its siblings' style;
* items standing before the first category when that category is numbered (二) are put
  under the unlabelled heading just above them: the category that lost its (一);
* a category with no items whose 一是/二是 paragraphs each name a problem while its
  sibling categories have items, or each carry their own 整改情况 paragraph, lists its
  problems that way: they become its children.

Which level holds the *problems* (what a notice counts) is decided from the declared total
when one level matches it exactly, otherwise from the shape of the tree.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from notices.parser.fields import Fields, extract_fields, inline_fields, merge
from notices.parser.labels import (
    CN_STYLES,
    NUMERIC_STYLES,
    STRUCTURAL_STYLES,
    STYLE_ARABIC_HALF,
    STYLE_CIRCLED,
    STYLE_NONE,
    STYLE_ORDINAL,
    STYLE_SECTION,
    Label,
    chinese_numeral,
    learn_ranks,
    read_bare_number,
    read_label,
)
from notices.parser.measures import (
    PROGRESS_PREFIX,
    Paragraph,
    build_measures,
    has_progress_paragraph,
    split_inline_progress,
    split_ordinals,
)
from notices.parser.model import (
    KIND_DETAIL,
    KIND_GROUP,
    KIND_PROBLEM,
    STATES,
    IssueNode,
    ParseWarning,
)
from notices.parser.model import Measure as ParsedMeasure
from notices.parser.text import fold

_HEADING_MAX = 60
_TRAILING = "。；;：:，, \t"
_LEADING = " \t。，,；;：:"
_PROBLEM_WORD = "问题"


@dataclass(slots=True)
class Draft:
    """A node while the tree is being built and repaired."""

    label: str
    style: str
    number: int | None
    rank: int
    line: int
    head: str
    body: list[Paragraph] = field(default_factory=list)
    children: list[Draft] = field(default_factory=list)
    title_end: int | None = None  # where the title ends in ``head``, when not at the first 。

    def walk(self) -> Iterator[Draft]:
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))


@dataclass(slots=True)
class TreeResult:
    roots: list[Draft]
    warnings: list[ParseWarning]


def build_section_tree(
    lines: list[str], start: int, end: int, last_numbers: dict[str, int] | None = None
) -> TreeResult:
    """Build the draft tree of one issue section (lines[start:end]).

    ``last_numbers`` carries the last number seen per label style from one issue section to
    the next, so problems numbered straight through several sections are not gaps.
    """
    warnings: list[ParseWarning] = []
    labels = _structural_labels(lines, start, end, warnings)
    ranks = learn_ranks([labels[index] for index in sorted(labels)])
    circled = [index for index, label in labels.items() if label.style == STYLE_CIRCLED]
    if circled and len(ranks) > 1 and ranks[STYLE_CIRCLED] == max(ranks.values()):
        # ①② as the innermost numbering mark the measures of an item, as 一是/二是 do: they
        # stay in the item's text, where the measures are read (one a paragraph).
        for index in circled:
            del labels[index]
    root = Draft("", STYLE_NONE, None, -2, start, "")
    stack = [root]
    for index in range(start, end):
        label = labels.get(index)
        if label is None:
            stack[-1].body.append((index, lines[index]))
            continue
        rank = ranks[label.style]
        while stack[-1].rank >= rank:
            stack.pop()
        node = Draft(label.text, label.style, label.number, rank, index, label.rest)
        stack[-1].children.append(node)
        stack.append(node)
    _restore_lost_headings(root, warnings)
    _check_numbering(root, warnings, {} if last_numbers is None else last_numbers)
    _promote_ordinal_problems(root, warnings)
    return TreeResult(root.children, warnings)


def build_category_sections(lines: list[str], sections: list[tuple[str, int | None, str, int, int, int]]) -> TreeResult:
    """Sections (一、二、…) that are the problem categories themselves, their problems written
    only as 一是/二是 paragraphs (no （一） level): each section becomes a category node, and its
    ordinal paragraphs its problems when each names a problem or carries its own 整改情况
    (the rule of `_promote_node`). ``sections``: (label, number, title, heading line, first body
    line, end) each."""
    warnings: list[ParseWarning] = []
    root = Draft("", STYLE_NONE, None, -1, 0, "")
    for label, number, title, heading, start, end in sections:
        node = Draft(label, STYLE_SECTION, number, 0, heading, title)
        node.body = [(index, lines[index]) for index in range(start, end) if lines[index].strip()]
        root.children.append(node)
    _promote_ordinal_problems(root, warnings)
    if not any(node.children for node in root.children):
        return TreeResult([], [])  # the paragraphs were not problems: nothing to offer
    for node in root.children:
        if not node.children:  # a category with a single 一是 problem, beside categories of several
            _promote_node(node, True, warnings, minimum=1)
    return TreeResult(root.children, warnings)


def _structural_labels(lines: list[str], start: int, end: int, warnings: list[ParseWarning]) -> dict[int, Label]:
    labels: dict[int, Label] = {}
    bare: dict[int, Label] = {}
    for index in range(start, end):
        label = read_label(lines[index])
        if label is not None and label.style in STRUCTURAL_STYLES:
            labels[index] = label
        elif label is None and _is_heading_like(lines[index]):
            candidate = read_bare_number(lines[index])
            if candidate is not None:
                bare[index] = candidate
    numeric = sorted(i for i, label in labels.items() if label.style in NUMERIC_STYLES)
    for index, candidate in bare.items():
        repaired = _repair_bare(candidate, index, labels, numeric)
        if repaired is not None:
            labels[index], example = repaired
            warnings.append(ParseWarning.of("label_damaged.bare", index + 1, label=candidate.text, example=example))
    _repair_siblings(labels, warnings)
    half = [index for index, label in labels.items() if label.style == STYLE_ARABIC_HALF]
    if half:
        warnings.append(ParseWarning.of("half_paren_label", min(half) + 1, n=len(half)))
    return labels


def _repair_siblings(labels: dict[int, Label], warnings: list[ParseWarning]) -> None:
    """A label whose style differs from both neighbours of its own sequence takes theirs.

    "（2）… 3）… （4）…": the "3）" lost its opening bracket. It is read as the sibling it is
    (not a level below, which its own style would say) when the numbers run on across it,
    no other label of its style stands between those neighbours, and its style is the
    rarer one.
    """
    order = sorted(labels)
    counts: dict[str, int] = {}
    for index in order:
        counts[labels[index].style] = counts.get(labels[index].style, 0) + 1
    for position, index in enumerate(order):
        label = labels[index]
        family = NUMERIC_STYLES if label.style in NUMERIC_STYLES else CN_STYLES if label.style in CN_STYLES else None
        if family is None or label.number is None:
            continue
        before = _neighbour(labels, order, position, -1, family, label.style)
        after = _neighbour(labels, order, position, 1, family, label.style)
        if before is None or before.number != label.number - 1:
            continue
        if after is not None and (after.style != before.style or after.number != label.number + 1):
            continue
        if counts[label.style] >= counts.get(before.style, 0):
            continue
        labels[index] = Label(before.style, label.number, label.text, label.rest)
        warnings.append(ParseWarning.of("label_damaged.sibling", index + 1, label=label.text, example=before.text))


def _neighbour(labels: dict[int, Label], order: list[int], position: int, step: int, family, style: str):
    """The nearest label of ``family`` in direction ``step`` with another style, or None when
    a label of ``style`` itself comes first."""
    position += step
    while 0 <= position < len(order):
        other = labels[order[position]]
        if other.style in family:
            if other.style == style:
                return None if step < 0 else _SAME_STYLE
            return other
        position += step
    return None


# A sentinel meaning "the next label of the family has the same style": not a lone damaged one.
_SAME_STYLE = Label("", -99, "", "")


def _repair_bare(
    candidate: Label, index: int, labels: dict[int, Label], numeric: list[int]
) -> tuple[Label, str] | None:
    """Adopt the style of the next (or previous) numeric label if the numbers run on.

    ``numeric`` holds the sorted line indexes of numeric labels, searched by bisection so
    that a text full of candidates stays linear-logarithmic.
    """
    position = bisect.bisect_right(numeric, index)
    after = labels[numeric[position]] if position < len(numeric) else None
    before = labels[numeric[position - 1]] if position > 0 else None
    neighbour = None
    if after is not None and after.number == (candidate.number or 0) + 1:
        neighbour = after
    elif before is not None and before.number == (candidate.number or 0) - 1:
        neighbour = before
    if neighbour is None:
        return None
    return Label(neighbour.style, candidate.number, candidate.text, candidate.rest), neighbour.text


def _is_heading_like(line: str) -> bool:
    stripped = line.rstrip("。:：")
    return 0 < len(stripped) <= _HEADING_MAX and "。" not in stripped


def _restore_lost_headings(parent: Draft, warnings: list[ParseWarning]) -> None:
    """Put items that precede their first category under the category that lost its label."""
    children = parent.children
    if len(children) > 1:
        top = min(child.rank for child in children)
        first_top = next(i for i, child in enumerate(children) if child.rank == top)
        orphans = children[:first_top]
        numbered_late = children[first_top].number is not None and children[first_top].number > 1
        if orphans and numbered_late:
            heading = _take_heading(parent, orphans[0].line)
            first = children[first_top]
            if heading is not None:
                line, text = heading
                node = Draft("", first.style, (first.number or 2) - 1, top, line, text)
                warnings.append(ParseWarning.of("lost_heading_marker", line + 1, heading=text,
                                                label=_previous_label(first), next=first.label))
            else:
                node = Draft("", first.style, (first.number or 2) - 1, top, orphans[0].line, "")
                warnings.append(ParseWarning.of("missing_heading", orphans[0].line + 1, next=first.label))
            node.children = orphans
            parent.children = [node, *children[first_top:]]
    for child in parent.children:
        _restore_lost_headings(child, warnings)


def _take_heading(parent: Draft, before_line: int) -> Paragraph | None:
    """The parent's last body paragraph, if it is a short heading right before ``before_line``."""
    if not parent.body:
        return None
    line, text = parent.body[-1]
    if line < before_line and _is_heading_like(text) and not PROGRESS_PREFIX.match(fold(text)):
        parent.body.pop()
        return line, text.rstrip(_TRAILING)
    return None


def _previous_label(node: Draft) -> str:
    number = (node.number or 2) - 1
    label = node.label
    digits = re.search(r"\d+|[一二三四五六七八九十]+", label)
    if digits is None:
        return str(number)
    value = str(number) if digits.group(0).isdigit() else chinese_numeral(number)
    return label[: digits.start()] + value + label[digits.end():]


def _check_numbering(root: Draft, warnings: list[ParseWarning], last_overall: dict[str, int]) -> None:
    """Warn where a label number is neither 1, the next under its parent, nor the next overall.

    Problems numbered straight through categories (1…30 under (一), 31…45 under (二)) are
    the genre's second convention and are not gaps.
    """
    parent_of: dict[int, int] = {}
    for parent in root.walk():
        for child in parent.children:
            parent_of[id(child)] = id(parent)
    last_here: dict[tuple[int, str], int] = {}
    for node in sorted(root.walk(), key=lambda draft: draft.line):
        if node is root or node.number is None or node.style in {STYLE_NONE, STYLE_ORDINAL}:
            continue
        key = (parent_of[id(node)], node.style)
        allowed = {1, last_here.get(key, 0) + 1, last_overall.get(node.style, 0) + 1}
        if node.number not in allowed and node.label:
            warnings.append(ParseWarning.of("numbering_gap", node.line + 1, label=node.label))
        last_here[key] = node.number
        last_overall[node.style] = node.number


def _promote_ordinal_problems(root: Draft, warnings: list[ParseWarning]) -> None:
    for parent in list(root.walk()):
        siblings_have_items = any(child.children for child in parent.children)
        for node in parent.children:
            if node.children:
                continue
            _promote_node(node, siblings_have_items, warnings)


@dataclass(slots=True)
class _OrdinalGroup:
    """A paragraph opening with 一是/二是…, with the unmarked paragraphs that follow it."""

    label: Label
    line: int
    paragraphs: list[Paragraph] = field(default_factory=list)


def _ordinal_groups(paragraphs: list[Paragraph], minimum: int = 2) -> list[_OrdinalGroup] | None:
    """Groups when the text is nothing but 一是, 二是, … paragraphs in sequence (at least
    ``minimum`` of them), else None."""
    groups: list[_OrdinalGroup] = []
    for line, text in paragraphs:
        label = read_label(text)
        if label is not None and label.style == STYLE_ORDINAL:
            if label.number != len(groups) + 1:
                return None
            groups.append(_OrdinalGroup(label, line))
        elif not groups:
            return None  # text before 一是 introduces measures, it does not list problems
        else:
            groups[-1].paragraphs.append((line, text))
    if len(groups) < minimum:
        return None
    # "一是…。二是…" inside one paragraph is the usual list of measures.
    if any(len(split_ordinals([(g.line, g.label.text + g.label.rest)]).marked) > 1 for g in groups):
        return None
    return groups


def _promote_node(node: Draft, siblings_have_items: bool, warnings: list[ParseWarning], minimum: int = 2) -> None:
    """Read a childless node's 一是… paragraphs as its problems when they are problems.

    They are when each names a problem ("…不够及时的问题，") while sibling nodes have items
    (a category whose items were written as 一是…), or when each carries its own
    整改情况 paragraph (the 第一方面问题 / 一是 / 整改情况 layout).
    """
    groups = _ordinal_groups(split_inline_progress(_own_paragraphs(node)), minimum)
    if groups is None:
        return
    name_problems = all(_names_problem(group.label.rest) is not None for group in groups)
    own_progress = all(
        has_progress_paragraph([(group.line, group.label.rest), *group.paragraphs]) for group in groups
    )
    if not ((name_problems and siblings_have_items) or own_progress):
        return
    children = []
    for group in groups:
        child = Draft(group.label.text, STYLE_ORDINAL, group.label.number, 50, group.line, group.label.rest)
        child.body = list(group.paragraphs)
        if not own_progress:
            child.title_end = _names_problem(group.label.rest)
        children.append(child)
    node.children = children
    node.body = []
    node.head = node.head[: _title_end(node)]
    last = groups[-1].label.text
    warnings.append(ParseWarning.of("ordinal_problems", node.line + 1, title=_title(node) or node.label,
                                    last=last, n=len(children)))


def _names_problem(text: str) -> int | None:
    """End of the problem named at the start of ``text`` ("…不够及时的问题,"), if any."""
    first_sentence = fold(text).split("。", 1)[0]
    position = first_sentence.find(_PROBLEM_WORD, 0, _HEADING_MAX)
    if position < 0:
        return None
    return position + len(_PROBLEM_WORD)


def _own_paragraphs(node: Draft) -> list[Paragraph]:
    """The node's text after its title sentence: head remainder, then body paragraphs."""
    paragraphs = []
    remainder = node.head[_title_end(node):]
    remainder = remainder.lstrip(_LEADING)
    if remainder:
        paragraphs.append((node.line, remainder))
    paragraphs.extend(node.body)
    return paragraphs


def _title_end(node: Draft) -> int:
    if node.title_end is not None:
        return node.title_end
    stop = node.head.find("。")
    return stop + 1 if stop >= 0 else len(node.head)


def _title(node: Draft) -> str:
    return node.head[: _title_end(node)].rstrip(_TRAILING)


# --- From drafts to nodes ---------------------------------------------------------------


# "本方面共3个问题，已整改到位1个，2个正在推进中。" sums up a category; "总的看，…" sums up
# the whole part. Neither is a measure of the item it happens to follow.
_SUMMARY = re.compile(
    r"^(?:本方面|该方面|此方面|本类|该类|本部分|该部分|以上|上述|本组|其中)?(?:反馈)?(?:问题)?"
    r"(?:共|合计|总计)(?:有|计)?(?:反馈)?(?:问题)?\s*(?:\d+|[一二三四五六七八九十两]+)\s*(?:个|项|条|类)(?:问题)?"
    r"[^。]{0,40}?(?:整改|完成|推进|成效|销号|到位)"
)
_CLOSING = re.compile(r"^(?:总的看|总体看|总的来看|总体来看|总体上看|从总体上看|整体来看|综上|总之)")
_SUMMARY_MAX = 90


def _is_summary(text: str) -> bool:
    return len(text) <= _SUMMARY_MAX and bool(_SUMMARY.match(fold(text).lstrip()))


def to_nodes(
    drafts: list[Draft], notice_date: date | None, warnings: list[ParseWarning], level: int = 0,
    inherited: Fields | None = None,
) -> list[IssueNode]:
    """Nodes from drafts; a category's fields (its 牵头单位, 责任领导…) hold for the items under it
    that do not name their own (``inherited``)."""
    nodes = []
    for draft in drafts:
        if not draft.head and draft.body and _is_heading_like(draft.body[0][1]):
            # A label alone on its line ("（一）") with the heading on the next one.
            draft.head = draft.body.pop(0)[1]
        paragraphs = []
        head_line = draft.line if draft.head else None
        for line, text in _own_paragraphs(draft):
            if _is_summary(text):
                warnings.append(ParseWarning.of("summary_lines", line + 1, n=1))
            elif line != head_line and _CLOSING.match(fold(text).lstrip()):
                warnings.append(ParseWarning.of("closing_text", line + 1, start=text[:12]))
            else:
                paragraphs.append((line, text))
        fields, paragraphs = extract_fields(paragraphs, notice_date)
        fields = merge(merge(fields, inline_fields(draft.head, notice_date)), inherited or Fields())
        measures, measure_warnings = build_measures(paragraphs, notice_date)
        for measure in measures:
            # A measure's own bracketed fields ("（责任单位：县财政局）") before its item's.
            own = merge(inline_fields(measure.text, notice_date), fields)
            if own:
                apply_fields([measure], own)
        warnings.extend(measure_warnings)
        text_parts = [draft.head] + [text for _, text in draft.body]
        node = IssueNode(
            label=draft.label,
            level=level,
            title=_title(draft),
            text="\n".join(part for part in text_parts if part),
            kind=KIND_GROUP,
            style=draft.style,
            number=draft.number,
            line=draft.line + 1,
            measures=measures,
        )
        node.children = to_nodes(draft.children, notice_date, warnings, level + 1, fields)
        nodes.append(node)
    return nodes


def apply_fields(measures: list[ParsedMeasure], fields: Fields) -> None:
    """Give an item's field data to its measures: its units, leader and deadline."""
    for measure in measures:
        measure.units = list(fields.units)
        measure.support_units = list(fields.support_units)
        measure.leader = fields.leader
        measure.fields = {**measure.fields, **fields.raw}
        if fields.deadline is not None:
            measure.deadline, measure.deadline_phrase = fields.deadline, fields.deadline_phrase
        elif fields.long_term:
            measure.deadline, measure.deadline_phrase = None, fields.raw.get("deadline", "")
        measure.long_term = measure.long_term or fields.long_term


def section_node(label: str, number: int | None, title: str, line: int, children: list[IssueNode]) -> IssueNode:
    """A top-level group for one of several issue sections (二、… 三、…)."""
    node = IssueNode(label, 0, title, title, KIND_GROUP, STYLE_SECTION, number, line + 1, children)
    for child in node.walk():
        if child is not node:
            child.level += 1
    return node


def walk(nodes: list[IssueNode]) -> Iterator[IssueNode]:
    for node in nodes:
        yield from node.walk()


def problem_count(nodes: list[IssueNode], level: int) -> int:
    """Nodes at ``level`` plus childless nodes above it (headings that are problems themselves)."""
    return sum(1 for node in walk(nodes) if node.level == level or (node.level < level and not node.children))


def choose_problem_level(nodes: list[IssueNode], declared: int | None) -> int:
    """The level whose nodes are the problems.

    A level whose count equals the declared total wins. Otherwise the deepest level that at
    least half the nodes above it actually have: sub-points that only a few problems carry
    ("1)…" under 3 of 17 方面 items) are details, not problems.
    """
    depth = max((node.level for node in walk(nodes)), default=0)
    level = depth
    while level > 0:
        parents = [node for node in walk(nodes) if node.level == level - 1]
        with_items = sum(1 for node in parents if node.children)
        if parents and with_items * 2 >= len(parents):
            break
        level -= 1
    if declared:
        exact = [candidate for candidate in range(depth + 1) if problem_count(nodes, candidate) == declared]
        if exact:
            level = min(exact, key=lambda candidate: abs(candidate - level))
    return level


def assign_kinds(nodes: list[IssueNode], problem_level: int) -> None:
    for node in walk(nodes):
        if node.level > problem_level:
            node.kind = KIND_DETAIL
        elif node.level == problem_level or not node.children:
            node.kind = KIND_PROBLEM
        else:
            node.kind = KIND_GROUP


def roll_up_states(nodes: list[IssueNode]) -> None:
    """A node's proposed state is the least advanced of its measures' and its children's."""
    for node in nodes:
        roll_up_states(node.children)
        states = [measure.proposed_state for measure in node.measures]
        states.extend(child.proposed_state for child in node.children if child.proposed_state)
        node.proposed_state = min(states, key=STATES.index) if states else None
