"""Outcome figures read from text: a notice's paragraphs (proposed at import, for the user to
confirm) and the ledger's 整改成效 cell (which the export writes in the same words).

Pure functions over strings. What is read:

- accountability: 党纪政务处分12人, 给予组织处理3人, 诫勉谈话2人, 批评教育8人, 立案审查(调查)4件/人;
- rules: 制定制度《…》(文号), 修订制度《…》 (one rule, with its title), and the counts notices
  give without titles: 建立完善制度23项, 建章立制15项, 制定修订制度6项;
- money: 追缴(资金)356.7万元, 挽回(经济)损失1200万元, 退还/清退…80万元, 整改金额…亿元.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from .kinds import MONEY_WORDS, Kind, MoneyUnit
from .services import FigureInput

_NUM = r"(\d+(?:\.\d+)?)"
PEOPLE = [
    (Kind.DISCIPLINE, re.compile(r"党纪政务处分" + r"[^\d，,。；;]{0,4}?" + r"(\d+)\s*(?:人|名)")),
    (Kind.DISCIPLINE, re.compile(r"(\d+)\s*(?:人|名)[^\d，,。；;]{0,6}?党纪政务处分")),
    (Kind.ORGANISATIONAL, re.compile(r"组织处理" + r"[^\d，,。；;]{0,4}?" + r"(\d+)\s*(?:人|名)")),
    (Kind.ORGANISATIONAL, re.compile(r"(\d+)\s*(?:人|名)[^\d，,。；;]{0,6}?组织处理")),
    (Kind.ADMONITION, re.compile(r"诫勉(?:谈话)?" + r"[^\d，,。；;]{0,4}?" + r"(\d+)\s*(?:人|名)")),
    (Kind.CRITICISM, re.compile(r"批评教育" + r"[^\d，,。；;]{0,4}?" + r"(\d+)\s*(?:人|名)")),
    (Kind.INVESTIGATION, re.compile(r"立案审查(?:调查)?" + r"[^\d，,。；;]{0,4}?" + r"(\d+)\s*(?:件|人|起)")),
]
RULE_COUNTS = [
    (Kind.RULE_REVISED, re.compile(r"修订(?:完善)?制度\s*(\d+)\s*(?:项|个|件)")),
    (Kind.RULE_MADE, re.compile(r"(?:建立(?:健全|完善)?|制定(?:修订)?|出台|新建)[^\d，,。；;]{0,6}?制度"
                                r"[^\d，,。；;]{0,4}?(\d+)\s*(?:项|个|件)")),
    (Kind.RULE_MADE, re.compile(r"建章立制\s*(\d+)\s*(?:项|个|件)")),
]
RULE_TITLED = re.compile(r"(制定|修订)制度\s*(《[^》]{1,120}》)\s*(?:[（(]([^）)]{1,60})[）)])?")
MONEY = [
    (Kind.RECOVERED, re.compile(r"追缴[^\d，,。；;]{0,8}?" + _NUM + r"\s*(万元|亿元|元)")),
    (Kind.RETRIEVED, re.compile(r"挽回[^\d，,。；;]{0,8}?" + _NUM + r"\s*(万元|亿元|元)")),
    (Kind.RETURNED, re.compile(r"(?:退还|清退|退回)[^\d，,。；;]{0,8}?" + _NUM + r"\s*(万元|亿元|元)")),
    (Kind.RECTIFIED, re.compile(r"整改(?:金额|资金)[^\d，,。；;]{0,6}?" + _NUM + r"\s*(万元|亿元|元)")),
]


@dataclass(frozen=True)
class Found:
    figure: FigureInput
    phrase: str


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)  # 1,200万元 → 1200万元


def find(text: str) -> list[Found]:
    """Every figure the text states, each once, in the order found."""
    text = _normal(text)
    found: list[Found] = []
    taken: list[tuple[int, int]] = []

    def free(span) -> bool:
        return all(span[1] <= a or span[0] >= b for a, b in taken)

    for match in RULE_TITLED.finditer(text):
        kind = Kind.RULE_MADE if match.group(1) == "制定" else Kind.RULE_REVISED
        found.append(Found(FigureInput(kind=kind, count=1, title=match.group(2), doc_number=match.group(3) or ""),
                           match.group(0)))
        taken.append(match.span())
    for kind, pattern in PEOPLE + RULE_COUNTS:
        for match in pattern.finditer(text):
            if free(match.span()):
                found.append(Found(FigureInput(kind=kind, count=int(match.group(1))), match.group(0)))
                taken.append(match.span())
    for kind, pattern in MONEY:
        for match in pattern.finditer(text):
            if free(match.span()) and Decimal(match.group(1)) > 0:
                found.append(Found(FigureInput(kind=kind, amount=Decimal(match.group(1)).quantize(Decimal("0.0001")),
                                               money_unit=MONEY_WORDS[match.group(2)]), match.group(0)))
                taken.append(match.span())
    return found


def figures_in(text: str) -> list[FigureInput]:
    return [f.figure for f in find(text)]


def same(a: FigureInput, b: FigureInput) -> bool:
    """The same figure, whatever unit of money it was written in."""
    return (a.kind, a.count, a.amount_wan, a.title, a.doc_number) == (b.kind, b.count, b.amount_wan, b.title,
                                                                      b.doc_number)


__all__ = ["Found", "MoneyUnit", "figures_in", "find", "same"]
