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
from notices.parser.messages import DATE_TERMS, DECLARED_TERMS, Term
from notices.parser.model import ROLE_ORGANISATION, Contact, NoticeHeader, ParseWarning
from notices.parser.text import fold

_TEAM = re.compile(
    r"(中央|省委|市委|州委|盟委|区委|县委|旗委|自治区党委|校党委|党委|党组)(第)?"
    r"([一二三四五六七八九十]{1,3})(?:轮)?([\u4e00-\u9fff]{0,8}?)(巡视|巡察|督察)组"
)
_BODY_PREFIX = r"(?:中央|省委|市委|州委|盟委|区委|县委|旗委|自治区党委|校党委|党委|党组|省|市|州|县|区|自治区)"
_CN_NUM = "[一二三四五六七八九十]{1,3}"
# Other ways the genre names the inspecting body, tried in order after _TEAM:
_TEAMS = (
    # 省委教育工委第四巡察组, 省第三生态环境保护督察组, 中央第五生态环境保护督察组
    re.compile(rf"{_BODY_PREFIX}[\u4e00-\u9fff]{{0,8}}?第{_CN_NUM}(?:轮)?[\u4e00-\u9fff]{{0,8}}?(?:巡视|巡察|督察|检查)组"),
    # 县委巡察三组, 区委巡察第二组
    re.compile(rf"{_BODY_PREFIX}[\u4e00-\u9fff]{{0,8}}?(?:巡视|巡察|督察)第?{_CN_NUM}组"),
    # 市委组织部选人用人专项检查组, 省生态环境保护督察组
    re.compile(rf"{_BODY_PREFIX}[\u4e00-\u9fff]{{0,12}}?(?:专项检查|督察|检查|巡视|巡察)组"),
    # 审计署长沙特派员办事处, 审计署驻…审计局, 省审计厅, 市审计局
    re.compile(r"审计署(?:[\u4e00-\u9fff]{2,4}特派员办事处|驻[\u4e00-\u9fff]{2,12}?审计局)?"
               r"|(?:省|市|州|县|区|自治区|旗)审计(?:厅|局)"),
)
# "…组对临江市开展了第三轮省级生态环境保护督察": what follows the team names the body.
_BODY_AFTER_TEAM = re.compile(
    r"^\s*(?:于[^,。;]{0,20}?)?(?:对|进驻)([^,。;]{2,30}?)(?:开展|进行|实施)了?"
)
_NOT_A_BODY = re.compile(r"\d|情况$|收支|预算|账目")
_INSPECTED = re.compile(
    r"(?:巡视组|巡察组|督察组)(?:于)?(?:对|进驻)(.{2,30}?)(?:开展|进行|实施)了?"
    r"(?:为期[^,。;]{1,12})?(?:常规|专项|机动|提级|交叉|联动)?(?:巡视|巡察|督察)"
)
_INSPECTED_IN_TITLE = re.compile(r"对(.{2,24}?)(?:开展|进行)?(?:的)?(?:常规|专项|机动)?(?:巡视|巡察)(?:反馈|整改|意见)")
_FEEDBACK = re.compile(
    r"反馈了?(?:[\u4e00-\u9fff]{0,4})?(?:巡视|巡察|督察|检查)?(?:意见|问题|情况)"
    r"|(?:报送|出具|印发|送达)了?(?:[\u4e00-\u9fff]{0,4})?(?:审计|检查)(?:结果|报告|意见)"
)
_ISSUER_PREFIX = re.compile(r"^(.{2,40}?)关于")
_ORG_END = re.compile(r"(?:委|委员会|党委|党组|公司|集团|大学|学院|学校|政府|局|厅|院|部|中心)$")

