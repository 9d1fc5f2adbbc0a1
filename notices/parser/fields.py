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
    **dict.fromkeys(("责任单位", "牵头单位", "责任部门", "牵头部门", "主责单位", "责任主体"), "units"),
    **dict.fromkeys(("配合单位", "协办单位", "协同单位", "参与单位"), "support_units"),
    **dict.fromkeys(("责任领导", "牵头领导", "分管领导", "领导责任人", "责任人"), "leader"),
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
_IMMEDIATE = re.compile(r"立行立改|立即整改|即知即改|立知立改|即查即改")

Paragraph = tuple[int, str]


@dataclass(slots=True)
class Fields:
    """The data fields of one item, as written (``raw``) and as read."""

    raw: dict[str, str] = field(default_factory=dict)
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
        matches = list(_FIELD.finditer(folded))
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


def _read(found: Fields, notice_date: date | None) -> None:
    found.units = split_units(found.raw.get("units", ""))
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
