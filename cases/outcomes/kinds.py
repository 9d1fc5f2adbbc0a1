"""The kinds of outcome figure: category, label, counting unit and notice wording, side by side."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    ACCOUNTABILITY = "accountability", _("Accountability")
    RULES = "rules", _("Rules made or revised")
    MONEY = "money", _("Money")


class Kind(models.TextChoices):
    DISCIPLINE = "discipline", _("Party or administrative sanctions (党纪政务处分)")
    ORGANISATIONAL = "organisational", _("Organisational measures (组织处理)")
    ADMONITION = "admonition", _("Admonishment talks (诫勉谈话)")
    CRITICISM = "criticism", _("Criticism and education (批评教育)")
    INVESTIGATION = "investigation", _("Cases opened for review (立案审查)")
    RULE_MADE = "rule_made", _("Rule made (制定制度)")
    RULE_REVISED = "rule_revised", _("Rule revised (修订制度)")
    RECOVERED = "recovered", _("Funds recovered (追缴)")
    RETRIEVED = "retrieved", _("Losses retrieved (挽回)")
    RETURNED = "returned", _("Money returned (退还)")
    RECTIFIED = "rectified", _("Amount rectified (整改金额)")


CATEGORY = {
    Kind.DISCIPLINE: Category.ACCOUNTABILITY,
    Kind.ORGANISATIONAL: Category.ACCOUNTABILITY,
    Kind.ADMONITION: Category.ACCOUNTABILITY,
    Kind.CRITICISM: Category.ACCOUNTABILITY,
    Kind.INVESTIGATION: Category.ACCOUNTABILITY,
    Kind.RULE_MADE: Category.RULES,
    Kind.RULE_REVISED: Category.RULES,
    Kind.RECOVERED: Category.MONEY,
    Kind.RETRIEVED: Category.MONEY,
    Kind.RETURNED: Category.MONEY,
    Kind.RECTIFIED: Category.MONEY,
}
KINDS_OF = {c: [k for k, v in CATEGORY.items() if v == c] for c in Category}

# The Chinese words of the notices and the ledger (fixed, whatever the interface language).
NOTICE_WORDS = {
    Kind.DISCIPLINE: "党纪政务处分",
    Kind.ORGANISATIONAL: "组织处理",
    Kind.ADMONITION: "诫勉谈话",
    Kind.CRITICISM: "批评教育",
    Kind.INVESTIGATION: "立案审查",
    Kind.RULE_MADE: "制定制度",
    Kind.RULE_REVISED: "修订制度",
    Kind.RECOVERED: "追缴",
    Kind.RETRIEVED: "挽回",
    Kind.RETURNED: "退还",
    Kind.RECTIFIED: "整改金额",
}
COUNT_WORD = {Kind.INVESTIGATION: "件"} | {k: "人" for k in KINDS_OF[Category.ACCOUNTABILITY]
                                          if k != Kind.INVESTIGATION} | {k: "项" for k in KINDS_OF[Category.RULES]}


class MoneyUnit(models.TextChoices):
    YUAN = "yuan", _("yuan (元)")
    WAN = "wan", _("10,000 yuan (万元)")
    YI = "yi", _("100 million yuan (亿元)")


TO_WAN = {MoneyUnit.YUAN: Decimal("0.0001"), MoneyUnit.WAN: Decimal(1), MoneyUnit.YI: Decimal(10000)}
MONEY_WORDS = {"元": MoneyUnit.YUAN, "万元": MoneyUnit.WAN, "亿元": MoneyUnit.YI}


def category_of(kind: str) -> str:
    return CATEGORY[Kind(kind)]
