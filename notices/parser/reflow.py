"""Joining the lines of a paragraph that a web page or a mail client broke apart.

Text copied from a web page often arrives with a hard line break every N characters, so one
measure ("一是…已完成。二是推进矿山 / 生态修复，正按计划推进…") would read as two paragraphs,
the second without its marker. A line is joined to the next when it is a fragment of a
sentence and the next line does not start something of its own:

* the document shows a wrap width (see :func:`wrap_width`) and the line reaches it, and
* the line does not end a sentence (。；！？：, a closing quote or bracket), and
* the next line is not a label, a field line (责任单位：…) or a date.

A text that shows no wrapping is left as it is, with one exception: a line that opens with a
quantity ("12座，已全部完成…", "3项", "2.5万吨") cannot start a paragraph of its own, so it is
joined to the line before when that one breaks off mid-sentence — a stray break copied into the
middle of "共排查出病险水库 / 12座" (see :func:`_broken_before_quantity`). Headings, titles and
signatures, which are shorter than the wrap width, are never joined. The joins are counted in one
``reflowed_lines`` warning.
"""

from __future__ import annotations

import re
from collections import Counter

from notices.parser.dates import read_date_line
from notices.parser.labels import STYLE_ORDINAL, read_label
from notices.parser.model import ParseWarning
from notices.parser.states import QUANTITY_START
from notices.parser.text import fold

_TERMINAL = frozenset("。；;！!？?：:”’」』）)】〕>")
FIELD_LINE = re.compile(
    r"^(?:责任单位|牵头单位|配合单位|协办单位|主办单位|责任部门|牵头部门|责任领导|牵头领导|分管领导|责任人|"
    r"整改时限|完成时限|整改期限|时限要求|完成时间|整改目标|整改要求|整改措施|整改情况|整改进展|进展情况|完成情况|"
    r"整改成效|落实情况|整改结果|存在问题|问题表现)\s*[:：]"
)
# A title ends so ("…整改进展情况的通报"); it is never the fragment of a paragraph.
_TITLE_END = re.compile(r"(?:的通报|的报告|的公告|的公示|的说明|情况通报)$")
# The page's meta line ("发布时间：2022-03-18 来源：…") stands alone.
_META = re.compile(r"(?:发布时间|发布日期|来源|作者|浏览次数|点击数|字号)\s*[:：]")
# Page furniture of a printed or paged document: "— 3 —", "- 12 -", "第3页 共8页", "3/8".
_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－~·•]+\s*\d{1,3}\s*[-—–－~·•]+|第\s*\d{1,3}\s*页(?:\s*[/，,]?\s*共\s*\d{1,3}\s*页)?"
    r"|\d{1,3}\s*/\s*\d{1,3})$"
)
_RUNNING_TITLE_MIN = 8
_MIN_WIDTH = 16
_TOLERANCE = 3
_MIN_WRAPPED = 4


def wrap_width(lines: list[str]) -> int | None:
    """The width a page wrapped the text at, or None when the text shows no wrapping.

    Wrapped lines stop at one width without ending a sentence. Headings also end without
    punctuation, but they open with their label, hold no full stop and vary in length; so the
    text is wrapped at ``W`` when at least four such fragments are ``W-3``…``W`` characters
    long and they are at least half of the unterminated lines of that length or more.
    """
    lengths: Counter[int] = Counter()
    bare: Counter[int] = Counter()
    for line in lines:
        if len(line) < _MIN_WIDTH or line[-1] in _TERMINAL or FIELD_LINE.match(line):
            continue
        lengths[len(line)] += 1
        label = read_label(line)
        # A heading opens with its label and holds no full stop; a fragment of a paragraph
        # is unlabelled, or holds a full stop inside.
        if label is None or label.style == STYLE_ORDINAL or "。" in line:
            bare[len(line)] += 1
    for width in sorted(bare, reverse=True):
        near = sum(bare.get(width - gap, 0) for gap in range(_TOLERANCE + 1))
        longer = sum(count for length, count in lengths.items() if length >= width - _TOLERANCE)
        if near >= _MIN_WRAPPED and near * 2 >= longer:
            return width
    return None


