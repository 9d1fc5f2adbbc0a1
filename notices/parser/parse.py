"""Text in, :class:`ParsedNotice` out: the pipeline that ties the modules together."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from itertools import islice
from pathlib import Path

from notices.parser.errors import ParseError
from notices.parser.header import read_header
from notices.parser.labels import STRUCTURAL_STYLES, STYLE_ORDINAL, STYLE_SECTION, _read_label_cached, read_label
from notices.parser.layout import Layout, SectionSpan, assign_roles, is_issue_title, read_layout
from notices.parser.model import (
    ROLE_CLOSING,
    ROLE_INTRO,
    ROLE_ISSUES,
    IssueNode,
    NoticeHeader,
    ParsedNotice,
    ParseWarning,
    Section,
)
from notices.parser.reflow import drop_page_furniture, reflow
from notices.parser.text import FORMAT_TEXT, _fold_cached, check_text, fold, normalise_lines, read_source
from notices.parser.tree import (
    assign_kinds,
    build_category_sections,
    build_section_tree,
    choose_problem_level,
    problem_count,
    roll_up_states,
    section_node,
    to_nodes,
)

# Bump whenever the same input would parse to different output, so stored notices can be
# re-parsed selectively.
PARSER_VERSION = "1.3.0"

_CJK = re.compile(r"[\u4e00-\u9fff]")
_NOTICE_WORDS = re.compile(r"巡视|巡察|整改|督察|审计|反馈|通报")
_MIN_CJK = 40


def parse_text(text: str, *, strict: bool = False) -> ParsedNotice:
    """Parse the text of a notice.

    Raises :class:`ParseError` for empty, binary, oversized or non-notice input. A text that
    is a notice but lists no numbered issues parses to an empty tree with a ``no_issue_tree``
    warning, so its header facts are still usable; pass ``strict=True`` to get a
    ``ParseError`` instead.
    """
    if not isinstance(text, str):
        raise ParseError("unreadable", "unreadable.type")
    return _guarded(lambda: _parse(text, FORMAT_TEXT, [], strict))


def parse_file(source: str | Path | bytes, filename: str | None = None, *, strict: bool = False) -> ParsedNotice:
    """Parse a .txt, .docx or saved .html notice given as a path or as raw bytes.

    The format is sniffed from the content, with ``filename`` (or the path's name) as a hint.
    """
    def run() -> ParsedNotice:
        source_text = read_source(source, filename)
        return _parse(source_text.text, source_text.format, source_text.warnings, strict)

    return _guarded(run)


def clear_caches() -> None:
    """Forget the cached folded lines and labels, e.g. to time a cold parse."""
    _fold_cached.cache_clear()
    _read_label_cached.cache_clear()


def _guarded(run: Callable[[], ParsedNotice]) -> ParsedNotice:
    """Keep the contract "a result or a ParseError" even if a bug slips through.

    Such a bug surfaces as ``ParseError(code="internal")`` with the original exception
    chained; the fuzz tests fail on that code, so it is a safety net, not a hiding place.
    """
    try:
        return run()
    except ParseError:
        raise
    except Exception as exc:
        raise ParseError("internal", error=f"{type(exc).__name__}: {exc}") from exc


def _parse(raw: str, source_format: str, warnings: list[ParseWarning], strict: bool) -> ParsedNotice:
    lines = normalise_lines(check_text(raw))
    _require_notice(lines)
    lines, furniture = drop_page_furniture(lines)
    lines, reflow_warnings = reflow(lines)
    warnings = [*warnings, *furniture, *reflow_warnings]
    layout = read_layout(lines)
    # Roles first: the header reads declared totals from the organisational section only.
    assign_roles(layout, [_structure_score(layout, section) for section in layout.sections])
    header_read = read_header(layout)
    header = header_read.header
    warnings = [*warnings, *layout.warnings, *header_read.warnings]
    issues = _build_issues(layout, header, warnings)
    if not issues:
        if strict:
            raise ParseError("no_issue_tree")
        warnings.append(ParseWarning.of("no_issue_tree"))
    text = "\n".join(layout.lines)
    return ParsedNotice(
        header=header,
        issues=issues,
        sections=_sections(layout),
        warnings=sorted(warnings, key=lambda w: w.line or 0),
        text=text,
        content_hash=hashlib.sha256(fold(text).encode("utf-8", "surrogatepass")).hexdigest(),
        parser_version=PARSER_VERSION,
        source_format=source_format,
    )


def _require_notice(lines: list[str]) -> None:
    if not lines:
        raise ParseError("empty")
    sample = "\n".join(lines[:400])[:200_000]
    # Counting stops at the _MIN_CJK-th character: findall would build a list of every CJK
    # character of the sample (most of the notice) only to take its length.
    enough_cjk = next(islice(_CJK.finditer(sample), _MIN_CJK - 1, None), None) is not None
    if not enough_cjk or not _NOTICE_WORDS.search(sample):
        raise ParseError("not_a_notice")


def _structure_score(layout: Layout, section: SectionSpan) -> int:
    """How much of an issue tree a section holds: labelled lines, headings count double."""
    score = 0
    styles = set()
    for line in layout.lines[section.start:section.end]:
        label = read_label(line)
        if label is None or label.style not in STRUCTURAL_STYLES or label.style == STYLE_SECTION:
            continue
        styles.add(label.style)
        score += 2 if len(line) <= 60 and "。" not in line.rstrip("。") else 1
    return score + 5 * max(0, len(styles) - 1)


def _build_issues(layout: Layout, header: NoticeHeader, warnings: list[ParseWarning]) -> list[IssueNode]:
    # 年内/年底 in a measure refer to the notice's own year: its signing, else publication.
    signed = header.signed_on or header.published_on
    spans = [section for section in layout.sections if section.role == ROLE_ISSUES]
    flat = [] if spans else _flat_categories(layout)
    if flat:
        # The 一、二、 sections are the categories themselves, their problems only 一是/二是
        # paragraphs: each section is a category node whose ordinal paragraphs are its problems.
        tree = build_category_sections(layout.lines, [
            (section.label, section.number, section.title,
             section.heading if section.heading is not None else section.start, section.start, section.end)
            for section in flat])
        if tree.roots:
            for section in flat:
                section.role = ROLE_ISSUES
            warnings.extend(tree.warnings)
            return _finish_issues(to_nodes(tree.roots, signed, warnings), header, warnings)
    per_section: list[tuple[SectionSpan, list[IssueNode]]] = []
    last_numbers: dict[str, int] = {}
    for span in spans:
        tree = build_section_tree(layout.lines, span.start, span.end, last_numbers)
        warnings.extend(tree.warnings)
        per_section.append((span, to_nodes(tree.roots, signed, warnings)))
    if len(per_section) == 1:
        issues = per_section[0][1]
    else:
        # Several issue sections (二、反馈问题… 三、专项检查问题…) become top-level groups.
        issues = [
            section_node(span.label, span.number, span.title, span.heading or span.start, nodes)
            for span, nodes in per_section
            if nodes
        ]
    return _finish_issues(issues, header, warnings)


def _flat_categories(layout: Layout) -> list[SectionSpan]:
    """Consecutive sections titled as problem categories ("关于…方面的问题") that hold 一是/二是
    paragraphs but no label below the section: a notice with no （一） level. Empty when the
    notice has none, or when such sections are not next to one another."""
    found: list[tuple[int, SectionSpan]] = []
    for index, section in enumerate(layout.sections):
        if not is_issue_title(section.title):
            continue
        ordinal = any((label := read_label(line)) is not None and label.style == STYLE_ORDINAL
                      for line in layout.lines[section.start:section.end])
        if ordinal and (not found or found[-1][0] == index - 1):
            found.append((index, section))
    return [section for _, section in found]


def _finish_issues(issues: list[IssueNode], header: NoticeHeader, warnings: list[ParseWarning]) -> list[IssueNode]:
    if not issues:
        return []
    declared = header.declared.get("problems")
    level = choose_problem_level(issues, int(declared) if declared else None)
    assign_kinds(issues, level)
    roll_up_states(issues)
    _check_declared(issues, header, level, warnings)
    return issues


def _check_declared(issues: list[IssueNode], header: NoticeHeader, level: int, warnings: list[ParseWarning]) -> None:
    declared = header.declared
    listed = problem_count(issues, level)
    if "problems" in declared and declared["problems"] != listed:
        warnings.append(ParseWarning.of("declared_mismatch.problems", declared=declared["problems"], listed=listed))
    categories = len(issues)
    if "categories" in declared and declared["categories"] != categories and level > 0:
        warnings.append(ParseWarning.of("declared_mismatch.categories", declared=declared["categories"],
                                        listed=categories))


def _sections(layout: Layout) -> list[Section]:
    sections = []
    intro_start, intro_end = layout.intro
    if intro_end > intro_start:
        sections.append(Section("", "", layout.text(intro_start, intro_end), ROLE_INTRO, intro_start + 1))
    for span in layout.sections:
        line = (span.heading if span.heading is not None else span.start) + 1
        sections.append(Section(span.label, span.title, layout.text(span.start, span.end), span.role, line))
    closing_start, closing_end = layout.closing
    if closing_end > closing_start:
        sections.append(Section("", "", layout.text(closing_start, closing_end), ROLE_CLOSING, closing_start + 1))
    return sections
