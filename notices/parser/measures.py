"""Splitting a node's body into measures: 一是…二是… segments, 整改情况 paragraphs, plain text.

Ordinal markers (一是、二是…) are the usual way notices list measures, inline after a full
stop or at the start of a paragraph. They are read in sequence, so a stray "三是" in a
sentence does not start a measure, and a jump from 二是 to 五是 across two unmarked
paragraphs is reported as two lost markers rather than silently merged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from notices.parser.labels import CIRCLED_DIGITS, CN_NUM, chinese_numeral, cn_to_int
from notices.parser.model import Measure, ParseWarning
from notices.parser.states import read_deadline, read_numbers, read_state
from notices.parser.text import fold

# "整改情况：" and its variants open the paragraph that reports what was done.
PROGRESS_PREFIX = re.compile(r"^(?:整改情况|整改进展|进展情况|整改措施|整改成效|落实情况|完成情况|整改结果)\s*:\s*")
_INLINE_PROGRESS = re.compile(
    r"(?<=[。;])\s*(?:整改情况|整改进展|进展情况|整改措施|整改成效|落实情况|完成情况|整改结果)\s*:"
)
# A marker opens the text or follows a sentence or clause end: "(?:^|(?<=[。;!?:]))\s*一是".
# Written as two patterns, one anchored at the start and one that consumes the punctuation
# before the marker (its group 1 is the marker), because a pattern that opens with that
# lookbehind is tried at every character instead of only after the punctuation.
_MARKER_AT_START = re.compile(rf"\s*({CN_NUM})是(?![否的])")
_MARKER_AFTER_STOP = re.compile(rf"[。;!?:](\s*({CN_NUM})是(?![否的]))")
_LEAD_PUNCT = " \t,，:：;；、.。"
_TAIL_PUNCT = " \t,，;；、"

Paragraph = tuple[int, str]  # (line index, text)


@dataclass(slots=True)
class Segment:
    """A run of text under one ordinal marker (label "一是"), or unmarked (label "")."""

    label: str
    number: int | None
    line: int
    text: str


@dataclass(slots=True)
class Split:
    preamble: list[Segment]
    segments: list[Segment]  # marked segments and the unmarked paragraphs between/after them
    warnings: list[ParseWarning] = field(default_factory=list)

    @property
    def marked(self) -> list[Segment]:
        return [segment for segment in self.segments if segment.number is not None]


def strip_progress_prefix(text: str) -> str:
    match = PROGRESS_PREFIX.match(fold(text))
    return text if match is None else text[match.end():]


def has_progress_paragraph(paragraphs: list[Paragraph]) -> bool:
    return any(PROGRESS_PREFIX.match(fold(text)) for _, text in split_inline_progress(paragraphs))


def split_inline_progress(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Start a new paragraph where "整改情况：" follows a sentence inside a paragraph."""
    result: list[Paragraph] = []
    for line, text in paragraphs:
        # No "整改情况：" without its colon: most paragraphs are passed without a search,
        # which would test the pattern's lookbehind at every character.
        match = _INLINE_PROGRESS.search(fold(text)) if ":" in text or "：" in text else None
        if match is None:
            result.append((line, text))
            continue
        head, tail = text[: match.start()].rstrip(), text[match.start():].lstrip()
        if head:
            result.append((line, head))
        result.append((line, tail))
    return result


def split_ordinals(paragraphs: list[Paragraph]) -> Split:
    """Cut paragraphs at valid 一是/二是 markers; see the module docstring for the rules."""
    preamble: list[Segment] = []
    segments: list[Segment] = []
    expected = 1
    for line, paragraph in paragraphs:
        text = strip_progress_prefix(paragraph)
        cuts = _valid_markers(text, expected)
        # Unmarked text before any marker is the preamble; after one, an unmarked segment.
        target = segments if segments else preamble
        if not cuts:
            target.append(Segment("", None, line, text.strip()))
            continue
        lead = text[: cuts[0][0]].strip()
        if lead:
            target.append(Segment("", None, line, lead))
        for position, (_, end, number, label) in enumerate(cuts):
            stop = cuts[position + 1][0] if position + 1 < len(cuts) else len(text)
            segments.append(Segment(label, number, line, text[end:stop].strip()))
        expected = cuts[-1][2] + 1
    split = Split(preamble, segments)
    _check_sequence(split)
    return split


def _valid_markers(text: str, expected: int) -> list[tuple[int, int, int, str]]:
    """Markers in sequence: the next number, a small jump (lost markers), or a restart at 一是."""
    cuts: list[tuple[int, int, int, str]] = []
    if "是" not in text:
        return cuts  # no marker without its 是: spares a search that tries every character
    for start, end, numeral, label_start in _markers(fold(text)):
        number = cn_to_int(numeral)
        if number is None:
            continue
        if number == expected or (expected < number <= expected + 3) or (number == 1 and expected > 1):
            cuts.append((start, end, number, text[label_start:end]))
            expected = number + 1
    return cuts


