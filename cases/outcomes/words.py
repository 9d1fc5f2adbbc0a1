"""Figures in the words of a notice: "党纪政务处分2人", "追缴356.7万元", the section 一 sentence."""

from __future__ import annotations

from decimal import Decimal

from .kinds import COUNT_WORD, NOTICE_WORDS, Category, Kind, category_of


def wan(amount: Decimal | None) -> str:
    """356.7000 → "356.7", 1200 → "1200" (万元 as the notices print them)."""
    if amount is None:
        return "0"
    text = f"{amount.quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".")
    return text or "0"


def figure_words(figure) -> str:
    kind = Kind(figure.kind)
    if category_of(kind) == Category.MONEY:
        return f"{NOTICE_WORDS[kind]}{wan(figure.amount_wan)}万元"
    if category_of(kind) == Category.RULES and figure.title:
        number = f"({figure.doc_number})" if figure.doc_number else ""
        return f"{NOTICE_WORDS[kind]}{figure.title}{number}"
    return f"{NOTICE_WORDS[kind]}{figure.count}{COUNT_WORD[kind]}"


def totals_sentence(totals) -> str:
    """The achievements of a case as section 一 of the notice reports them; "" when there are none.

    e.g. "整改中,给予党纪政务处分12人、组织处理5人、诫勉谈话3人,立案审查4件;制定修订制度23项;
    追缴资金356.7万元、挽回经济损失1200万元。"
    """
    parts = []
    people = [f"{NOTICE_WORDS[k]}{totals.count(k)}{COUNT_WORD[k]}"
              for k in (Kind.DISCIPLINE, Kind.ORGANISATIONAL, Kind.ADMONITION, Kind.CRITICISM)
              if totals.count(k)]
    if people:
        parts.append("给予" + "、".join(people))
    if totals.count(Kind.INVESTIGATION):
        parts.append(f"立案审查{totals.count(Kind.INVESTIGATION)}件")
    made, revised = totals.count(Kind.RULE_MADE), totals.count(Kind.RULE_REVISED)
    if made or revised:
        detail = "、".join(x for x in (f"新制定{made}项" if made else "",
                                        f"修订完善{revised}项" if revised else "") if x)
        parts.append(f"建章立制{made + revised}项({detail})")
    money_words = {Kind.RECOVERED: "追缴资金", Kind.RETRIEVED: "挽回经济损失", Kind.RETURNED: "退还资金",
                   Kind.RECTIFIED: "整改金额"}
    money = [f"{word}{wan(totals.amount(k))}万元" for k, word in money_words.items() if totals.amount(k)]
    if money:
        parts.append("、".join(money))
    if not parts:
        return ""
    return "整改中," + ";".join(parts) + "。"


def case_paragraph(case) -> str:
    """Section 一 of a case's drafted notice: what rectification achieved, with the rules by name.

    "" when the case has no outcome figures (the draft then keeps its placeholder to write)."""
    from cases.models import Measure

    from . import selectors

    measures = Measure.objects.filter(case=case)
    totals = selectors.totals(measures)
    sentence = totals_sentence(totals)
    if not sentence:
        return ""
    rules = [f"{r.title}{f'({r.doc_number})' if r.doc_number else ''}" for r in selectors.rule_documents(measures, 30)]
    if rules:
        sentence = sentence[:-1] + ",其中包括" + "、".join(rules) + "。"
    return sentence
