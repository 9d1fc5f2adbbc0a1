"""The layout of a notice: chrome, title, intro, sections 一、二、三、, closing and signature.

A progress notice has a fixed shape: a title (sometimes only in the web page around it), an
intro sentence naming the inspection, the organisational part, the issue-by-issue part,
the next steps, an invitation to send comments with the contact details, the signature
and its date. This module finds those parts; :mod:`header` and :mod:`tree` read them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from notices.parser.dates import DateRead, read_date_line, trailing_date
from notices.parser.labels import STYLE_SECTION, chinese_numeral, read_label
from notices.parser.model import (
    ROLE_ISSUES,
    ROLE_NEXT_STEPS,
    ROLE_ORGANISATION,
    ROLE_OTHER,
    ParseWarning,
)
from notices.parser.text import fold

_CHROME = re.compile(
    r"ICP备|公网安备|版权所有|主办单位|承办单位|网站地图|技术支持|网站标识|点击总量|浏览次数|访问量|阅读量|"
    r"【打印】|【关闭】|打印本页|关闭窗口|分享到|上一篇|下一篇|扫一扫|无障碍|长者模式|智能问答|当前位置|首页\s*>|>\s*首页|"
    r"^\s*首页\s*$|^\s*返回\s*(顶部)?\s*$|^\s*\d+\s*$|^[\-_=*·•>|\s]+$"
)
_TITLE_NEED = re.compile(r"关于|通报|公告|公布|情况")
_TITLE_TOPIC = re.compile(r"巡视|巡察|整改|督察|审计|反馈")
_META = re.compile(r"来源|日期|时间|发布|作者|浏览|字号|点击|编辑|打印|分享|稿源|【")
_INTRO_TOPIC = re.compile(r"巡视|巡察|督察|审计|整改")
_CONTACT = re.compile(
    r"欢迎广大|联系电话|联系方式|电子邮箱|邮政信箱|联系地址|监督电话|举报电话|意见建议|@[A-Za-z0-9-]{1,63}\."
)
_ORG_NAME = re.compile(
    r"(?:委|委员会|党委|党组|公司|集团|大学|学院|学校|政府|办公室|局|厅|院|部|中心|领导小组|工作组)$"
)

_ISSUE_WORDS = re.compile(r"问题|反馈意见|整改进展|进展情况|整改情况|逐条|逐项|落实情况|见效|方面")
_ORG_WORDS = re.compile(r"组织领导|组织整改|加强领导|部署|基本情况|总体情况|政治责任|站位|担当|思想|认识")
_NEXT_WORDS = re.compile(r"下一步|今后|打算|下步|后续|长效|巩固|后半篇文章|持续深化|继续")
# A problem category reads "关于…方面" or "…方面（存在）的问题": such a title is a category of the
# issue tree whatever it names ("关于贯彻落实上级决策部署方面" holds 部署, "落实全面从严治党政治责任方面"
# holds 政治责任), never an organisational part ("一、提高政治站位，加强组织领导").
_CATEGORY_TITLE = re.compile(r"^关于.{2,40}(?:方面|的问题)$|方面(?:存在)?的?问题$|方面$")


@dataclass(slots=True)
class SectionSpan:
    label: str
    number: int | None
    title: str
    heading: int | None  # index of the heading line, None for an implicit section
    start: int  # first body line index
    end: int  # one past the last body line
    role: str = ROLE_OTHER


@dataclass(slots=True)
class Layout:
    lines: list[str]
    title: str | None = None  # when present, it is the first line(s)
    meta: list[str] = field(default_factory=list)
    intro: tuple[int, int] = (0, 0)
    sections: list[SectionSpan] = field(default_factory=list)
    closing: tuple[int, int] = (0, 0)
    signed_by: str | None = None
    signed_date: DateRead | None = None
    signature_line: int | None = None
    warnings: list[ParseWarning] = field(default_factory=list)

    def text(self, start: int, end: int) -> str:
        return "\n".join(self.lines[start:end])


def read_layout(all_lines: list[str]) -> Layout:
    """Find the parts of a notice in its normalised lines (page chrome is dropped here)."""
    first, last = _strip_chrome(all_lines)
    lines = all_lines[first:last]
    intro_index = _find_intro(lines)
    title_at = _find_title(lines, intro_index)
    title_index, title_lines = title_at if title_at is not None else (None, 0)
    start = next((index for index in (title_index, intro_index) if index is not None), 0)
    date_index, signed_by, signed_date = _find_signature(lines, start)
    end = date_index + 1 if date_index is not None else len(lines)

    kept: list[str] = []
    meta: list[str] = []
    header_end = intro_index if intro_index is not None else start + 4
    for index in range(start, end):
        line = lines[index]
        if title_index is not None and title_index + title_lines <= index < header_end and _is_meta(line):
            meta.append(line)
        else:
            kept.append(line)
    # Meta lines above the title ("发布时间：…") are chrome, but their date is the publication's.
    meta.extend(line for line in lines[max(0, start - 5):start] if _is_meta(line))

    layout = Layout(kept, meta=meta, signed_by=signed_by, signed_date=signed_date)
    if title_index is not None:
        layout.title = "".join(kept[:title_lines])
    body_start = title_lines
    body_end = len(kept)
    if date_index is not None:
        body_end -= 1
        layout.signature_line = body_end
        if signed_by is not None and body_end > body_start and kept[body_end - 1] == signed_by:
            body_end -= 1
            layout.signature_line = body_end
            # Joint notices are signed by two bodies, one per line ("中共云岭州委" above
            # "云岭州人民政府"); the first one signs for both.
            while body_end - 1 > body_start and _looks_like_signer(kept[body_end - 1]) and \
                    len(kept[body_end - 1]) <= 20 and read_label(kept[body_end - 1]) is None:
                body_end -= 1
                layout.signature_line = body_end
                layout.signed_by = kept[body_end]
    closing_start = _find_closing(kept, body_start, body_end)
    layout.closing = (closing_start, body_end)
    layout.sections = _find_sections(kept, body_start, closing_start, layout.warnings)
    if layout.sections:
        first_heading = layout.sections[0].heading
        layout.intro = (body_start, first_heading if first_heading is not None else body_start)
    else:
        layout.intro = (body_start, _intro_end(kept, body_start, closing_start))
        layout.sections = [SectionSpan("", None, "", None, layout.intro[1], closing_start)]
    return layout


def _strip_chrome(lines: list[str]) -> tuple[int, int]:
    first, last = 0, len(lines)
    while first < last and _CHROME.search(lines[first]) and len(lines[first]) < 120:
        first += 1
    while last > first and _CHROME.search(lines[last - 1]) and len(lines[last - 1]) < 200:
        last -= 1
    return first, last


def _find_title(lines: list[str], intro_index: int | None) -> tuple[int, int] | None:
    """(first line, line count) of the title: the last title-like line shortly before the intro.

    The last one, because page heads repeat the title above the article. A long title that
    Word or a web page wrapped onto two lines ("…关于省委第五巡视组" / "反馈意见整改进展情况的
    通报") is taken whole.
    """
    window = range(min(len(lines), 60)) if intro_index is None else range(max(0, intro_index - 10), intro_index)
    found = None
    for index in window:
        line = lines[index]
        if _title_shaped(line) and _TITLE_NEED.search(line) and _TITLE_TOPIC.search(line):
            found = index
    if found is None:
        return None
    if found > 0 and "关于" not in lines[found] and _title_shaped(lines[found - 1]) and (
        "关于" in lines[found - 1] or lines[found - 1].startswith(("中共", "中国共产党"))
    ):
        return found - 1, 2
    return found, 1


def _title_shaped(line: str) -> bool:
    return 8 <= len(line) <= 150 and "。" not in line and ">" not in line and "," not in fold(line) and (
        read_label(line) is None
    )


def _find_intro(lines: list[str]) -> int | None:
    for index in range(min(len(lines), 80)):
        line = lines[index]
        punctuated = "。" in line or "," in fold(line)
        if len(line) >= 30 and punctuated and _INTRO_TOPIC.search(line) and read_label(line) is None:
            return index
    return None


def _is_meta(line: str) -> bool:
    return len(line) <= 100 and bool(_META.search(line)) and "。" not in line


def _find_signature(lines: list[str], start: int) -> tuple[int | None, str | None, DateRead | None]:
    """The signing date line near the end, and the signing body just above it."""
    for index in range(len(lines) - 1, max(start, len(lines) - 40) - 1, -1):
        line = lines[index]
        read = read_date_line(line)
        if read is not None:
            signer = lines[index - 1] if index - 1 > start else None
            if signer is not None and not _looks_like_signer(signer):
                signer = None
            return index, signer, read
        split = trailing_date(line)
        if split is not None and _looks_like_signer(split[0]):
            return index, split[0], split[1]
    return None, None, None


def _looks_like_signer(line: str) -> bool:
    return len(line) <= 40 and "。" not in line and bool(_ORG_NAME.search(line.strip()))


def _find_closing(lines: list[str], start: int, end: int) -> int:
    """Index of the contact paragraph(s) at the end of the body, or ``end``."""
    closing = end
    for index in range(end - 1, max(start, end - 8) - 1, -1):
        if _CONTACT.search(lines[index]):
            closing = index
        elif closing != end:
            break
    return closing


def _intro_end(lines: list[str], start: int, end: int) -> int:
    """Without 一、二、 sections the intro is the unlabelled opening paragraph(s)."""
    index = start
    while index < end and index - start < 3 and read_label(lines[index]) is None:
        index += 1
    return index


def _find_sections(lines: list[str], start: int, end: int, warnings: list[ParseWarning]) -> list[SectionSpan]:
    headings: list[tuple[int, int, str, str]] = []
    expected = 1
    for index in range(start, end):
        label = read_label(lines[index])
        if label is None or label.style != STYLE_SECTION or label.number is None:
            continue
        if label.number == expected or (label.number == expected + 1 and headings):
            if label.number != expected:
                warnings.append(ParseWarning.of("numbering_gap.section", index + 1,
                                                expected=f"{chinese_numeral(expected)}、", label=label.text))
            headings.append((index, label.number, label.text, label.rest))
            expected = label.number + 1
    sections = []
    for position, (index, number, text, rest) in enumerate(headings):
        stop = headings[position + 1][0] if position + 1 < len(headings) else end
        sections.append(SectionSpan(text, number, rest.rstrip("。:："), index, index + 1, stop))
    return sections


def assign_roles(layout: Layout, scores: list[int]) -> None:
    """Mark the issue section(s): the richest labelled tree, then its issue-titled neighbours.

    Titles vary too much to trust alone ("组织整改落实情况" is organisational,
    "集中整改期内整改进展情况" is the issues), so structure decides which section holds
    the issue tree and the titles only break ties and classify the rest.
    """
    sections = layout.sections
    if not sections:
        return
    weighted = []
    for section, score in zip(sections, scores, strict=True):
        bonus = 0
        if is_issue_title(section.title):
            bonus += 10
        if _NEXT_WORDS.search(section.title) and section.number not in (None, 1):
            bonus -= 20
        weighted.append(score + bonus if score > 0 else 0)
    main = max(range(len(sections)), key=lambda i: (weighted[i], -i))
    if weighted[main] <= 0:
        for section in sections:
            section.role = _side_role(section, before=True)
        return
    sections[main].role = ROLE_ISSUES
    # Neighbours with an issue-like title and labelled lines are issues too: a separate part
    # for the special checks, or a notice whose categories are its 一、二、三、 sections.
    first = main
    while first > 0 and _issue_neighbour(sections[first - 1], scores[first - 1]):
        first -= 1
        sections[first].role = ROLE_ISSUES
    last = main
    while last + 1 < len(sections) and _issue_neighbour(sections[last + 1], scores[last + 1]):
        last += 1
        sections[last].role = ROLE_ISSUES
    for index, section in enumerate(sections):
        if index < first:
            section.role = _side_role(section, before=True)
        elif index > last:
            section.role = _side_role(section, before=False)


def is_issue_title(title: str) -> bool:
    """A section title naming problems or a category of them, not an organisational or closing part."""
    if _CATEGORY_TITLE.search(title):
        return True
    return bool(_ISSUE_WORDS.search(title) and not _ORG_WORDS.search(title))


def _issue_neighbour(section: SectionSpan, score: int) -> bool:
    title = section.title
    return bool(score > 0 and is_issue_title(title) and not _NEXT_WORDS.search(title))


def _side_role(section: SectionSpan, *, before: bool) -> str:
    if before:
        return ROLE_ORGANISATION if section.heading is not None else ROLE_OTHER
    if _NEXT_WORDS.search(section.title) or not _ISSUE_WORDS.search(section.title):
        return ROLE_NEXT_STEPS
    return ROLE_OTHER
