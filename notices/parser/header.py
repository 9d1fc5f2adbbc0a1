"""Header facts: title, issuer, dates, inspection team and period, special checks, declared
totals and contact details.

They are read from fixed places — the title, the meta line under it, the intro sentence
("根据省委统一部署，2023年2月27日至5月10日，省委第七巡视组对湾沚区开展了巡视…"), the
organisational section (where totals are declared), the closing paragraph and the
signature — so that figures quoted inside the issue tree are never taken for totals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from cases.choices import VOCABULARY
from notices.parser.dates import DateRead, find_any_date, find_period, last_date_before
from notices.parser.labels import cn_to_int
from notices.parser.layout import Layout
from notices.parser.model import ROLE_ORGANISATION, Contact, NoticeHeader, ParseWarning
from notices.parser.text import fold

_TEAM = re.compile(
    r"(中央|省委|市委|州委|盟委|区委|县委|旗委|自治区党委|校党委|党委|党组)(第)?"
    r"([一二三四五六七八九十]{1,3})(?:轮)?([\u4e00-\u9fff]{0,8}?)(巡视|巡察|督察)组"
)
_INSPECTED = re.compile(
    r"(?:巡视组|巡察组|督察组)(?:于)?(?:对|进驻)(.{2,30}?)(?:开展|进行|实施)了?"
    r"(?:为期[^,。;]{1,12})?(?:常规|专项|机动|提级|交叉|联动)?(?:巡视|巡察|督察)"
)
_INSPECTED_IN_TITLE = re.compile(r"对(.{2,24}?)(?:开展|进行)?(?:的)?(?:常规|专项|机动)?(?:巡视|巡察)(?:反馈|整改|意见)")
_FEEDBACK = re.compile(r"反馈了?(?:[\u4e00-\u9fff]{0,4})?(?:巡视|巡察|督察)?(?:意见|问题|情况)")
_ISSUER_PREFIX = re.compile(r"^(.{2,40}?)关于")
_ORG_END = re.compile(r"(?:委|委员会|党委|党组|公司|集团|大学|学院|学校|政府|局|厅|院|部|中心)$")

_CN = "[一二三四五六七八九十]{1,3}"
_NUM = rf"(?<![\d.一二三四五六七八九十])(\d{{1,6}}|{_CN})"
_DECLARED_CATEGORIES = re.compile(
    rf"{_NUM}\s*(?:大类|个方面|方面|类)\s*{_NUM}\s*(?:个|项|条)(?:方面)?(?:具体|反馈)?问题"
)
# A bare "N个问题" counts only with a word saying these are the feedback's problems: "一个
# 问题整改，推动一类问题解决" is a slogan, not a total.
_DECLARED_PROBLEMS = (
    re.compile(r"(?<![\d.])(\d+)\s*(?:个|项|条)(?:方面)?(?:反馈|具体)问题"),
    re.compile(r"(?:反馈|指出|提出|交办|移交|涉及|针对)[^,。;\d]{0,10}?(?<![\d.])(\d+)\s*(?:个|项|条)(?:方面)?问题"),
    re.compile(r"反馈(?:意见)?问题\s*(?:共)?\s*(\d+)\s*(?:个|项|条)"),
)
_DECLARED_MEASURES = (
    re.compile(r"整改措施\s*(?:共)?\s*(\d+)\s*(?:条|项|个)"),
    re.compile(r"(?<![\d.])(\d+)\s*(?:条|项)(?:具体)?整改措施"),
)
_DECLARED_CHECKS = re.compile(rf"{_NUM}\s*个专项检查")
_DECLARED_CAMPAIGNS = re.compile(rf"{_NUM}\s*个(?:重点领域)?专项整治")
_DECLARED_RATE = re.compile(r"(?:整改)?完成率\s*(?:达到?|为)?\s*(\d+(?:\.\d+)?)\s*%")
# The summary's words per state come from the one vocabulary of states (cases.choices);
# "ongoing" (尚未完成) is a figure of notices, not a state.
_STATE_WORDS = {
    # Most advanced first: the alternation of _DECLARED_STATE tries them in this order.
    **{state: VOCABULARY[state].notice_figure_words for state in ("completed", "phased", "in_progress")},
    "ongoing": ("尚未完成", "未完成"),
}
_DECLARED_STATE = re.compile(
    "(" + "|".join(word for words in _STATE_WORDS.values() for word in words) + r")"
    r"[^，,。；;\d]{0,20}?(\d+)\s*(?:个|项|条)(?:问题)?"
    r"(?:\s*[,]\s*(?:占比|占|比例为?)\s*(\d+(?:\.\d+)?)\s*%)?"
)
_CHECK_LEAD = re.compile(r"^.*?(?:同步开展了|同时开展了|开展了|同步开展|同时开展|统筹推进|开展|推进)")
_CHECK_SPLIT = re.compile(r"、|以及|及|和")

_PHONE = re.compile(
    r"(?<![\d-])(0\d{2,3}\s*[-－—]\s*\d{7,8}(?:\s*[-－转]\s*\d{1,5})?|1[3-9]\d{9}|\d{7,8}(?=[;；,，。\s]|$))"
)
# Bounded repetitions and a start anchor keep these linear on pathological input
# ("1.1.1.…" or a megabyte of digits), which unbounded ones would scan quadratically.
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,4}\.[A-Za-z]{2,12}"
)
_POSTCODE = re.compile(r"(?:邮编|邮政编码)\s*[:：]?\s*(\d{6})(?!\d)")
_ADDRESS = re.compile(r"(?:联系地址|通信地址|通讯地址|邮寄地址|邮政信箱|来信地址|地址)\s*[:：]\s*")


_SCAN_LIMIT = 4000


@dataclass(slots=True)
class HeaderRead:
    header: NoticeHeader
    warnings: list[ParseWarning] = field(default_factory=list)


def read_header(layout: Layout) -> HeaderRead:
    result = HeaderRead(NoticeHeader(title=layout.title))
    header = result.header
    intro_line = layout.intro[0] + 1
    # Header facts sit in short paragraphs; bounding what is scanned keeps a pathological
    # megabyte-long "intro" from costing seconds in the many header patterns.
    intro = layout.text(*layout.intro)[:_SCAN_LIMIT]
    if layout.title is None:
        result.warnings.append(ParseWarning("no_title", "未找到标题行（no title line found）", None))
    _read_dates_of_signature(layout, result)
    header.published_on = _published_on(layout.meta)
    header.inspection_team = _team(layout.title or "", intro, result, intro_line)
    header.inspected_body = _inspected_body(layout.title or "", intro)
    _read_period_and_feedback(intro, result, intro_line)
    declared_text = "\n".join([intro, *(text[:_SCAN_LIMIT * 5] for text in _organisation_texts(layout))])
    header.special_checks = _special_checks(declared_text)
    header.declared = _declared(declared_text, result, intro_line)
    closing = layout.text(*layout.closing) or layout.text(max(0, layout.closing[0] - 3), layout.closing[0])
    header.contact = _contact(closing[:_SCAN_LIMIT])
    header.signed_by = layout.signed_by
    header.issuer = _issuer(layout.title, layout.signed_by)
    return result


def _organisation_texts(layout: Layout) -> list[str]:
    return [layout.text(s.start, s.end) for s in layout.sections if s.role == ROLE_ORGANISATION]


def _read_dates_of_signature(layout: Layout, result: HeaderRead) -> None:
    read = layout.signed_date
    line = layout.signature_line + 1 if layout.signature_line is not None else None
    if read is None:
        result.warnings.append(ParseWarning("no_signature", "未找到落款日期（no signing date found）", None))
        return
    result.header.signed_on = _accept(read, "落款日期", "signing date", result, line)


def _accept(read: DateRead, zh: str, en: str, result: HeaderRead, line: int | None) -> date | None:
    """Return the date; report damage, the reading chosen, or that none was possible."""
    if not read.damaged:
        if read.value is None:
            message = f"{zh}“{read.raw}”不是有效日期（invalid {en} “{read.raw}”）"
            result.warnings.append(ParseWarning("date_invalid", message, line))
        return read.value
    readings = "、".join(f"{m}月{d}日" for m, d in read.readings) or "无"
    if read.value is not None:
        result.warnings.append(ParseWarning(
            "date_damaged",
            f"{zh}“{read.raw}”缺失“年/月/日”，唯一可能的读法为 {read.value.isoformat()}"
            f"（damaged {en} “{read.raw}”: 年/月/日 lost; the only valid reading is {read.value.isoformat()}）",
            line,
        ))
    else:
        result.warnings.append(ParseWarning(
            "date_ambiguous",
            f"{zh}“{read.raw}”缺失“年/月/日”，无法唯一确定（可能的读法：{readings}），留空"
            f"（damaged {en} “{read.raw}” has {len(read.readings)} possible readings; left empty）",
            line,
        ))
    return read.value


def _published_on(meta: list[str]) -> date | None:
    for line in meta:
        read = find_any_date(line)
        if read is not None:
            return read.value
    return None


def _team(title: str, intro: str, result: HeaderRead, line: int) -> str | None:
    damaged: tuple[str, re.Match[str]] | None = None
    for text in (title, intro):
        for match in _TEAM.finditer(fold(text)):
            if match.group(2):
                return text[match.start():match.end()]
            damaged = damaged or (text, match)
    if damaged is None:
        return None
    text, match = damaged
    prefix, _, numeral, middle, kind = match.groups()
    repaired = f"{prefix}第{numeral}{middle}{kind}组"
    result.warnings.append(ParseWarning(
        "team_damaged",
        f"巡视组名称“{text[match.start():match.end()]}”缺“第”字，读作“{repaired}”"
        f"（inspection team name lacks 第; read as “{repaired}”）",
        line,
    ))
    return repaired


def _inspected_body(title: str, intro: str) -> str | None:
    match = _INSPECTED.search(fold(intro))
    if match:
        return intro[match.start(1):match.end(1)].strip()
    match = _INSPECTED_IN_TITLE.search(fold(title))
    if match:
        return title[match.start(1):match.end(1)].strip()
    return None


def _read_period_and_feedback(intro: str, result: HeaderRead, line: int) -> None:
    header = result.header
    folded = fold(intro)
    anchor = next((m.start() for m in re.finditer("巡视|巡察|督察", folded)), 0)
    period = find_period(intro, anchor)
    if period is not None:
        header.inspection_start = _accept(period.start, "巡视开始日期", "inspection start date", result, line)
        header.inspection_end = _accept(period.end, "巡视结束日期", "inspection end date", result, line)
    feedback = _FEEDBACK.search(folded, period.span[1] if period else 0)
    if feedback is not None:
        read = last_date_before(intro, feedback.start(), skip=period.span if period else None)
        if read is not None:
            header.feedback_on = _accept(read, "反馈日期", "feedback date", result, line)


def _special_checks(text: str) -> list[str]:
    folded = fold(text)
    match = _DECLARED_CHECKS.search(folded)
    if match is None:
        return []
    count = _to_int(match.group(1))
    lead = folded[: match.start()]
    cut = max(lead.rfind(mark) for mark in "，,。；;：:（(")
    segment = re.sub(r"等$", "", text[cut + 1:match.start()].strip())
    pieces = [piece.strip() for piece in _CHECK_SPLIT.split(segment) if piece.strip()]
    if count and len(pieces) > count:
        pieces = pieces[-count:]
    if pieces:
        pieces[0] = _CHECK_LEAD.sub("", pieces[0]) or pieces[0]
    return [piece for piece in pieces if 1 < len(piece) <= 30]


def _declared(text: str, result: HeaderRead, line: int) -> dict[str, int | float]:
    folded = fold(text)
    declared: dict[str, int | float] = {}

    def put(key: str, value: int | float | None) -> None:
        if value is None:
            return
        if key in declared and declared[key] != value:
            result.warnings.append(ParseWarning(
                "declared_conflict",
                f"通报声明的数字不一致：{key} 为 {declared[key]} 与 {value}，取前者"
                f"（the notice declares {key} as both {declared[key]} and {value}; the first is kept）",
                line,
            ))
            return
        declared.setdefault(key, value)

    for match in _DECLARED_CATEGORIES.finditer(folded):
        put("categories", _to_int(match.group(1)))
        put("problems", _to_int(match.group(2)))
    for pattern in _DECLARED_PROBLEMS:
        for match in pattern.finditer(folded):
            if not _is_part_of_categories(folded, match.start()):
                put("problems", _to_int(match.group(1)))
    for pattern in _DECLARED_MEASURES:
        for match in pattern.finditer(folded):
            put("measures", _to_int(match.group(1)))
    for match in _DECLARED_STATE.finditer(folded):
        key = next(state for state, words in _STATE_WORDS.items() if match.group(1) in words)
        put(key, int(match.group(2)))
        if match.group(3):
            put(f"{key}_pct", float(match.group(3)))
    for key, pattern in (("special_checks", _DECLARED_CHECKS), ("campaigns", _DECLARED_CAMPAIGNS)):
        match = pattern.search(folded)
        if match:
            put(key, _to_int(match.group(1)))
    rate = _DECLARED_RATE.search(folded)
    if rate and "completed_pct" not in declared:
        put("completed_pct", float(rate.group(1)))
    return declared


def _is_part_of_categories(folded: str, start: int) -> bool:
    """True for the "17个方面问题" of "5大类17个方面问题", already read with its categories."""
    return bool(re.search(rf"{_NUM}\s*(?:大类|个方面|方面|类)\s*$", folded[max(0, start - 8):start]))


def _contact(text: str) -> Contact:
    folded = fold(text)
    phones = [re.sub(r"\s", "", text[m.start():m.end()]) for m in _PHONE.finditer(folded)]
    email = _EMAIL.search(folded)
    postcode = _POSTCODE.search(folded)
    return Contact(
        phone=phones[0] if phones else None,
        email=text[email.start():email.end()] if email else None,
        address=_address(text, folded),
        postcode=postcode.group(1) if postcode else None,
        phones=phones,
    )


def _address(text: str, folded: str) -> str | None:
    """The address up to its delimiter; a bracket that only holds the postcode is cut off."""
    match = _ADDRESS.search(folded)
    if match is None:
        return None
    start = match.end()
    depth = 0
    end = start
    while end < len(folded):
        char = folded[end]
        if char == "(":
            closing = folded.find(")", end)
            inside = folded[end:closing if closing > 0 else len(folded)]
            if re.search(r"邮编|邮政编码|信封|注明", inside):
                break
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char in ",;。" and depth == 0:
            break
        end += 1
    address = text[start:end].strip()
    return address or None


def _issuer(title: str | None, signed_by: str | None) -> str | None:
    if title:
        match = _ISSUER_PREFIX.match(title)
        if match and (_ORG_END.search(match.group(1)) or match.group(1).startswith(("中共", "中国共产党"))):
            return match.group(1)
    return signed_by


def _to_int(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else cn_to_int(raw)
