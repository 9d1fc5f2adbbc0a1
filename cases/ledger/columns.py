"""The ledger's columns and its fixed words (headers, states, kinds, separators).

The header texts are the fixed Chinese headings of the genre, not interface strings: a file
must be readable by the importer whatever language the person who exported it had chosen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..choices import VOCABULARY
from ..models import Measure
from ..states import Action, State


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    header: str
    width: float  # Excel character units, chosen so an A4 landscape page holds a row
    hidden: bool = False
    # Other headings accepted on import (English exports, common variants in real ledgers).
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("id", "ID", 8, hidden=True, aliases=("id", "编号", "措施ID")),
    Column("number", "序号", 6, aliases=("no", "no.", "number")),
    Column("issue", "反馈问题", 38, aliases=("issue", "问题", "反馈问题及类别", "存在问题")),
    Column("measure", "整改措施", 50, aliases=("measure", "措施", "整改举措")),
    Column("leader", "牵头领导", 12, aliases=("lead leader", "leader", "责任领导")),
    Column("units", "责任单位", 22, aliases=("units", "responsible units", "牵头单位", "责任部门")),
    Column("deadline", "完成时限", 13, aliases=("deadline", "整改时限", "完成时间")),
    Column("kind", "整改类型", 10, aliases=("kind", "整改方式")),
    Column("progress", "整改进展", 40, aliases=("progress", "进展情况", "整改情况")),
    Column("state", "整改状态", 11, aliases=("state", "status", "完成情况")),
    # Export only: the level is computed (cases.urging.levels); an import ignores the column.
    Column("urging", "督办等级", 10, aliases=("urging level", "预警等级")),
    # Outcome figures in the notice's words (cases.outcomes.ledger), one clause each.
    Column("outcomes", "整改成效", 30, aliases=("outcomes", "outcome figures", "成效", "整改成效数据")),
    # 责任人 as written (Measure.responsible_person); a file without the column leaves it as it is.
    # Last, so the columns of ledgers exported before it (and sheets filled in by position) stay put.
    Column("person", "责任人", 12, aliases=("responsible person", "person", "具体责任人")),
)
HEADERS = [c.header for c in COLUMNS]

# The ledger's own words for states and kinds: fixed, like the headers (see above).
# The state words come from the one vocabulary of states (cases.choices).
STATE_NAMES = {state: words.ledger_word for state, words in VOCABULARY.items()}
STATE_SYNONYMS = {
    **{name: state for state, name in STATE_NAMES.items()},
    **{state.value: state for state in State},
    **{str(state.label).lower(): state for state in State},
    **{word: state for state, words in VOCABULARY.items() for word in words.ledger_synonyms},
}
KIND_NAMES = {
    Measure.Kind.IMMEDIATE: "立行立改",
    Measure.Kind.BY_DEADLINE: "限期整改",
    Measure.Kind.LONG_TERM: "长期坚持",
}
KIND_SYNONYMS = {
    **{name: kind for kind, name in KIND_NAMES.items()},
    **{kind.value: kind for kind in Measure.Kind},
    "立即整改": Measure.Kind.IMMEDIATE, "即知即改": Measure.Kind.IMMEDIATE,
    "限时整改": Measure.Kind.BY_DEADLINE, "长期整改": Measure.Kind.LONG_TERM, "持续整改": Measure.Kind.LONG_TERM,
}

# Separators between the levels of the 反馈问题 cell and between unit names.
ISSUE_SEPARATOR = " / "
UNIT_SEPARATOR = "、"
ISSUE_SPLIT = re.compile(r"\s+/\s+|\n+")
UNIT_SPLIT = re.compile(r"[、,，;；\n]+")

# Progress notes are what was done; sign-off comments and deadline notices are not.
PROGRESS_NOTE_ACTIONS = (Action.NOTE, Action.START, Action.PHASE, Action.SUBMIT, Action.RESUME, Action.IMPORT)

REQUIRED = ("issue", "measure", "units")
HEADER_OF = {c.key: c.header for c in COLUMNS}
