"""The progress notice (整改进展情况通报) drafted from a case's ledger, as text and as .docx.

The draft follows the published notices (see ../shared/notices/): a title, an opening
paragraph with the inspection dates and team, "一、组织整改落实情况" (left for the drafter
to write, followed by the figures), "二、…整改进展情况" category by category and problem
by problem with what was done, "三、下一步工作打算" (to write), then signature and date.

It is also written to be read back: the notice parser must find the same tree (labels,
titles, levels) and the same states in it. So each measure ends with the state sentence
the parser recognises, and a clause of a progress note that reports a less advanced state
than the measure has (e.g. "其余正按计划推进" on a completed measure) is left out of the draft
and reported in `warnings` for the author to check, since it would contradict the notice.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch
from django.utils import timezone

from cases.choices import VOCABULARY
from cases.ledger import latest_note_subquery
from cases.models import Case, Issue, Measure
from cases.names import comparison_key
from cases.outcomes.words import case_paragraph
from cases.states import State

# The sentence that closes each measure, in the words the notice parser reads as the state.
STATE_SENTENCES = {state: words.draft_sentence for state, words in VOCABULARY.items()}
# What the parser will read back for each state (it has no word for a relapse).
PARSED_STATE = {**{s: s for s in State.values}, State.RELAPSED: State.IN_PROGRESS}
_PARSER_ORDER = ("planned", "in_progress", "phased", "submitted", "completed")

KIND_WORDS = {
    Case.Kind.INSPECTION: "巡视",
    Case.Kind.CIRCUIT: "巡察",
    Case.Kind.AUDIT: "审计",
    Case.Kind.ENVIRONMENT: "督察",
    Case.Kind.OTHER: "巡视",
}
PLACEHOLDER_ORGANISATION = (
    "【待填写:{body}把{kind}整改作为重要政治任务,成立整改工作领导小组,召开专题会议研究部署,"
    "制定整改方案,明确责任领导、责任单位和完成时限,建立整改台账,实行清单管理、对账销号的情况。】"
)
PLACEHOLDER_NEXT = (
    "【待填写:下一步,将坚持目标不变、标准不降、力度不减,对已完成的整改事项适时开展“回头看”,巩固整改成果;"
    "对需长期坚持的整改事项持续跟踪问效;深化标本兼治,健全长效机制,以整改实效推动高质量发展。】"
)
_CLAUSE = re.compile(r"[^,，;；。!！?？]+[,，;；。!！?？]?")


@dataclass(slots=True)
class Figures:
    """Problem-level counts, as the notices and the dashboard count them."""

    problems: int = 0
    completed: int = 0
    phased: int = 0
    submitted: int = 0
    in_progress: int = 0
    planned: int = 0

    def pct(self, n: int) -> str:
        return f"{100 * n / self.problems:.1f}%" if self.problems else "0%"


@dataclass(slots=True)
class DraftNotice:
    case: Case
    title: str
    issuer: str
    date: datetime.date
    figures: Figures
    # Paragraphs in order; each is (style, text) with style one of
    # title, body, heading1, heading2, heading3, signature.
    paragraphs: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(text for _, text in self.paragraphs) + "\n"


def case_figures(case: Case) -> Figures:
    """The same counts as the dashboard: Case.objects.with_progress() and the issues' roll-up states."""
    progress = Case.objects.with_progress().get(pk=case.pk)
    by_state = dict(
        Issue.objects.filter(case=case).problems().order_by().values_list("state").annotate(n=Count("pk"))
    )
    return Figures(
        problems=progress.problem_total or 0,
        completed=progress.problem_completed or 0,
        phased=by_state.get(State.PHASED, 0),
        submitted=by_state.get(State.SUBMITTED, 0),
        in_progress=by_state.get(State.IN_PROGRESS, 0) + by_state.get(State.RELAPSED, 0),
        planned=by_state.get(State.PLANNED, 0),
    )


