"""Field lines of an item: 责任单位：… 责任领导：… 整改时限：… 整改情况：…

Structured progress lists (生态环境保护督察, audit reports, plan-style notices) give each
problem its data as labelled fields, one per line or run together in one paragraph
("责任单位：州水务局；责任领导：马林；整改时限：2024年6月底前；整改进展：…"). The data
fields are taken out of the text and given to the item's measures; the progress and
measure fields stay in the text, where :mod:`notices.parser.measures` reads the measures and
their states from them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from notices.parser.states import LONG_TERM, read_deadline
from notices.parser.text import fold

# Field name → what it holds. Progress fields are not listed: they stay in the text.
FIELD_KINDS: dict[str, str] = {
    **dict.fromkeys(("牵头单位", "牵头部门", "主责单位"), "lead_units"),
    **dict.fromkeys(("责任单位", "责任部门", "责任主体"), "units"),
    **dict.fromkeys(("配合单位", "协办单位", "协同单位", "参与单位", "配合部门"), "support_units"),
    **dict.fromkeys(("牵头领导", "责任领导", "分管领导", "领导责任人", "责任人"), "leader"),
    **dict.fromkeys(("整改时限", "完成时限", "整改期限", "时限要求", "完成时间", "整改时间"), "deadline"),
    **dict.fromkeys(("整改目标", "整改要求"), "target"),
}
_NAMES = "|".join(sorted(FIELD_KINDS, key=len, reverse=True))
# A data field opens a paragraph or follows a sentence or clause end.
_FIELD = re.compile(rf"(?:^|(?<=[。;；]))\s*({_NAMES})\s*[:：]\s*")
_PROGRESS = re.compile(
    r"(?:^|(?<=[。;；]))\s*(?:整改情况|整改进展|进展情况|完成情况|整改成效|落实情况|整改结果|整改措施)\s*[:：]"
)
_UNIT_SPLIT = "、,，;；/"
# An inline group of fields in brackets: "（责任单位：县财政局）", "(牵头单位:xx;配合单位:yy)".
_INLINE = re.compile(rf"[（(]\s*(?:{_NAMES})\s*[:：]")
_IMMEDIATE = re.compile(r"立行立改|立即整改|即知即改|立知立改|即查即改")

Paragraph = tuple[int, str]


@dataclass(slots=True)
class Fields:
    """The data fields of one item, as written (``raw``) and as read."""

    raw: dict[str, str] = field(default_factory=dict)
    # Lead units first (牵头单位), then the other responsible units (责任单位).
    units: list[str] = field(default_factory=list)
    support_units: list[str] = field(default_factory=list)
    leader: str | None = None
    deadline: date | None = None
    deadline_phrase: str = ""
    long_term: bool = False
    immediate: bool = False

    def __bool__(self) -> bool:
        return bool(self.raw)


def extract_fields(paragraphs: list[Paragraph], notice_date: date | None) -> tuple[Fields, list[Paragraph]]:
    """Take the data fields out of ``paragraphs``; return them and the remaining text."""
    found = Fields()
    rest: list[Paragraph] = []
    for line, text in paragraphs:
        if "：" not in text and ":" not in text:
            rest.append((line, text))  # no field without its colon: most paragraphs stop here
            continue
        folded = fold(text)
        stripped = folded.strip(" 。")
        if _INLINE.match(stripped) and len(_bracketed(stripped, 0)) == len(stripped) - 2:
            # A line that is only a bracketed group of fields: "（责任单位：县财政局；责任领导：王强）".
            for kind, value in inline_fields(stripped, notice_date).raw.items():
                found.raw.setdefault(kind, value)
            continue
        # A field inside brackets belongs to the clause it qualifies (see inline_fields).
        matches = [m for m in _FIELD.finditer(folded) if not _inside_brackets(folded, m.start(1))]
        if not matches:
            rest.append((line, text))
            continue
        lead = text[: matches[0].start()].strip()
        if lead:
            rest.append((line, lead))
        for position, match in enumerate(matches):
            stop = matches[position + 1].start() if position + 1 < len(matches) else len(text)
            value = text[match.end():stop]
            # A progress field run on after the data fields stays text of its own.
            progress = _PROGRESS.search(fold(value))
            if progress is not None:
                rest.append((line, value[progress.start():].strip()))
                value = value[: progress.start()]
            name = match.group(1)
            found.raw.setdefault(FIELD_KINDS[name], value.strip(" ；;。，,"))
    if found.raw:
        _read(found, notice_date)
    return found, rest


def inline_fields(text: str, notice_date: date | None) -> Fields:
    """The bracketed field groups of one paragraph: "建立台账（牵头单位：县财政局；配合单位：县审计局）"."""
    found = Fields()
    if "：" not in text and ":" not in text:
        return found
    folded = fold(text)
    for match in _INLINE.finditer(folded):
        inner = _bracketed(folded, match.start())
        for part in _INLINE_SPLIT.split(inner):
            part = part.strip(" ，,。")
            name = _FIELD_NAME.match(part)
            if name is not None:
                found.raw.setdefault(FIELD_KINDS[name.group(1)], part[name.end():].strip(" ；;。，,"))
    if found.raw:
        _read(found, notice_date)
    return found


_FIELD_NAME = re.compile(rf"({_NAMES})\s*[:：]\s*")
_INLINE_SPLIT = re.compile(rf"[;；,，]\s*(?=(?:{_NAMES})\s*[:：])")


def _inside_brackets(text: str, position: int) -> bool:
    depth = 0
    for char in text[:position]:
        if char in "（(":
            depth += 1
        elif char in "）)" and depth:
            depth -= 1
    return depth > 0


def _bracketed(text: str, start: int) -> str:
    """The text inside the bracket opening at ``start``, nested brackets kept."""
    depth = 0
    for position in range(start, len(text)):
        char = text[position]
        if char in "（(":
            depth += 1
        elif char in "）)":
            depth -= 1
            if depth == 0:
                return text[start + 1: position]
    return text[start + 1:]


def merge(first: Fields, then: Fields) -> Fields:
    """``first`` with what it lacks taken from ``then`` (a measure's own fields before its item's)."""
    if not then:
        return first
    if not first:
        return then
    raw = {**then.raw, **first.raw}
    merged = Fields(raw=raw)
    merged.units = first.units or then.units
    merged.support_units = first.support_units or then.support_units
    merged.leader = first.leader or then.leader
    if "deadline" in first.raw:
        merged.deadline, merged.deadline_phrase = first.deadline, first.deadline_phrase
        merged.long_term, merged.immediate = first.long_term, first.immediate
    else:
        merged.deadline, merged.deadline_phrase = then.deadline, then.deadline_phrase
        merged.long_term, merged.immediate = then.long_term, then.immediate
    return merged


def _read(found: Fields, notice_date: date | None) -> None:
    units = split_units(found.raw.get("lead_units", "")) + split_units(found.raw.get("units", ""))
    found.units = list(dict.fromkeys(units))
    found.support_units = split_units(found.raw.get("support_units", ""))
    leader = found.raw.get("leader", "").strip()
    found.leader = leader or None
    when = found.raw.get("deadline", "")
    if when:
        found.long_term = bool(LONG_TERM.search(when))
        found.immediate = bool(_IMMEDIATE.search(when))
        # A field holds only the date: "2023年12月底前", or "2023年12月底" with the
        # completion it is the date of left unsaid.
        deadline, phrase = read_deadline(when, notice_date)
        if deadline is None:
            deadline, phrase = read_deadline(when + "完成", notice_date)
        found.deadline, found.deadline_phrase = deadline, phrase


def split_units(value: str) -> list[str]:
    """"市林业局、相关县（市、区）人民政府" → two units: separators inside brackets do not count."""
    units: list[str] = []
    depth = 0
    current = ""
    for char in value:
        if char in "（(":
            depth += 1
        elif char in "）)":
            depth = max(0, depth - 1)
        if char in _UNIT_SPLIT and depth == 0:
            if current.strip():
                units.append(current.strip())
            current = ""
            continue
        current += char
    if current.strip():
        units.append(current.strip())
    return units
