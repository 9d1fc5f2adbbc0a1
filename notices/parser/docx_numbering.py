"""Lines of a .docx document, with Word's automatic list numbers written out.

In a Word file a heading such as ``（一）关于…`` often carries its ``（一）`` as automatic
numbering: the number is not in the paragraph text at all. Without rendering it, the
issue tree of such a file would be flat. This renders the common formats (decimal,
Chinese counting, circled, letters, roman) the way Word shows them.
"""

from __future__ import annotations

import re
from typing import Any

from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from notices.parser.labels import chinese_numeral
from notices.parser.model import ParseWarning

_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_LEVEL_REF = re.compile(r"%([1-9])")

# (numFmt, lvlText, start) for one list level.
Level = tuple[str, str, int]


def docx_lines(document: Any) -> tuple[list[str], list[ParseWarning]]:
    """Paragraphs and table rows of ``document`` in reading order, one line each."""
    numbering = _Numbering(document)
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(numbering.label(block) + block.text)
        elif isinstance(block, Table):
            lines.extend(_table_lines(block))
    warnings: list[ParseWarning] = []
    if numbering.rendered:
        warnings.append(ParseWarning.of("docx_numbering", n=numbering.rendered))
    return lines, warnings


def _table_lines(table: Table) -> list[str]:
    lines = []
    for row in table.rows:
        seen: set[int] = set()
        cells = []
        for cell in row.cells:
            # Merged cells come back once per grid column they span.
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(p.text for p in cell.paragraphs).strip())
        line = " ".join(c for c in cells if c)
        if line:
            lines.append(line)
    return lines


class _Numbering:
    def __init__(self, document: Any) -> None:
        self.levels: dict[str, dict[int, Level]] = _read_levels(document)
        self.counters: dict[str, dict[int, int]] = {}
        self.rendered = 0

    def label(self, paragraph: Paragraph) -> str:
        found = _num_pr(paragraph)
        if found is None:
            return ""
        num_id, ilvl = found
        levels = self.levels.get(num_id)
        if not levels or ilvl not in levels:
            return ""
        fmt, template, start = levels[ilvl]
        counters = self.counters.setdefault(num_id, {})
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        # A new item at one level restarts every level below it, as in Word.
        for deeper in [level for level in counters if level > ilvl]:
            del counters[deeper]
        if fmt in {"bullet", "none"}:
            return ""

        def render(match: re.Match[str]) -> str:
            level = int(match.group(1)) - 1
            level_fmt, _, level_start = levels.get(level, (fmt, "", 1))
            return _format_number(counters.get(level, level_start), level_fmt)

        text = _LEVEL_REF.sub(render, template)
        if text and paragraph.text.startswith(text):
            return ""
        self.rendered += 1
        return text


def _read_levels(document: Any) -> dict[str, dict[int, Level]]:
    try:
        root = document.part.numbering_part.element
    except (NotImplementedError, KeyError, AttributeError):
        return {}
    abstract: dict[str, dict[int, Level]] = {}
    for node in root.findall(qn("w:abstractNum")):
        levels: dict[int, Level] = {}
        for lvl in node.findall(qn("w:lvl")):
            ilvl = _int(lvl.get(qn("w:ilvl")), 0)
            levels[ilvl] = (_child_val(lvl, "w:numFmt", "decimal"), _child_val(lvl, "w:lvlText", ""),
                            _int(_child_val(lvl, "w:start", "1"), 1))
        abstract[node.get(qn("w:abstractNumId"), "")] = levels
    result: dict[str, dict[int, Level]] = {}
    for num in root.findall(qn("w:num")):
        levels = dict(abstract.get(_child_val(num, "w:abstractNumId", ""), {}))
        for override in num.findall(qn("w:lvlOverride")):
            ilvl = _int(override.get(qn("w:ilvl")), 0)
            start = override.find(qn("w:startOverride"))
            if start is not None and ilvl in levels:
                fmt, text, _ = levels[ilvl]
                levels[ilvl] = (fmt, text, _int(start.get(qn("w:val")), 1))
        result[num.get(qn("w:numId"), "")] = levels
    return result


def _num_pr(paragraph: Paragraph) -> tuple[str, int] | None:
    """(numId, level) of the paragraph's list numbering, own or inherited from its style."""
    candidates = [paragraph._p.pPr]
    style = paragraph.style
    depth = 0
    while style is not None and depth < 10:
        candidates.append(style.element.pPr)
        style = style.base_style
        depth += 1
    for ppr in candidates:
        if ppr is None:
            continue
        num_pr = ppr.find(qn("w:numPr"))
        if num_pr is None:
            continue
        num_id = _child_val(num_pr, "w:numId", "")
        if not num_id or num_id == "0":
            return None
        return num_id, _int(_child_val(num_pr, "w:ilvl", "0"), 0)
    return None


def _format_number(value: int, fmt: str) -> str:
    if fmt.startswith("chinese") or fmt in {"ideographTraditional", "taiwaneseCounting"}:
        return chinese_numeral(value)
    if fmt.startswith("decimalEnclosedCircle") and 1 <= value <= len(_CIRCLED):
        return _CIRCLED[value - 1]
    if fmt in {"lowerLetter", "upperLetter"} and 1 <= value <= 26:
        letter = chr(ord("a") + value - 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in {"lowerRoman", "upperRoman"}:
        roman = _roman(value)
        return roman.lower() if fmt == "lowerRoman" else roman
    return str(value)


def _roman(value: int) -> str:
    if not 0 < value < 4000:
        return str(value)
    numerals = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = []
    for number, numeral in numerals:
        count, value = divmod(value, number)
        out.append(numeral * count)
    return "".join(out)


def _child_val(node: Any, tag: str, default: str) -> str:
    child = node.find(qn(tag))
    if child is None:
        return default
    return child.get(qn("w:val"), default)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