def draft_notice(case: Case, *, on: datetime.date | None = None) -> DraftNotice:
    """Draft the progress notice of `case` as of `on` (default today)."""
    on = on or timezone.localdate()
    kind = KIND_WORDS.get(case.kind, "巡视")
    issuer = _issuer(case)
    body = _short_body(case.inspected_body or issuer)
    team = case.inspection_team or f"××{kind}组"
    figures = case_figures(case)
    draft = DraftNotice(case=case, title=_title(case, issuer, team, kind), issuer=issuer, date=on, figures=figures)
    add = draft.paragraphs.append

    add(("title", draft.title))
    add(("body", _opening(case, body, team, kind)))
    add(("heading1", "一、组织整改落实情况"))
    add(("body", case_paragraph(case) or PLACEHOLDER_ORGANISATION.format(body=body, kind=kind)))
    add(("body", _figures_sentence(figures, on, kind)))
    add(("heading1", "二、集中整改期内整改进展情况" if _in_concentrated_period(case, on)
         else f"二、{kind}反馈问题整改落实情况"))
    _issue_paragraphs(case, draft)
    add(("heading1", "三、下一步工作打算"))
    add(("body", PLACEHOLDER_NEXT))
    add(("body", f"欢迎广大干部群众对{kind}整改落实情况进行监督。如有意见建议,请及时向我们反映。"))
    add(("signature", issuer))
    add(("signature", _cn_date(on)))
    return draft


def _issuer(case: Case) -> str:
    """Who signs: the issuer of the case's latest imported notice (e.g. 中共湾沚区委, where
    the case's inspected body is 湾沚区), else the inspected body itself."""
    from notices.models import Notice

    latest = Notice.objects.filter(case=case).exclude(issuer="").order_by("-pk").values_list("issuer", flat=True)
    return latest.first() or case.inspected_body or "中共××委员会"


def _title(case: Case, issuer: str, team: str, kind: str) -> str:
    if case.title.startswith("中共") and "关于" in case.title:
        base = re.sub(r"(落实情况|进展情况|情况)$", "", case.title)
        return f"{base}进展情况的通报"
    return f"{issuer}关于{team}{kind}反馈意见整改进展情况的通报"


def _short_body(issuer: str) -> str:
    return issuer.removeprefix("中共") or issuer


def _opening(case: Case, body: str, team: str, kind: str) -> str:
    superior = re.match(r"^(.+?委)", team)
    lead = f"根据{superior.group(1) if superior else '上级'}统一部署,"
    if case.inspection_start and case.inspection_end:
        period = f"{_cn_date(case.inspection_start)}至{_cn_date(case.inspection_end, same_year=case.inspection_start)},"
    else:
        period = ""
    text = f"{lead}{period}{team}对{body}进行了{kind}。"
    if case.feedback_on:
        text += f"{_cn_date(case.feedback_on)},{team}向{body}反馈了{kind}意见。"
    return text + f"按照{kind}工作有关要求,现将{kind}整改进展情况予以公布。"


def _figures_sentence(f: Figures, on: datetime.date, kind: str) -> str:
    parts = [f"截至{_cn_date(on)},{kind}反馈的{f.problems}个问题,已完成整改{f.completed}个,占比{f.pct(f.completed)}"]
    if f.phased:
        parts.append(f"已取得阶段性成效、需持续整改{f.phased}个,占比{f.pct(f.phased)}")
    if f.submitted:
        parts.append(f"已申请销号待验收{f.submitted}个,占比{f.pct(f.submitted)}")
    if f.in_progress:
        parts.append(f"正按计划推进{f.in_progress}个,占比{f.pct(f.in_progress)}")
    if f.planned:
        parts.append(f"尚未启动{f.planned}个,占比{f.pct(f.planned)}")
    return ";".join(parts) + "。"


def _in_concentrated_period(case: Case, on: datetime.date) -> bool:
    return bool(case.rectification_deadline and on <= case.rectification_deadline)


