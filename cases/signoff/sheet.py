"""The filled-in sign-off sheet of an item (整改事项销号审批单) as a `.docx`.

Laid out like the notice draft (GB/T 9704-2012: A4, margins 37/35/28/26 mm, title in 小标宋
二号, text in 仿宋): the item, its problem, the measures taken (the request's note and the
progress since the last request), the evidence list, and every signature of the round with
name, post, time and comment. It can be printed for a paper sign-off too: steps not yet
signed are left blank for a hand signature.
"""

from __future__ import annotations

import io
import re

from django.utils import timezone, translation

from ..models import Evidence, Measure, ProgressUpdate, SignOff
from ..states import Action, State
from . import eligibility, selectors

TITLE = "整改事项销号审批单"
DECISION_WORDS = {
    SignOff.Decision.APPROVE: "同意销号",
    SignOff.Decision.SEND_BACK: "退回整改",
    SignOff.Decision.REOPEN: "重新整改(反弹回潮)",
    SignOff.Decision.PAPER: "纸质销号单",
}


def _round_entries(measure: Measure) -> list[ProgressUpdate]:
    """The log from the request that opened the round on (or the whole log if never requested)."""
    entries = list(measure.progress_updates.select_related("author").prefetch_related("evidence")
                   .order_by("created_at", "pk"))
    starts = [i for i, e in enumerate(entries) if e.action == Action.SUBMIT
              or (e.action == Action.IMPORT and e.to_state == State.SUBMITTED)]
    return entries[starts[-1]:] if starts else entries


def sheet_rows(measure: Measure) -> dict:
    """Everything the sheet prints, as plain values (the tests read this too).

    The sheet is an official document in Chinese whatever the reader's interface language, so
    the words it takes from the interface (a step named by its signer, a state) are Chinese too."""
    with translation.override("zh-hans"):
        return _sheet_rows(measure)