def _markers(folded: str) -> Iterator[tuple[int, int, str, int]]:
    """(start, end, numeral, numeral start) of each marker, in text order, not overlapping."""
    first = _MARKER_AT_START.match(folded)
    if first is not None:
        yield first.start(), first.end(), first.group(1), first.start(1)
    # A marker ends with 是, never with the punctuation the next one needs before it.
    for match in _MARKER_AFTER_STOP.finditer(folded, first.end() if first is not None else 0):
        yield match.start(1), match.end(), match.group(2), match.start(2)


def _check_sequence(split: Split) -> None:
    """Report jumps in the marker sequence, and say which unmarked paragraphs fill them."""
    previous = 0
    loose: list[Segment] = list(split.preamble) if split.segments else []
    for segment in split.segments:
        if segment.number is None:
            loose.append(segment)
            continue
        if segment.number == 1:
            previous = 0
        missing = segment.number - previous - 1
        if missing > 0:
            names = "、".join(f"{chinese_numeral(n)}是" for n in range(previous + 1, segment.number))
            if len(loose) == missing:
                split.warnings.append(ParseWarning.of("lost_ordinal_markers", loose[0].line + 1, names=names,
                                                      n=missing, label=segment.label))
            else:
                split.warnings.append(ParseWarning.of("numbering_gap.measures", segment.line + 1,
                                                      label=segment.label, names=names))
        previous = segment.number
        loose = []


# "整改措施：一是…；二是…" lists the measures; a later "整改成效：…已完成整改" reports on them.
_MEASURES_PREFIX = re.compile(r"^(?:整改措施|具体措施|主要措施)\s*:\s*")
_RESULT_PREFIX = re.compile(r"^(?:整改成效|整改进展|进展情况|完成情况|整改情况|落实情况|整改结果)\s*:\s*")


def build_measures(paragraphs: list[Paragraph], notice_date: date | None) -> tuple[list[Measure], list[ParseWarning]]:
    """Measures of one node from its body paragraphs (title sentence already removed)."""
    paragraphs = split_inline_progress([(line, text) for line, text in paragraphs if text.strip()])
    if not paragraphs:
        return [], []
    planned = _measures_and_result(paragraphs, notice_date)
    if planned is not None:
        return planned
    # When a "整改情况：" paragraph is present, what precedes it describes the problem.
    for position, (_, text) in enumerate(paragraphs):
        if PROGRESS_PREFIX.match(fold(text)):
            paragraphs = paragraphs[position:]
            break
    split = split_ordinals(paragraphs)
    measures = []
    for segment in [*split.preamble, *split.segments]:
        text = segment.text.lstrip(_LEAD_PUNCT).rstrip(_TAIL_PUNCT)
        label = segment.label
        if not label and text[:1] in CIRCLED_DIGITS:
            label, text = text[0], text[1:].lstrip(_LEAD_PUNCT)  # "①制定…": a measure of its own
        if len(text) < 2:
            continue
        measures.append(make_measure(label, text, segment.line, notice_date))
    return measures, split.warnings


def make_measure(label: str, text: str, line: int, notice_date: date | None) -> Measure:
    state = read_state(text)
    deadline, deadline_phrase = read_deadline(text, notice_date)
    return Measure(
        label=label,
        text=text,
        proposed_state=state.state,
        state_phrase=state.phrase,
        state_basis=state.basis,
        state_phrases=state.phrases,
        numbers=read_numbers(text),
        deadline=deadline,
        deadline_phrase=deadline_phrase,
        line=line + 1,
        long_term=state.long_term,
    )


def _measures_and_result(paragraphs: list[Paragraph], notice_date: date | None):
    """The plan-and-report layout: "整改措施：" paragraphs list the measures, a later
    "整改成效/整改进展：" paragraph reports on them all. Each measure keeps its own text and
    takes its state (and a deadline it does not state itself) from the report. None when
    the item is not laid out so."""
    planned_at = next((i for i, (_, text) in enumerate(paragraphs) if _MEASURES_PREFIX.match(fold(text))), None)
    if planned_at is None:
        return None
    result_at = next((i for i, (_, text) in enumerate(paragraphs) if i > planned_at
                      and _RESULT_PREFIX.match(fold(text))), None)
    if result_at is None:
        return None
    result_line = paragraphs[result_at][0]
    report = " ".join(text for _, text in paragraphs[result_at:])
    report = report[_RESULT_PREFIX.match(fold(report)).end():]
    split = split_ordinals(paragraphs[planned_at:result_at])
    # The report is one text for all the measures: read it once.
    reported = make_measure("", report, result_line, notice_date)
    measures = []
    for segment in [*split.preamble, *split.segments]:
        text = segment.text.lstrip(_LEAD_PUNCT).rstrip(_TAIL_PUNCT)
        if len(text) < 2:
            continue
        measure = make_measure(segment.label, text, segment.line, notice_date)
        measure.proposed_state, measure.state_phrase = reported.proposed_state, reported.state_phrase
        measure.state_basis, measure.state_phrases = reported.state_basis, list(reported.state_phrases)
        measure.long_term = measure.long_term or reported.long_term
        measure.fields = {"result": report.strip()}
        if measure.deadline is None:
            measure.deadline, measure.deadline_phrase = reported.deadline, reported.deadline_phrase
        measures.append(measure)
    return measures, split.warnings