def _issue_paragraphs(case: Case, draft: DraftNotice) -> None:
    """Category by category, problem by problem: three queries whatever the size of the case."""
    measures = Measure.objects.annotate(latest_note=latest_note_subquery()).order_by("position", "pk")
    issues = list(
        Issue.objects.filter(case=case).order_by("position", "pk").prefetch_related(Prefetch("measures", measures))
    )
    by_parent: dict[int | None, list[Issue]] = {}
    for issue in issues:
        by_parent.setdefault(issue.parent_id, []).append(issue)

    def walk(parent_id, depth):
        for issue in by_parent.get(parent_id, []):
            style = "heading2" if issue.kind == Issue.Kind.GROUP else "heading3"
            heading = f"{issue.label}{issue.title}"
            if issue.kind == Issue.Kind.GROUP and not issue.label:
                heading = f"({_cn(depth + 1)}){issue.title}"
            draft.paragraphs.append((style, heading))
            own = list(issue.measures.all())
            # One paragraph per measure: an unlabelled measure then stays a measure of its own.
            for n, m in enumerate(own):
                draft.paragraphs.append(("body", ("整改情况:" if n == 0 else "") + _measure_sentence(m, draft)))
            walk(issue.pk, depth + 1)

    walk(None, 0)


def _measure_sentence(measure: Measure, draft: DraftNotice) -> str:
    """一是<measure><what was done><state sentence> — in the words the parser reads back.

    Each measure is printed once: a latest note that repeats the measure's text (an import
    records the notice's paragraph as both) or contains it is printed instead of the text,
    one the text already contains is left out.
    """
    label = measure.label
    text = _sentence(measure.text)
    note = _consistent_note(measure, draft)
    text_key, note_key = comparison_key(_strip_state(text)), comparison_key(_strip_state(note))
    if note_key and text_key and text_key in note_key:
        text = ""
    elif note_key and note_key in text_key:
        note = ""
    said = f"{text}{note}"
    closing = STATE_SENTENCES.get(measure.state, "")
    return f"{label}{said}{'' if said.endswith(closing) else closing}"


def _strip_state(text: str) -> str:
    """The text without a closing state sentence the draft adds itself (已完成整改。…)."""
    for sentence in STATE_SENTENCES.values():
        if text.endswith(sentence):
            return text[: -len(sentence)]
    return text


def _consistent_note(measure: Measure, draft: DraftNotice) -> str:
    note = _sentence(" ".join((measure.latest_note or "").split()))
    if not note:
        return ""
    target = PARSED_STATE[measure.state]
    kept, dropped = [], []
    for clause in _CLAUSE.findall(note):
        if _reads_below(clause, target):
            dropped.append(clause)
        else:
            kept.append(clause)
    if dropped:
        draft.warnings.append(
            f"措施「{measure}」的最新进展中“{''.join(dropped).strip()}”与其状态"
            f"({State(measure.state).label})不符,草稿中已略去,请核对。"
        )
    return _sentence(re.sub(r"[,,;;]+$", "", "".join(kept)))


def _reads_below(text: str, target: str) -> bool:
    """Whether the notice parser would read a state less advanced than `target` in `text`."""
    from notices.parser.states import read_state

    found = read_state(text)
    return found.basis == "phrase" and _PARSER_ORDER.index(found.state) < _PARSER_ORDER.index(target)


def _sentence(text: str) -> str:
    text = (text or "").strip()
    if not text:
        return ""
    return text if text[-1] in "。!!??;;" else text + "。"


def _cn(n: int) -> str:
    from notices.parser.labels import chinese_numeral

    return chinese_numeral(n)


def _cn_date(day: datetime.date, *, same_year: datetime.date | None = None) -> str:
    if same_year is not None and same_year.year == day.year:
        return f"{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


# --- .docx --------------------------------------------------------------------------------


def notice_docx(draft: DraftNotice) -> bytes:
    """The draft as a Word document laid out like an official document (GB/T 9704-2012,
    `cases.officialdoc`): title in 小标宋 二号, body in 仿宋 三号, headings in 黑体 and 楷体,
    signature and date on the right."""
    from cases.officialdoc import official_docx

    return official_docx(draft.paragraphs, title=draft.title, author=draft.issuer,
                         signature_gap_before=draft.issuer)


def notice_filename(case: Case, suffix: str) -> str:
    base = re.sub(r'[\\/:*?"<>|\s]+', "_", f"{_short_body(case.inspected_body or case.title)}整改进展情况通报")[:80]
    return f"{base}-{timezone.localdate():%Y%m%d}.{suffix}"