def drop_page_furniture(lines: list[str]) -> tuple[list[str], list[ParseWarning]]:
    """Lines that only a page layout put there: page numbers, and the title repeated at the top
    of each page (a running header). Dropped before the lines around them are joined."""
    title = lines[0] if lines and len(lines[0]) >= _RUNNING_TITLE_MIN else None
    kept = [lines[0]] if lines else []
    dropped = 0
    for line in lines[1:]:
        if line == title or _PAGE_NUMBER.match(line):
            dropped += 1
            continue
        kept.append(line)
    if not dropped:
        return lines, []
    return kept, [ParseWarning.of("page_furniture", None, n=dropped)]


# Fields naming a unit, a person or a date end with the name: what follows is a new paragraph.
_NAME_FIELD = re.compile(
    r"^(?:责任单位|牵头单位|配合单位|协办单位|主办单位|责任部门|牵头部门|责任领导|牵头领导|分管领导|责任人|"
    r"整改时限|完成时限|整改期限|时限要求|完成时间)\s*[:：]"
)


def _broken_before_quantity(line: str, following: str) -> bool:
    """Whether ``following`` ("12座，已全部完成…") is the rest of ``line`` broken off before its figure.

    A paragraph never opens with a bare quantity (a numbered item is "12." or "12、", which
    :func:`read_label` reads as a label), so when ``line`` stops mid-sentence the two are one. A
    heading ("（一）整改总体情况") also stops without punctuation: a line that opens with a label
    other than 一是/二是 is a heading and is never joined, nor is a field that names a unit,
    a person or a date, a title or the page's meta line.
    """
    if not line or line[-1] in _TERMINAL or _TITLE_END.search(line) or _META.search(line):
        return False
    if not QUANTITY_START.match(fold(following)) or read_label(following) is not None:
        return False
    if _NAME_FIELD.match(line) or read_date_line(line) is not None:
        return False
    label = read_label(line)
    return label is None or label.style == STYLE_ORDINAL


def reflow(lines: list[str]) -> tuple[list[str], list[ParseWarning]]:
    width = wrap_width(lines)
    if width is None:
        return _join_broken_quantities(lines)
    out: list[str] = []
    joined = 0
    first_join: int | None = None
    index = 0
    count = len(lines)
    while index < count:
        line = fragment = lines[index]
        while index + 1 < count and _continues(fragment, lines[index + 1], width):
            if first_join is None:
                first_join = len(out) + 1
            fragment = lines[index + 1]
            line += fragment
            index += 1
            joined += 1
        out.append(line)
        index += 1
    warnings = []
    if joined:
        warnings.append(ParseWarning.of("reflowed_lines", first_join, n=joined))
    return out, warnings


def _join_broken_quantities(lines: list[str]) -> tuple[list[str], list[ParseWarning]]:
    """The one join of a text that shows no wrapping: a line broken off before its figure."""
    out: list[str] = []
    joined = 0
    first_join: int | None = None
    for line in lines:
        if out and _broken_before_quantity(out[-1], line):
            if first_join is None:
                first_join = len(out)
            out[-1] += line
            joined += 1
        else:
            out.append(line)
    if not joined:
        return lines, []
    return out, [ParseWarning.of("reflowed_lines", first_join, n=joined)]


def _continues(line: str, following: str, width: int) -> bool:
    """Whether ``following`` carries on the paragraph that the wrapped ``line`` broke off."""
    if _broken_before_quantity(line, following):
        return True
    if len(line) < width - _TOLERANCE or line[-1] in _TERMINAL or _TITLE_END.search(line) or _META.search(line):
        return False
    if FIELD_LINE.match(following) or read_date_line(following) is not None:
        return False
    label = read_label(following)
    # A wrapped line may start with "一是" (the marker stays inside the paragraph), never
    # with the label of an item of its own.
    return label is None or label.style == STYLE_ORDINAL
