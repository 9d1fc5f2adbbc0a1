"""What a measure's wording says: its state, its figures and its deadline.

Notices do not fill in a state column; they write "已全部整改到位", "正按计划推进",
"取得阶段性成效", "达到序时进度". The state proposed here is only a proposal for the
importer, so the phrase that justified it is always returned with it.

Precedence, when a text holds several state wordings (tested one rule at a time in
``tests/notices/test_states.py``):

1. **A verdict wins.** The wording that closes the text (its last clause), or a state
   phrase standing alone at its start ("整改情况：已完成。新建…", "达到序时进度。…"), is
   the notice's verdict on the measure; the other wordings describe steps of it ("3个项目
   已开工建设，其余…，已取得阶段性成效" is phased). Where both ends carry one, the less
   advanced of the two wins.
2. **Otherwise the least advanced wording wins**: "2个问题已完成整改,1个问题正按计划推进"
   mid-text is in progress; it is the one still to be watched.
3. **"已完成，长期坚持" is completed**, and long-term: 长期坚持 after a completion says
   the measure is kept up, not that it is unfinished. Alone ("长期坚持", "需长期坚持") it is
   phased and long-term.
4. **达到序时进度 / 未达到序时进度** (on / behind schedule) are in progress.
5. A completion that is negated ("未整改到位") or ahead ("将…整改到位") is in progress; one
   that states an aim ("确保整改到位") says nothing.

Deadlines: a date the text states ("2024年6月底前") is one; "年内" alone names no date
and is not taken for 31 December (the measure then gets the import's default deadline).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from cases.choices import VOCABULARY
from notices.parser.dates import make_date, month_end
from notices.parser.model import STATES, NumberMention
from notices.parser.text import fold

DEFAULT_STATE = "in_progress"

_COMPLETED = VOCABULARY["completed"].notice_pattern  # cases.choices
_PHASED = VOCABULARY["phased"].notice_pattern  # cases.choices
_IN_PROGRESS = VOCABULARY["in_progress"].notice_pattern  # cases.choices
_SUBMITTED = VOCABULARY["submitted"].notice_pattern  # cases.choices
# Spelt out so that each alternative starts with a plain character, like the patterns of
# cases.choices ("未?达到…" would make the engine try the pattern at every position).
_ON_SCHEDULE = r"未达到序时进度|达到序时进度|未达序时进度|序时推进|按序时推进|滞后于序时进度|进度滞后"
_PLANNED = VOCABULARY["planned"].notice_pattern  # cases.choices

_STATE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (state, re.compile(pattern))
    for state, pattern in (
        ("completed", _COMPLETED),
        ("phased", _PHASED),
        ("in_progress", _IN_PROGRESS),
        ("submitted", _SUBMITTED),
        ("planned", _PLANNED),
        ("in_progress", _ON_SCHEDULE),
    )
)
# Any state wording at all: most measures hold none, and one search of the union (whose
# alternatives all start with a plain character) spares them the six searches.
_ANY_STATE = re.compile("|".join(pattern.pattern for _, pattern in _STATE_PATTERNS))
# 长期坚持 right after a completion ("已完成，长期坚持", "已完成整改并长期坚持") marks a
# long-term measure that is done, not an unfinished one.
_KEPT_UP = re.compile(r"[，,、;；。\s]{0,2}(?:并|需|仍需|将)?(?:长期坚持|持续巩固|常态化推进|长期推进)")
LONG_TERM = re.compile(r"长期坚持|长期整改|久久为功|长期推进|常态长效|常抓不懈")
_CLAUSE_END = "，,。；;！!？?"
# A completion that is negated ("未整改到位") or still ahead ("将…彻底整改到位") is not one.
_NEGATION = re.compile(r"(?:未|没有|尚未|不)$")
_FUTURE = re.compile(r"(?:将|拟|计划|预计|力争|争取|有望|预期)[^，,。；;！!]{0,10}$")
# "确保问题整改到位" states an aim, not a result: such a phrase says nothing about the state.
_PURPOSE = re.compile(r"(?:确保|保障|保证|推动|督促|要求|力求|促进|推进|实现)[^，,。；;！!]{0,10}$")


@dataclass(slots=True)
class StateRead:
    state: str
    phrase: str
    basis: str
    phrases: list[str] = field(default_factory=list)
    long_term: bool = False


def read_state(text: str) -> StateRead:
    """Propose a state for ``text`` by the precedence rules of the module docstring."""
    folded = fold(text)
    long_term = bool(LONG_TERM.search(folded))
    if _ANY_STATE.search(folded) is None:
        return StateRead(DEFAULT_STATE, "", "default", long_term=long_term)
    hits: list[tuple[int, int, str, str]] = []  # (start, end, state, phrase)
    completions_kept_up: list[int] = []
    for state, pattern in _STATE_PATTERNS:
        for match in pattern.finditer(folded):
            qualified = _qualified(state, folded, match.start())
            if qualified is not None:
                hits.append((qualified[1], match.end(), qualified[0], text[qualified[1]:match.end()]))
                if qualified[0] == "completed" and _KEPT_UP.match(folded, match.end()):
                    completions_kept_up.append(match.end())
    if completions_kept_up:
        # Rule 3: the 长期坚持 that follows a completion is no state of its own.
        hits = [hit for hit in hits if not (hit[2] == "phased" and _follows(hit[0], completions_kept_up, folded))]
    if not hits:
        return StateRead(DEFAULT_STATE, "", "default", long_term=long_term)
    hits.sort()
    phrases = list(dict.fromkeys(hit[3] for hit in hits))
    least = min(hits, key=lambda hit: (STATES.index(hit[2]), hit[0]))
    verdicts = _verdicts(hits, folded)
    verdict = min(verdicts, key=lambda hit: (STATES.index(hit[2]), hit[0])) if verdicts else least
    # The verdict decides the state; when it agrees with the least advanced wording, the
    # first phrase saying so is the one shown.
    chosen = least if verdict[2] == least[2] else verdict
    return StateRead(chosen[2], chosen[3], "phrase", phrases, long_term=long_term)


def _follows(start: int, ends: list[int], folded: str) -> bool:
    return any(end <= start <= end + 4 for end in ends)


def _verdicts(hits: list[tuple[int, int, str, str]], folded: str) -> list[tuple[int, int, str, str]]:
    """The verdicts of rule 1: a clause that is nothing but a state wording, closing the
    text ("…，已取得阶段性成效。") or opening it ("已完成。新建…").

    A clause that goes on with figures or objects ("已完成分房7856套", "基本满足…的需要")
    reports a step, not a verdict.
    """
    if len(hits) < 2:
        return []
    body = folded.rstrip(_CLAUSE_END + " ")
    last_start = max(body.rfind(mark) for mark in _CLAUSE_END) + 1
    verdicts = [hit for hit in hits if hit[0] >= last_start and _whole_clause(body, last_start, len(body), hit)]
    verdicts = [hit for hit in verdicts if not _FUTURE_PHRASE.match(hit[3])]
    first = hits[0]
    first_end = min((position for mark in _CLAUSE_END if (position := body.find(mark)) >= 0), default=len(body))
    if first[0] < first_end and _whole_clause(body, 0, first_end, first):
        verdicts.append(first)
    return verdicts


# A plan ("计划2024年9月底前完成") closing the text says what is ahead, not where it stands.
_FUTURE_PHRASE = re.compile(r"^(?:将|拟|计划|预计|力争|争取|有望)")
_VERDICT_SLACK = 4  # characters a verdict clause may hold before its state wording (已, 均, 目前…)
_VERDICT_TAIL = 2  # …and after it ("已完成整改了", "整改到位的")


def _whole_clause(body: str, start: int, end: int, hit: tuple[int, int, str, str]) -> bool:
    clause = body[start:end].strip()
    if not clause or any(char.isdigit() for char in clause):
        return False  # "3个问题取得阶段性成效" counts part of the work: a step, not the verdict
    lead = body[start:hit[0]].strip()
    tail = body[min(hit[1], end):end].strip()
    # Words may stand before the verdict (已、均、目前…) but no object after it: "已完成分析报告"
    # reports one step done.
    return len(lead) <= _VERDICT_SLACK and len(tail) <= _VERDICT_TAIL


def _qualified(state: str, folded: str, start: int) -> tuple[str, int] | None:
    """(state, phrase start) of a hit, or None when the phrase only states an aim.

    A negated or future completion is work in progress; its phrase then includes the
    qualifier ("将采取措施彻底整改到位").
    """
    if state != "completed":
        return state, start
    window = max(0, start - 12)
    before = folded[window:start]
    qualifier = _NEGATION.search(before) or _FUTURE.search(before)
    if qualifier is not None:
        return "in_progress", window + qualifier.start()
    if _PURPOSE.search(before):
        return None
    return state, start


_UNITS = (
    "个百分点|个工作日|个位次|平方公里|平方米|立方米|公顷|公里|千米|千瓦|亿元|万元|美元|元|%|‰|件次|人次|项次|户次|"
    "人|件|个|项|家|条|次|起|宗|户|所|名|亩|米|吨|套|辆|处|台|张|份|篇|场|批|天|小时|位|倍|本|期|轮|座|栋|幢|间|"
    "艘|只|头|方|岁|届|块|部|口"
)
# A figure not glued to a preceding digit, point or letter. The lookbehind is tested after the
# first digit ("\d(?<![…]\d)\d*" is "(?<![…])\d+") so that the pattern starts with a digit:
# the engine then jumps from digit to digit instead of testing the lookbehind everywhere.
_NUMBER = re.compile(rf"(\d(?<![\d.A-Za-z]\d)\d*(?:\.\d+)?)\s*(万|亿|千)?(余|多)?({_UNITS})")
# A line that opens with a figure and its unit ("12座", "2.5万吨", "95%"): the rest of a sentence.
QUANTITY_START = re.compile(rf"^(\d+(?:\.\d+)?)\s*(万|亿|千)?(余|多)?({_UNITS})")
_FOLLOWING_NOUN = re.compile(r"[\u4e00-\u9fff]{0,2}")
_PHRASE_STOP = re.compile(r"[，,、；;。：:（）()“”\"《》\s\d!！?？]")
_PHRASE_WORDS = 8  # characters of context before a figure at most
# The last stop character of a window: one search instead of a match per character.
_LAST_STOP = re.compile(rf"(?s:.*){_PHRASE_STOP.pattern}")


def read_numbers(text: str) -> list[NumberMention]:
    """Figures with their unit and a few words of context: ``立案145件``, ``办结率达98.98%``."""
    folded = fold(text)
    mentions = []
    for match in _NUMBER.finditer(folded):
        raw = match.group(1)
        value: int | float = float(raw) if "." in raw else int(raw)
        scale, approx, unit = match.group(2, 3, 4)
        unit = (scale or "") + (approx or "") + unit
        start = _phrase_start(folded, match.start())
        end = match.end()
        if start == match.start():
            # Nothing before the figure ("，2个问题已完成"): name it by the words after it.
            end += len(_FOLLOWING_NOUN.match(folded, end).group(0))
        mentions.append(NumberMention(value, unit, text[start:end]))
    return mentions


def _phrase_start(folded: str, pos: int) -> int:
    """Where the words before a figure start: after the last stop in the 8 characters before it."""
    window = max(0, pos - _PHRASE_WORDS)
    last_stop = _LAST_STOP.match(folded, window, pos)
    return window if last_stop is None else last_stop.end()


_DONE_VERBS = (
    r"完成|完工|竣工|到位|办结|建成|通车|开学|投入使用|投用|交付|出清|化解|覆盖|通水|验收|开工|销号|上线|解决"
)
_NOT_A_DEADLINE = re.compile(r"(?:截至|截止|自|从|至)$")


@dataclass(slots=True, frozen=True)
class _DeadlineForm:
    pattern: re.Pattern[str]
    # True when the wording is a deadline by itself (…前, 年内); False when a completion
    # verb must follow, so that "2024年一季度…排名第一" is not taken for one.
    standalone: bool
    # The characters every match contains, and one of which it contains (if given). A text
    # that lacks them is not searched: most measures name a year but no month, and each
    # search is a scan of the whole text.
    needs: frozenset[str]
    needs_one_of: frozenset[str]

    def may_match(self, present: set[str]) -> bool:
        return self.needs <= present and (not self.needs_one_of or not self.needs_one_of.isdisjoint(present))


def _form(pattern: str, standalone: bool, needs: str, one_of: str = "") -> _DeadlineForm:
    return _DeadlineForm(re.compile(pattern), standalone, frozenset(needs), frozenset(one_of))


_DEADLINES: tuple[tuple[str, _DeadlineForm], ...] = (
    ("day", _form(r"(\d{4})年(\d{1,2})月(\d{1,2})日(?:前|之前)", True, "年月日前")),
    ("month", _form(r"(\d{4})年(\d{1,2})月(?:份)?(?:底|末)?(?:前|之前)", True, "年月前")),
    ("month", _form(r"(\d{4})年(\d{1,2})月(?:份)?(?:底|末)?", False, "年月")),
    ("year", _form(r"(\d{4})年(?:底|末|年底|内)(?:前|之前)?", False, "年", "底末内")),
    ("school", _form(r"(?:(\d{4})年|今年|本年|当年)?(?:暑期|暑假|秋季)开学前", True, "开学前")),
    ("this_year", _form(r"(?<![\d一二两三四五六七八九十几近多])(?:今年|本年|年)(?:底|末)(?:前|之前)?", False,
                        "年", "底末")),
    ("this_month", _form(r"(?<![\d年\-—~])(\d{1,2})月(?:份)?(?:底|末)?(?:前|之前)", True, "月前")),
    ("this_month", _form(r"(?<![\d年\-—~])(\d{1,2})月(?:份)?(?:底|末)?", False, "月")),
)
# The characters the forms ask about: read_deadline looks each up once per text.
_NEEDED = "".join(sorted(set().union(*(form.needs | form.needs_one_of for _, form in _DEADLINES))))
_VERB_AFTER = re.compile(rf"^[^，,。；;！!]{{0,10}}?(?:{_DONE_VERBS})")
_DONE_ALREADY = re.compile(r"^[^，,。；;！!]{0,6}?已")


def read_deadline(text: str, notice_date: date | None) -> tuple[date | None, str]:
    """The first deadline ``text`` states, resolved against the notice's own date.

    年底 means 31 December of the notice year (年内 alone names no date and is not read as
    one); "11月全部完成" the end of November; a
    school-year deadline ("今年暑期开学前") is read as 1 September, when Chinese schools
    open. Relative spans ("两年内") are not resolved: nothing says from when they run.
    A time followed by 已 ("7月份已调配到位"), or a bare month already past when the notice
    was signed ("2023年11月完成修复"), reports what was done, not a deadline.
    """
    if "月" not in text and "年" not in text and "开学" not in text:
        return None, ""  # every deadline form names a year, a month or the school term
    folded = fold(text)
    year = notice_date.year if notice_date else None
    found: list[tuple[int, date | None, str]] = []
    present = {char for char in _NEEDED if char in folded}
    for kind, form in _DEADLINES:
        if not form.may_match(present):
            continue
        for match in form.pattern.finditer(folded):
            if _NOT_A_DEADLINE.search(folded[max(0, match.start() - 2):match.start()]):
                continue
            following = folded[match.end():match.end() + 24]
            if _DONE_ALREADY.match(following):
                continue
            if not form.standalone and not _VERB_AFTER.match(following):
                continue
            value = _resolve(kind, match, year)
            if not form.standalone and value and notice_date and value < notice_date:
                continue
            found.append((match.start(), value, text[match.start():match.end()]))
            break
    if not found:
        return None, ""
    _, value, phrase = min(found, key=lambda item: item[0])
    return value, phrase


def _resolve(kind: str, match: re.Match[str], notice_year: int | None) -> date | None:
    groups = match.groups()
    if kind == "day":
        return make_date(int(groups[0]), int(groups[1]), int(groups[2]))
    if kind == "month":
        return month_end(int(groups[0]), int(groups[1]))
    if kind == "year":
        return make_date(int(groups[0]), 12, 31)
    if kind == "school":
        year = int(groups[0]) if groups[0] else notice_year
        return make_date(year, 9, 1) if year else None
    if notice_year is None:
        return None
    if kind == "this_year":
        return make_date(notice_year, 12, 31)
    return month_end(notice_year, int(groups[0]))
