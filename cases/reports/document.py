"""The periodic report as a .docx: A4, 方正小标宋/黑体 headings, 仿宋 text, tables, charts as images."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from cases import charts

from . import images
from .selectors import Report

TITLE_FONT, HEADING_FONT, BODY_FONT = "方正小标宋简体", "黑体", "仿宋_GB2312"
# The document is in the genre's fixed Chinese, whatever the interface language.
LETTER_STATES = {"issued": "已印发", "acknowledged": "已签收", "answered": "已反馈", "escalated": "已升级"}


def _font(run, name: str, size: float, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = name
    run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _para(doc, text: str, *, font=BODY_FONT, size=14, bold=False, align=None, indent=True):
    from docx.shared import Pt

    p = doc.add_paragraph()
    _font(p.add_run(text), font, size, bold)
    p.paragraph_format.space_after = Pt(4)
    if align is not None:
        p.alignment = align
    elif indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    return p


def _table(doc, head: list[str], rows: list[list]) -> None:
    from docx.shared import Pt

    table = doc.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, head, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(str(text)), HEADING_FONT, 10.5)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run("" if value is None else str(value)), BODY_FONT, 10.5)
            cell.paragraphs[0].paragraph_format.space_after = Pt(0)
    doc.add_paragraph()


def _chart(doc, svg, width_cm: float = 16) -> None:
    from docx.shared import Cm

    if not str(svg):
        return
    doc.add_picture(io.BytesIO(images.png(svg)), width=Cm(width_cm))


def _signed(n) -> str:
    return f"+{n}" if n and n > 0 else str(n if n is not None else "—")


def report_docx(report: Report) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    _para(doc, report.title, font=TITLE_FONT, size=22, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, f"（{report.period.label}，截至{report.on:%Y年%m月%d日}）".replace("年0", "年").replace("月0", "月"),
          font=BODY_FONT, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    h, start, end = report.head, report.at_start, report.at_end

    _para(doc, "一、总体进展", font=HEADING_FONT, size=16, indent=False)
    rate = f"{h.problem_rate}%" if h.problem_rate is not None else "—"
    _para(doc, f"{report.scope}共有反馈问题{h.problems}个，已完成整改{h.problems_completed}个，完成率{rate}；"
               f"整改措施{h.measures}条，已完成{h.completed}条，正在推进{h.ongoing}条，其中逾期{h.overdue}条、"
               f"{h.due_soon}条即将到期。本期完成整改措施{report.completed_count}条，新增逾期{report.newly_overdue_count}条。")
    _table(doc, ["指标", "期初", "期末", "变化"], [
        ["已完成措施", start.completed, end.completed, _signed(report.change_completed)],
        ["未完成措施", start.remaining, end.remaining, _signed(report.change_remaining)],
        ["措施完成率(%)", start.rate if start.rate is not None else "—", end.rate if end.rate is not None else "—",
         _signed(report.change_rate)],
    ])
    if report.weeks:
        _chart(doc, charts.weekly_chart(report.weeks, today=report.on, deadline=report.deadline,
                                        title="逐周完成与剩余情况"))

    _para(doc, f"二、本期完成事项（{report.completed_count}条）", font=HEADING_FONT, size=16, indent=False)
    if report.completed:
        _table(doc, ["整改措施", "责任单位", "销号时间"], [
            [str(m), m.lead_unit.name, f"{timezone.localdate(m.completed_at):%Y-%m-%d}"] for m in report.completed])
    else:
        _para(doc, "本期无新完成的整改措施。")

    _para(doc, f"三、本期新增逾期（{report.newly_overdue_count}条）", font=HEADING_FONT, size=16, indent=False)
    if report.newly_overdue:
        _table(doc, ["整改措施", "责任单位", "完成时限"], [
            [str(m), m.lead_unit.name, f"{m.deadline:%Y-%m-%d}"] for m in report.newly_overdue])
    else:
        _para(doc, "本期无新增逾期事项。")

    _para(doc, "四、逾期时间最长的事项", font=HEADING_FONT, size=16, indent=False)
    if report.longest_overdue:
        _table(doc, ["逾期天数", "整改措施", "责任单位", "完成时限"], [
            [m.days_overdue(report.on), str(m), m.lead_unit.name, f"{m.deadline:%Y-%m-%d}"]
            for m in report.longest_overdue])
    else:
        _para(doc, "目前无逾期事项。")

    _para(doc, "五、督办情况", font=HEADING_FONT, size=16, indent=False)
    if report.letters:
        _para(doc, f"本期印发督办函{len(report.letters)}份。")
        _table(doc, ["文号", "责任单位", "等级", "印发日期", "反馈期限", "状态"], [
            [letter.number, letter.unit.name, letter.level.name if letter.level else "", f"{letter.issued_on:%Y-%m-%d}",
             f"{letter.reply_by:%Y-%m-%d}", LETTER_STATES.get(letter.state, letter.state)]
            for letter in report.letters])
    else:
        _para(doc, "本期未印发督办函。")
    if report.ladder:
        _para(doc, "每周督办提醒涉及的事项:")
        _table(doc, ["责任单位", "督办提醒(次)", "涉及事项(条)"],
               [[r.unit, r.escalations, r.items] for r in report.ladder])
    else:
        _para(doc, "本期无督办提醒。")

    _para(doc, "六、责任单位排名", font=HEADING_FONT, size=16, indent=False)
    _table(doc, ["名次", "责任单位", "已完成/总数", "完成率(%)", "逾期", "最长逾期(天)", "本期完成"], [
        [i, r.label, f"{r.completed}/{r.total}", r.rate if r.rate is not None else "—", r.overdue,
         r.extra["longest"] or "—", r.extra["completed_in_period"]] for i, r in enumerate(report.units, start=1)])
    laggards = [r for r in sorted(report.units, key=lambda r: -r.overdue) if r.overdue][:15]
    if laggards:
        _chart(doc, charts.stacked_bars(laggards, title="有逾期事项的责任单位"))

    _para(doc, "七、整改成效", font=HEADING_FONT, size=16, indent=False)
    from cases.outcomes.words import totals_sentence, wan

    _para(doc, (totals_sentence(report.outcomes) or "尚未填报整改成效数据。").removeprefix("整改中,")
          .replace("整改中,", ""))
    if report.outcomes:
        _table(doc, ["类别", "累计", "本期"], [
            [label, f"{wan(value)}万元" if money else value,
             (f"{wan(report.outcomes_in_period.amount(kind))}万元" if money
              else report.outcomes_in_period.count(kind))]
            for kind, label, value, money in report.outcomes.rows()])
    if report.rules:
        _table(doc, ["制度名称", "文号", "整改任务"], [[r.title, r.doc_number, r.measure.case.title]
                                                for r in report.rules])

    lb = report.lookbacks
    _para(doc, "八、回头看", font=HEADING_FONT, size=16, indent=False)
    _para(doc, f"累计开展回头看{lb.checked}项，巩固{lb.held}项，发现反弹回潮{lb.relapsed}项；"
               f"待开展{lb.due}项（其中逾期{lb.overdue}项）；长期坚持事项上一周期未报送进展{lb.lagging}项。")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def filename(report: Report) -> str:
    return _("%(scope)s-%(period)s-report.docx") % {"scope": report.scope, "period": report.period.start.isoformat()}
