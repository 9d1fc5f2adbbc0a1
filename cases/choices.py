"""One vocabulary of states, in the spirit of NetBox's `choices.py`: every surface reads it.

For each state of a measure: its value and label (`State`), its badge colours (pages, mails),
its word in the Excel ledger and the other words a ledger may use for it, the sentence the
notice draft closes a measure with, the phrases a published notice uses for it (read by the
notice parser) and the words a notice's summary figures use ("已完成整改37个"). The rules of
which state follows which are in `cases.states`; this module only says what a state is called.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    PLANNED = "planned", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    PHASED = "phased", _("Phased results")
    SUBMITTED = "submitted", _("Sign-off requested")
    COMPLETED = "completed", _("Completed")
    RELAPSED = "relapsed", _("Relapsed")


class Action(models.TextChoices):
    NOTE = "note", _("Progress note")
    START = "start", _("Start")
    PHASE = "phase", _("Report phased results")
    SUBMIT = "submit", _("Request sign-off")
    APPROVE = "approve", _("Sign off")
    SEND_BACK = "send_back", _("Send back")
    REOPEN = "reopen", _("Reopen as relapsed")
    RESUME = "resume", _("Resume rectification")
    IMPORT = "import", _("Imported")
    DEADLINE = "deadline", _("Deadline changed")
    PAPER_SIGNOFF = "paper_signoff", _("Paper sign-off recorded")
    EXTENSION_REQUEST = "extension_request", _("Extension requested")
    EXTENSION_APPROVED = "extension_approved", _("Extension approved")
    EXTENSION_REFUSED = "extension_refused", _("Extension refused")


@dataclass(frozen=True)
class Vocabulary:
    colour: str  # text colour of the badge
    background: str  # its background
    ledger_word: str  # the 整改状态 cell of the Excel ledger
    ledger_synonyms: tuple[str, ...]  # other words a ledger may use (read on import)
    draft_sentence: str  # how the notice draft closes a measure in this state
    notice_pattern: str  # regex of the phrases a notice uses for it ("" if notices have none)
    notice_figure_words: tuple[str, ...] = ()  # words before a count in a notice's summary


# The phrases published notices use for each state (read by notices.parser.states).
# Every top-level alternative starts with a plain character ("已…|完成整改|…", not
# "(?:完成整改|…)" or "(?:已取得|取得)?…"): the regex engine then jumps from one such
# character to the next instead of trying the whole pattern at every position of a measure,
# which makes reading a notice's states several times faster.
COMPLETED_PATTERN = (
    r"已全部[\u4e00-\u9fff]{0,6}?(?:到位|完成|完毕|办结|化解|清退|拆除|追缴|解决|销号|清零|投入使用|投用|完工|建成|上线)"
    r"|完成整改|整改完成|整改到位|整改完毕|整治到位|销号到位|完成销号"
    r"|已(?:完成整改|整改完成|整改到位|整改完毕|完成|整改|办结|销号|化解|解决|建成|拆除|出清|清理|追缴|追究|撤销"
    r"|关停|取缔|落实|关闭|退还|投入使用|投用|通车|交付)"
    r"|全面(?:完成|办结|到位|完工|投用)|全部(?:完成|办结|到位|完工|投用)"
    r"|已(?:拨付|追回|收回|缴入|清退|兑付|补缴|上缴|全额退还)"
)
PHASED_PATTERN = (
    r"已取得阶段性(?:成效|进展|成果)|取得阶段性(?:成效|进展|成果)|阶段性(?:成效|进展|成果)"
    r"|持续整改|长期坚持|长期整改|需持续|久久为功"
    r"|基本(?:完成|整改到位|整治到位|解决|化解|建成|实现|到位|满足)"
)
# A completion still ahead: "将…完成", "计划…建成" (one alternative per leading word, as above).
_AHEAD = r"[^，,。；;]{0,12}?(?:完成|完工|竣工|建成|通车|投入使用|交付|办结|化解|出清|覆盖)"
IN_PROGRESS_PATTERN = (
    r"正(?:按计划推进|按计划|有序推进|有序|加快推进|加快|抓紧推进|抓紧|积极推进|积极|稳步推进|稳步|全力推进|全力|逐步"
    r"|在)(?!运行|使用|常)"
    r"|推进中|进行中|办理中|整改中|已进场施工|已进场|进场施工|已开工|已复工|开工建设|已启动"
    r"|尚未完成|未完成|未整改|待批复|剩余|剩下"
    + "".join(f"|{word}{_AHEAD}" for word in ("将", "拟", "计划", "预计", "力争", "争取", "有望"))
)
SUBMITTED_PATTERN = r"申请销号|提请销号|待销号|申请验收|待验收"
PLANNED_PATTERN = r"尚未启动|未启动|暂未启动|尚未开展|暂未开展"


# Colours chosen to stay distinguishable in print and for red-green colour blindness.
VOCABULARY: dict[str, Vocabulary] = {
    State.PLANNED: Vocabulary(
        "#475467", "#f2f4f7", "未启动", ("未开始", "尚未启动"), "尚未启动。",
        PLANNED_PATTERN,
    ),
    State.IN_PROGRESS: Vocabulary(
        "#175cd3", "#eff8ff", "推进中", ("进行中", "正在推进", "正按计划推进", "整改中"), "正按计划推进。",
        IN_PROGRESS_PATTERN,
        ("正按计划推进", "正在整改", "正在推进", "推进中", "整改中"),
    ),
    State.PHASED: Vocabulary(
        "#6941c6", "#f4f3ff", "阶段性成效",
        ("阶段性成效/持续整改", "持续整改", "已取得阶段性成效", "长期坚持"), "已取得阶段性成效,需持续整改。",
        PHASED_PATTERN,
        ("已取得阶段性成效", "取得阶段性成效", "阶段性成效", "需持续整改", "持续整改", "需长期坚持", "长期坚持",
         "基本完成"),
    ),
    State.SUBMITTED: Vocabulary(
        "#b54708", "#fffaeb", "申请销号", ("待销号", "申请验收"), "已申请销号。",
        SUBMITTED_PATTERN,
    ),
    State.COMPLETED: Vocabulary(
        "#067647", "#ecfdf3", "已完成", ("已销号", "已完成整改", "完成", "已整改", "已完成/已销号"), "已完成整改。",
        COMPLETED_PATTERN,
        ("已完成整改", "已整改完成", "已整改到位", "已全部整改", "已完成", "已整改", "完成整改"),
    ),
    State.RELAPSED: Vocabulary(
        "#b42318", "#fef3f2", "反弹回潮", ("反弹",), "回头看发现问题反弹,正按计划重新整改。", "",
    ),
}


def vocabulary(state: str) -> Vocabulary:
    return VOCABULARY[state]
