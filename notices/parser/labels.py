"""Numbering labels of the genre: ``一、`` ``第一方面问题`` ``（一）`` ``1.`` ``（1）`` ``1)`` ``①`` ``一是``.

Notices follow the conventions of Chinese official documents (党政机关公文格式): the
hierarchy is 一、 > （一） > 1. > （1）, with 第N方面 above （一） when a notice groups its
categories that way. Each style therefore has a fixed rank; a labelled line becomes a child
of the nearest open node of a smaller rank. This survives categories without items,
problems numbered straight through, and lost labels much better than "first style seen is
the top level".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from notices.parser.text import CACHE_MAX_CHARS, fold

STYLE_SECTION = "section"  # 一、
STYLE_ASPECT = "aspect"  # 第一方面问题
STYLE_CN_PAREN = "cn_paren"  # （一）
STYLE_ARABIC_DOT = "arabic_dot"  # 1.  1．  1、
STYLE_ARABIC_PAREN = "arabic_paren"  # （1）
STYLE_ARABIC_HALF = "arabic_half"  # 1)
STYLE_CIRCLED = "circled"  # ①
STYLE_ORDINAL = "ordinal"  # 一是 (measures, occasionally problems)
STYLE_DI = "di"  # 第一、 第二、
STYLE_PROBLEM_N = "problem_n"  # 问题1： 问题一：
STYLE_CN_HALF = "cn_half"  # 二） — a （二） that lost its opening bracket
STYLE_NONE = ""  # a heading whose label was lost

# The conventional order of the styles (smaller is higher). It is where learning starts:
# :func:`learn_ranks` moves a style when the document itself shows another nesting, and
# places the styles convention does not rank (问题N：) where the document first uses them.
RANKS: dict[str, float] = {
    STYLE_ASPECT: 0,
    STYLE_DI: 0,
    STYLE_CN_PAREN: 1,
    STYLE_CN_HALF: 1.5,
    STYLE_ARABIC_DOT: 2,
    STYLE_ARABIC_PAREN: 3,
    STYLE_ARABIC_HALF: 4,
    STYLE_CIRCLED: 5,
}
# Styles without a conventional rank: they are placed by the document.
UNRANKED_STYLES = frozenset({STYLE_PROBLEM_N})
STRUCTURAL_STYLES = frozenset(RANKS) | UNRANKED_STYLES
NUMERIC_STYLES = frozenset({STYLE_ARABIC_DOT, STYLE_ARABIC_PAREN, STYLE_ARABIC_HALF})
CN_STYLES = frozenset({STYLE_CN_PAREN, STYLE_CN_HALF})

CN_NUM = "[一二三四五六七八九十]{1,3}"
_CN_VALUES = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
CIRCLED_DIGITS = frozenset(_CIRCLED)

_CN_DIGITS = "一二三四五六七八九十"  # the characters CN_NUM starts with
_DIGITS = "0123456789"  # a label line's digits, once folded (read_label lets no others through)

# Patterns run on folded text, so （ ） ． ， ： are already ( ) . , :
# Each comes with the characters its matches can start with (see _BY_FIRST).
_PATTERNS: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    (STYLE_SECTION, _CN_DIGITS, re.compile(rf"^({CN_NUM})\s*、")),
    (STYLE_ASPECT, "第", re.compile(rf"^第({CN_NUM})(?:个)?(?:方面|部分|大类|类)(?:问题)?")),
    (STYLE_DI, "第", re.compile(rf"^第({CN_NUM})\s*[、.]")),
    (STYLE_PROBLEM_N, "问", re.compile(rf"^问题\s*(\d{{1,3}}|{CN_NUM})\s*(?:[:、.]|\s)")),
    (STYLE_CN_PAREN, "(", re.compile(rf"^\(\s*({CN_NUM})\s*\)")),
    (STYLE_CN_HALF, _CN_DIGITS, re.compile(rf"^({CN_NUM})\)")),
    (STYLE_ARABIC_PAREN, "(", re.compile(r"^\(\s*(\d{1,3})\s*\)")),
    (STYLE_ARABIC_HALF, _DIGITS, re.compile(r"^(\d{1,3})\)")),
    (STYLE_ARABIC_DOT, _DIGITS, re.compile(r"^(\d{1,3})\s*[.、](?![.、])")),
    (STYLE_CIRCLED, _CIRCLED, re.compile(f"^([{_CIRCLED}])")),
    (STYLE_ORDINAL, _CN_DIGITS, re.compile(rf"^({CN_NUM})是(?![否的])")),
)
# The patterns to try for a line's first character, in the order above: a line is tested
# against the two or three styles it can open, not against all eleven.
_BY_FIRST: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
    char: tuple((style, pattern) for style, starts, pattern in _PATTERNS if char in starts)
    for char in "".join(starts for _, starts, _ in _PATTERNS)
}
# "2.5亿元" opens many a paragraph and is not item 2; "19.2023年上半年…" is item 19.
_DECIMAL_TAIL = re.compile(
    r"^\d+(?:\.\d+)?\s*(?:%|‰|亿|万|千|百|元|个|人|件|家|项|条|次|倍|米|公里|千米|吨|亩|户|所|名|套|辆|处|台|起|宗|分|秒)"
)
# A heading that lost both parentheses: "1大力践行高质量发展理念" (confirmed by its siblings).
_BARE_NUMBER = re.compile(r"^(\d{1,2})(?=[\u4e00-\u9fff])")
_LEADING_PUNCT = re.compile(r"^[\s,，:：、.．;；。]+")


@dataclass(slots=True, frozen=True)
class Label:
    style: str
    number: int | None
    text: str  # the label as written, e.g. "（一）" or "1．"
    rest: str  # the line after the label

    @property
    def rank(self) -> float:
        return RANKS.get(self.style, 99)


def cn_to_int(numeral: str) -> int | None:
    """一 → 1, 十二 → 12, 二十 → 20, 九十九 → 99; None for anything else."""
    if not numeral or len(numeral) > 3:
        return None
    if "十" not in numeral:
        return _CN_VALUES.get(numeral) if len(numeral) == 1 else None
    tens_part, _, units_part = numeral.partition("十")
    tens = _CN_VALUES.get(tens_part) if tens_part else 1
    units = _CN_VALUES.get(units_part) if units_part else 0
    if tens is None or units is None:
        return None
    return tens * 10 + units


def chinese_numeral(value: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一 (what notices use up to 99)."""
    if value <= 0 or value >= 100:
        return str(value)
    tens, units = divmod(value, 10)
    digits = "零一二三四五六七八九"
    text = ""
    if tens:
        text = ("" if tens == 1 else digits[tens]) + "十"
    if units:
        text += digits[units]
    return text