_CN = "[一二三四五六七八九十]{1,3}"
_NUM = rf"(?<![\d.一二三四五六七八九十])(\d{{1,6}}|{_CN})"
_DECLARED_CATEGORIES = re.compile(
    rf"{_NUM}\s*(?:大类|个方面|方面|类)\s*{_NUM}\s*(?:个|项|条)(?:方面)?(?:具体|反馈)?问题"
)
# A bare "N个问题" counts only with a word saying these are the feedback's problems: "一个
# 问题整改，推动一类问题解决" is a slogan, not a total.
# "审计发现问题共3类8个", "指出3个方面8类问题", "3个方面问题细化为7个具体问题"
_DECLARED_KINDS = (
    re.compile(rf"问题\s*(?:共)?\s*{_NUM}\s*(?:大类|类)\s*{_NUM}\s*(?:个|项|条)"),
    re.compile(rf"{_NUM}\s*(?:个方面|方面)\s*{_NUM}\s*类(?:具体|突出)?问题"),
)
_DECLARED_ASPECTS = re.compile(rf"{_NUM}\s*个方面(?:的)?问题(?!\s*\d)")
_ASPECT_AT = re.compile(r"\d+\s*个方面(?:的)?问题(?!\s*\d)")
_DECLARED_PROBLEMS = (
    re.compile(r"(?<![\d.])(\d+)\s*(?:个|项|条)(?:方面)?(?:反馈|具体)问题"),
    re.compile(r"(?:反馈|指出|提出|交办|移交|涉及|针对)[^,。;\d]{0,10}?(?<![\d.])(\d+)\s*(?:个|项|条)(?:方面)?问题"),
    re.compile(r"反馈(?:意见)?问题\s*(?:共)?\s*(\d+)\s*(?:个|项|条)"),
    re.compile(r"(?:指出|梳理出|梳理|发现|查出|反映)(?:了)?(?:具体)?问题\s*(?:共)?\s*(\d+)\s*(?:个|项|条)"),
    re.compile(r"(?:细化|分解)为\s*(\d+)\s*(?:个|项|条)(?:具体)?问题"),
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
# "其余2个取得阶段性成效", "另有1个正按计划推进": the count before the state wording.
_DECLARED_REST = re.compile(
    r"(?:其余|另有|剩余|还有)\s*(\d+)\s*(?:个|项|条)(?:问题)?\s*(?:已|均已|均|正在|正)?\s*("
    + "|".join(word.removeprefix("已") for words in _STATE_WORDS.values() for word in words) + ")"
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
        result.warnings.append(ParseWarning.of("no_title"))
    _read_dates_of_signature(layout, result)
    header.published_on = _published_on(layout.meta)
    header.inspection_team = _team(layout.title or "", intro, result, intro_line)
    header.inspected_body = _inspected_body(layout.title or "", intro, header.inspection_team)
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
        result.warnings.append(ParseWarning.of("no_signature"))
        return
    result.header.signed_on = _accept(read, "signing", result, line)


def _accept(read: DateRead, what: str, result: HeaderRead, line: int | None) -> date | None:
    """Return the date; report damage, the reading chosen, or that none was possible."""
    term = Term(DATE_TERMS[what])
    if not read.damaged:
        if read.value is None:
            result.warnings.append(ParseWarning.of("date_invalid", line, what=term, raw=read.raw))
        return read.value
    if read.value is not None:
        result.warnings.append(ParseWarning.of("date_damaged", line, what=term, raw=read.raw,
                                               date=read.value.isoformat()))
    else:
        readings = "、".join(f"{m}月{d}日" for m, d in read.readings) or "—"
        result.warnings.append(ParseWarning.of("date_ambiguous", line, what=term, raw=read.raw,
                                               n=len(read.readings), readings=readings))
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
    for pattern in () if damaged is not None else _TEAMS:
        for text in (intro, title):
            # The fullest name wins: "审计署长沙特派员办事处" over the "审计署" of "审计署审计结果公告制度".
            match = max(pattern.finditer(fold(text)), key=lambda m: m.end() - m.start(), default=None)
            if match is not None:
                return text[match.start():match.end()]
    if damaged is None:
        return None
    text, match = damaged
    prefix, _, numeral, middle, kind = match.groups()
    repaired = f"{prefix}第{numeral}{middle}{kind}组"
    result.warnings.append(ParseWarning.of("team_damaged", line, raw=text[match.start():match.end()], team=repaired))
    return repaired


def _inspected_body(title: str, intro: str, team: str | None = None) -> str | None:
    match = _INSPECTED.search(fold(intro))
    if match:
        return intro[match.start(1):match.end(1)].strip()
    if team:
        folded = fold(intro)
        at = folded.find(fold(team))
        if at >= 0:
            after = _BODY_AFTER_TEAM.match(folded[at + len(team):])
            if after is not None and not _NOT_A_BODY.search(after.group(1)):
                start = at + len(team) + after.start(1)
                return intro[start:start + len(after.group(1))].strip()
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
        header.inspection_start = _accept(period.start, "start", result, line)
        header.inspection_end = _accept(period.end, "end", result, line)
    feedback = _FEEDBACK.search(folded, period.span[1] if period else 0)
    if feedback is not None:
        read = last_date_before(intro, feedback.start(), skip=period.span if period else None)
        if read is not None:
            header.feedback_on = _accept(read, "feedback", result, line)


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
            result.warnings.append(ParseWarning.of("declared_conflict", line, what=Term(DECLARED_TERMS.get(key, key)),
                                                   first=declared[key], second=value))
            return
        declared.setdefault(key, value)

    for pattern in (_DECLARED_CATEGORIES, *_DECLARED_KINDS):
        for match in pattern.finditer(folded):
            put("categories", _to_int(match.group(1)))
            put("problems", _to_int(match.group(2)))
    if "categories" not in declared:
        aspects = _DECLARED_ASPECTS.search(folded)
        if aspects is not None:
            put("categories", _to_int(aspects.group(1)))
    for pattern in _DECLARED_PROBLEMS:
        for match in pattern.finditer(folded):
            # "3个方面问题" counts categories (read above), not problems.
            if not _is_part_of_categories(folded, match.start()) and not _ASPECT_AT.match(folded, match.start(1)):
                put("problems", _to_int(match.group(1)))
    for pattern in _DECLARED_MEASURES:
        for match in pattern.finditer(folded):
            put("measures", _to_int(match.group(1)))
    for match in _DECLARED_STATE.finditer(folded):
        key = next(state for state, words in _STATE_WORDS.items() if match.group(1) in words)
        put(key, int(match.group(2)))
        if match.group(3):
            put(f"{key}_pct", float(match.group(3)))
    for match in _DECLARED_REST.finditer(folded):
        word = match.group(2)
        key = next(state for state, words in _STATE_WORDS.items()
                   if word in words or "已" + word in words)
        put(key, int(match.group(1)))
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