def _sheet_rows(measure: Measure) -> dict:
    measure = Measure.objects.select_related("case", "issue", "lead_unit", "lead_leader",
                                             "signoff_requested_by").get(pk=measure.pk)
    signoffs = selectors.round_signoffs(measure)
    steps = selectors.chain_status(measure, signoffs)
    entries = _round_entries(measure)
    evidence = list(Evidence.objects.filter(progress__measure=measure).select_related("progress")
                    .order_by("uploaded_at", "pk"))
    requested = measure.signoff_requested_by
    done = "\n".join(f"{e.created_at:%Y-%m-%d} {e.author or '系统'}:{e.note.strip()}" for e in entries
                     if e.note.strip() and e.action in (Action.NOTE, Action.SUBMIT, Action.PHASE, Action.START,
                                                        Action.IMPORT))
    signatures = []
    for st in steps:
        s = st.signoff
        signatures.append({
            "step": f"{st.position}. {st.title}",
            "name": (s.by.name or s.by.username) if s else "",
            "post": s.by.title if s else "",
            "time": timezone.localtime(s.created_at).strftime("%Y-%m-%d %H:%M") if s else "",
            "comment": s.comment if s else ("(待签)" if st.status == "waiting" else ""),
        })
    for s in signoffs:
        if s.decision != SignOff.Decision.APPROVE:
            signatures.append({
                "step": DECISION_WORDS.get(s.decision, s.get_decision_display())
                + (f"(第{s.step}步)" if s.step else ""),
                "name": s.by.name or s.by.username, "post": s.by.title,
                "time": timezone.localtime(s.created_at).strftime("%Y-%m-%d %H:%M"), "comment": s.comment,
            })
    chain = eligibility.chain_of(measure.case)
    return {
        "title": TITLE,
        "case": measure.case.title,
        "problem": str(measure.issue),
        "measure": f"{measure.label}{measure.text}",
        "lead_unit": measure.lead_unit.name,
        "lead_leader": str(measure.lead_leader or ""),
        "deadline": measure.deadline.isoformat() if measure.deadline else "长期坚持",
        "original_deadline": measure.original_deadline.isoformat() if measure.original_deadline else "",
        "state": State(measure.state).label,
        "requested": (f"{requested.name or requested.username} {measure.signoff_requested_on:%Y-%m-%d}"
                      if requested and measure.signoff_requested_on else ""),
        "done": done,
        "evidence": [f"{e.original_name}({_size(e.size)},{e.uploaded_at:%Y-%m-%d})" for e in evidence],
        "chain": chain.name if chain else "整改办审核(一步)",
        "signatures": signatures,
        "printed": timezone.localdate().isoformat(),
    }


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(n // 1024, 1)} KB"


def sheet_docx(measure: Measure) -> bytes:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    data = sheet_rows(measure)
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    document.core_properties.title = data["title"]

    def styled(run, font: str, size: float, bold: bool = False) -> None:
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.name = font
        run.element.rPr.rFonts.set(qn("w:eastAsia"), font)

    def paragraph(text: str, font="仿宋_GB2312", size=16, align=None, bold=False, container=None):
        p = (container or document).add_paragraph()
        styled(p.add_run(text), font, size, bold)
        fmt = p.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(size * 1.5)
        fmt.space_before = fmt.space_after = Pt(0)
        if align is not None:
            p.alignment = align
        return p

    title = paragraph(data["title"], "方正小标宋简体", 22, WD_ALIGN_PARAGRAPH.CENTER)
    title.paragraph_format.line_spacing = Pt(36)
    title.paragraph_format.space_after = Pt(14)

    def cell_text(cell, text: str, bold: bool = False, size: float = 12) -> None:
        cell.text = ""
        lines = (text or "").split("\n") or [""]
        first = cell.paragraphs[0]
        for i, line in enumerate(lines):
            p = first if i == 0 else cell.add_paragraph()
            styled(p.add_run(line), "黑体" if bold else "仿宋_GB2312", size)
            p.paragraph_format.line_spacing = Pt(size * 1.5)

    facts = [
        ("所属案件", data["case"]), ("反馈问题", data["problem"]), ("整改事项", data["measure"]),
        ("责任单位", data["lead_unit"]), ("牵头领导", data["lead_leader"]),
        ("完成时限", data["deadline"] + (f"(原定 {data['original_deadline']})"
                                      if data["original_deadline"] and data["original_deadline"] != data["deadline"]
                                      else "")),
        ("当前状态", data["state"]), ("申请人及日期", data["requested"]),
        ("整改完成情况", data["done"] or "—"),
        ("佐证材料", "\n".join(f"{i}. {e}" for i, e in enumerate(data["evidence"], 1)) or "无"),
        ("审批流程", data["chain"]),
    ]
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for label, value in facts:
        row = table.add_row().cells
        cell_text(row[0], label, bold=True)
        cell_text(row[1], value)
        row[0].width, row[1].width = Cm(3.6), Cm(12)

    paragraph("")
    paragraph("审批签字", "黑体", 16)
    signatures = document.add_table(rows=1, cols=5)
    signatures.style = "Table Grid"
    for cell, head in zip(signatures.rows[0].cells, ("步骤", "审批人", "职务", "时间", "意见"), strict=True):
        cell_text(cell, head, bold=True)
    for sig in data["signatures"]:
        row = signatures.add_row().cells
        for cell, key in zip(row, ("step", "name", "post", "time", "comment"), strict=True):
            cell_text(cell, sig[key])
    paragraph("")
    paragraph(f"打印日期:{data['printed']}", size=12, align=WD_ALIGN_PARAGRAPH.RIGHT)
    stream = io.BytesIO()
    document.save(stream)
    return stream.getvalue()


def sheet_filename(measure: Measure) -> str:
    base = re.sub(r'[\\/:*?"<>|\s]+', "_", f"销号审批单-{measure.lead_unit.name}-{measure.pk}")[:80]
    return f"{base}.docx"