# Every label starts with one of these; checking the first character rejects most body
# paragraphs before any regex runs.
_LABEL_START = frozenset("一二三四五六七八九十第(（﹙问" + "0123456789０１２３４５６７８９" + _CIRCLED)


def read_label(line: str) -> Label | None:
    """The label opening ``line``, if any (ordinal 一是 markers included).

    Cached for ordinary lines: layout, scoring and tree building all ask about the same ones.
    """
    if not line or line[0] not in _LABEL_START:
        return None
    return _read_label_cached(line) if len(line) <= CACHE_MAX_CHARS else _read_label(line)


@lru_cache(maxsize=65536)
def _read_label_cached(line: str) -> Label | None:
    return _read_label(line)


def _read_label(line: str) -> Label | None:
    folded = fold(line)
    for style, pattern in _BY_FIRST.get(folded[0], ()):
        match = pattern.match(folded)
        if match is None:
            continue
        # "2.5亿元…" opens a sentence; "4．3个部门…" (a full-width point, or 、) is item 4.
        if style == STYLE_ARABIC_DOT and line[match.end() - 1] == "." and _DECIMAL_TAIL.match(folded[match.end():]):
            return None
        number = _number(style, match.group(1))
        if number is None:
            return None
        rest = _LEADING_PUNCT.sub("", line[match.end():]) if style != STYLE_ORDINAL else line[match.end():]
        return Label(style, number, line[: match.end()].strip(), rest.strip())
    return None


def read_bare_number(line: str) -> Label | None:
    """A line opening with digits glued to a Chinese character, a candidate lost label."""
    folded = fold(line)
    match = _BARE_NUMBER.match(folded)
    if match is None:
        return None
    return Label(STYLE_NONE, int(match.group(1)), line[: match.end()], line[match.end():].strip())


def _number(style: str, raw: str) -> int | None:
    if style == STYLE_CIRCLED:
        return _CIRCLED.index(raw) + 1
    if raw.isdigit():
        return int(raw)
    return cn_to_int(raw)


def learn_ranks(labels: list[Label]) -> dict[str, float]:
    """The nesting of the styles ``labels`` use (in document order), learned from the document.

    Convention (:data:`RANKS`) is the starting point. A style the convention does not rank
    goes just below the style of the label in front of its first use (at the top when it
    comes first). Then restarts are evidence: when a style's numbering restarts at 1 right
    after another style's label, at least twice, and never the other way round, the
    restarting style is nested under the other one, whatever the convention says
    (``（1）关于…方面`` → ``1.…问题`` → ``1.`` again under ``（2）``).
    """
    ranks: dict[str, float] = {}
    previous: Label | None = None
    encloses: dict[tuple[str, str], int] = {}
    for label in labels:
        style = label.style
        if style not in ranks:
            if style in RANKS:
                ranks[style] = RANKS[style]
            elif previous is not None:
                ranks[style] = ranks[previous.style] + 0.25
            else:
                ranks[style] = -1.0
        if label.number == 1 and previous is not None and previous.style != style:
            key = (previous.style, style)
            encloses[key] = encloses.get(key, 0) + 1
        previous = label
    for _ in range(len(ranks)):
        changed = False
        for (outer, inner), count in encloses.items():
            if count >= 2 and not encloses.get((inner, outer)) and ranks[inner] <= ranks[outer]:
                ranks[inner] = ranks[outer] + 0.5
                changed = True
        if not changed:
            break
    return ranks
