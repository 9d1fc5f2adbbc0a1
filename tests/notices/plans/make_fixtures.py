"""Writes the plan-table fixtures (invented text in the genre) beside this file:

    .venv/bin/python tests/notices/plans/make_fixtures.py

Each fixture has a truth file (<name>.truth.json) listing its problems and measures with units,
leaders, deadlines and kinds; test_plan_corpus.py scores the import against it per fact.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def word_merged():
    from docx import Document

    doc = Document()
    doc.add_paragraph("中共青石县委关于市委巡察反馈意见的整改方案")
    rows = [
        ("序号", "反馈问题", "整改措施", "责任领导", "牵头单位", "配合单位", "完成时限"),
        ("一、落实党中央决策部署方面",) * 7,
        ("1", "贯彻新发展理念有差距", "1.制定高质量发展实施方案", "李明", "县发展改革局", "县财政局", "2026年6月底前"),
        ("1", "贯彻新发展理念有差距", "2.建立重点项目调度机制", "李明", "县发展改革局", "", "2026年9月30日"),
        ("2", "防范化解风险不到位", "1.开展政府债务专项清理", "王芳", "县财政局", "县审计局、县发展改革局", "长期坚持"),
        ("二、全面从严治党方面",) * 7,
        ("3", "主体责任落实不到位", "1.修订党委主体责任清单", "赵强", "县委办公室", "", "立行立改"),
        ("3", "主体责任落实不到位", "2.开展警示教育", "", "", "", "2026年12月底前"),
    ]
    table = doc.add_table(rows=len(rows), cols=7)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text if not (row.count(row[0]) == 7 and c) else ""
    for r, row in enumerate(rows):
        if row.count(row[0]) == 7:
            merged = table.cell(r, 0).merge(table.cell(r, 6))
            merged.text = row[0]
    # Problem 1 and 3 span two measure rows: merge vertically (number and problem columns).
    for top in (2, 6):
        for c in (0, 1):
            text = rows[top][c]
            merged = table.cell(top, c).merge(table.cell(top + 1, c))
            merged.text = text
    doc.save(HERE / "word_merged.docx")
    truth = {"categories": 2, "measures": [
        {"problem": "贯彻新发展理念有差距", "text": "制定高质量发展实施方案", "lead": "县发展改革局",
         "supporting": ["县财政局"], "leader": "李明", "deadline": "2026-06-30", "kind": "by_deadline"},
        {"problem": "贯彻新发展理念有差距", "text": "建立重点项目调度机制", "lead": "县发展改革局",
         "supporting": [], "leader": "李明", "deadline": "2026-09-30", "kind": "by_deadline"},
        {"problem": "防范化解风险不到位", "text": "开展政府债务专项清理", "lead": "县财政局",
         "supporting": ["县审计局", "县发展改革局"], "leader": "王芳", "deadline": None, "kind": "long_term"},
        {"problem": "主体责任落实不到位", "text": "修订党委主体责任清单", "lead": "县委办公室", "supporting": [],
         "leader": "赵强", "deadline": "2026-03-31", "kind": "immediate"},
        {"problem": "主体责任落实不到位", "text": "开展警示教育", "lead": "县委巡察办", "supporting": [],
         "leader": None, "deadline": "2026-12-31", "kind": "by_deadline"},
    ]}
    (HERE / "word_merged.truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")


def excel_odd_headers():
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "问题清单"
    ws.append(["青石县审计发现问题整改任务清单"])
    ws.merge_cells("A1:F1")
    ws.append(["编 号", "审计发现问题", "整改举措", "主责单位（部门）", "具体责任人", "整改期限", "备注"])
    ws.append([1, "（一）专项资金闲置", "（1）清理盘活闲置资金", "县财政局", "王芳", "2026年8月", ""])
    ws.append([None, None, "（2）建立资金使用台账", "县财政局、县农业农村局", "", "2026/10/31", ""])
    ws.merge_cells("A3:A4")
    ws.merge_cells("B3:B4")
    ws.append([2, "（二）工程项目未按期结算", "（1）完成结算审计", "县住房和城乡建设局", "周海", "2026年底", "已启动"])
    ws2 = wb.create_sheet("补充问题")
    ws2.append(["序号", "问题描述", "整改措施", "责任单位", "完成时间"])
    ws2.append(["1", "政府采购程序不规范", "修订采购内控制度", "县财政局", "2026-07-15"])
    wb.save(HERE / "excel_odd_headers.xlsx")
    truth = {"categories": 0, "measures": [
        {"problem": "专项资金闲置", "text": "清理盘活闲置资金", "lead": "县财政局", "supporting": [],
         "leader": "王芳", "deadline": "2026-08-31", "kind": "by_deadline"},
        {"problem": "专项资金闲置", "text": "建立资金使用台账", "lead": "县财政局", "supporting": ["县农业农村局"],
         "leader": None, "deadline": "2026-10-31", "kind": "by_deadline"},
        {"problem": "工程项目未按期结算", "text": "完成结算审计", "lead": "县住房和城乡建设局", "supporting": [],
         "leader": "周海", "deadline": "2026-12-31", "kind": "by_deadline"},
        {"problem": "政府采购程序不规范", "text": "修订采购内控制度", "lead": "县财政局", "supporting": [],
         "leader": None, "deadline": "2026-07-15", "kind": "by_deadline"},
    ]}
    (HERE / "excel_odd_headers.truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1),
                                                       encoding="utf-8")


def csv_gbk():
    rows = [["序号", "问题", "整改措施", "牵头领导", "责任单位", "完成时限", "整改类型"],
            ["1", "干部作风不实", "开展作风建设专项整治", "李明", "县委组织部、县纪委监委", "2026年5月31日",
             "限期整改"],
            ["", "", "建立作风问题曝光机制", "李明", "县纪委监委", "长期坚持", "长期坚持"]]
    with open(HERE / "csv_gbk.csv", "w", encoding="gb18030", newline="") as out:
        csv.writer(out).writerows(rows)
    truth = {"categories": 0, "measures": [
        {"problem": "干部作风不实", "text": "开展作风建设专项整治", "lead": "县委组织部", "supporting": ["县纪委监委"],
         "leader": "李明", "deadline": "2026-05-31", "kind": "by_deadline"},
        {"problem": "干部作风不实", "text": "建立作风问题曝光机制", "lead": "县纪委监委", "supporting": [],
         "leader": "李明", "deadline": None, "kind": "long_term"},
    ]}
    (HERE / "csv_gbk.truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")


def _save_truth(name: str, truth: dict) -> None:
    (HERE / f"{name}.truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")


def _m(problem, text, lead, supporting, leader, deadline, kind="by_deadline", **more):
    return {"problem": problem, "text": text, "lead": lead, "supporting": supporting, "leader": leader,
            "deadline": deadline, "kind": kind, **more}


def word_two_row_header():
    """整改方案 in Word: a two-row header (责任主体 over 责任领导/责任单位/责任人), a category row per
    方面 merged across, problem and number cells merged down over their measures."""
    from docx import Document

    doc = Document()
    doc.add_paragraph("中共青石县委落实县委巡察组反馈意见整改方案")
    doc.add_paragraph("附件：问题整改清单")
    header = ("序号", "反馈问题", "整改措施", "责任主体", "责任主体", "责任主体", "完成时限")
    sub = ("序号", "反馈问题", "整改措施", "责任领导", "责任单位", "责任人", "完成时限")
    rows = [
        header, sub,
        ("一、政治建设方面",) * 7,
        ("1", "学习贯彻党的创新理论不够深入", "1.完善党委理论学习中心组学习制度", "李明", "县委办公室",
         "刘洋（办公室主任）", "2026年4月30日"),
        ("1", "学习贯彻党的创新理论不够深入", "2.开展专题读书班", "李明", "县委组织部", "", "2026年6月底前"),
        ("1", "学习贯彻党的创新理论不够深入", "3.建立学习成效评估机制", "李明", "县委组织部、县委办公室", "张伟",
         "长期坚持"),
        ("2", "意识形态工作责任制落实不到位", "1.修订意识形态工作责任清单", "王芳", "县委办公室", "张伟", "立行立改"),
        ("二、作风建设方面",) * 7,
        ("3", "形式主义官僚主义问题仍然存在", "1.精简会议文件", "赵强", "县委办公室", "", "2026年9月30日"),
        ("3", "形式主义官僚主义问题仍然存在", "2.规范督查检查考核", "赵强", "县纪委监委、县委办公室", "陈静",
         "2026年12月31日"),
    ]
    table = doc.add_table(rows=len(rows), cols=7)
    for r, row in enumerate(rows):
        if row.count(row[0]) == 7:
            table.cell(r, 0).merge(table.cell(r, 6)).text = row[0]
            continue
        for c, text in enumerate(row):
            if r == 0 and 3 <= c <= 5:
                continue
            table.cell(r, c).text = text
    table.cell(0, 3).merge(table.cell(0, 5)).text = "责任主体"
    for c in (0, 1, 2, 6):
        table.cell(0, c).merge(table.cell(1, c)).text = header[c]
    for top, bottom in ((3, 5), (8, 9)):
        for c in (0, 1):
            table.cell(top, c).merge(table.cell(bottom, c)).text = rows[top][c]
    doc.add_paragraph("中共青石县委办公室　2026年3月1日")
    doc.save(HERE / "word_two_row_header.docx")
    p1, p2, p3 = "学习贯彻党的创新理论不够深入", "意识形态工作责任制落实不到位", "形式主义官僚主义问题仍然存在"
    _save_truth("word_two_row_header", {"categories": 2, "measures": [
        _m(p1, "完善党委理论学习中心组学习制度", "县委办公室", [], "李明", "2026-04-30", person="刘洋（办公室主任）"),
        _m(p1, "开展专题读书班", "县委组织部", [], "李明", "2026-06-30", person=""),
        _m(p1, "建立学习成效评估机制", "县委组织部", ["县委办公室"], "李明", None, "long_term", person="张伟"),
        _m(p2, "修订意识形态工作责任清单", "县委办公室", [], "王芳", "2026-03-31", "immediate", person="张伟"),
        _m(p3, "精简会议文件", "县委办公室", [], "赵强", "2026-09-30", person=""),
        _m(p3, "规范督查检查考核", "县纪委监委", ["县委办公室"], "赵强", "2026-12-31", person="陈静"),
    ]})


def three_lists():
    """问题清单 · 任务清单 · 责任清单 as three sheets of one workbook, joined by 问题序号 and 任务序号."""
    from openpyxl import Workbook

    wb = Workbook()
    problems = wb.active
    problems.title = "问题清单"
    problems.append(["青石县巡察反馈问题清单"])
    problems.merge_cells("A1:C1")
    problems.append(["序号", "问题类别", "问题描述"])
    problems.append([1, "一、落实全面从严治党责任方面", "党组织书记第一责任人职责履行不到位"])
    problems.append([2, "一、落实全面从严治党责任方面", "廉政风险防控机制不健全"])
    problems.append([3, "二、基层党组织建设方面", "发展党员程序不规范"])
    tasks = wb.create_sheet("任务清单")
    tasks.append(["序号", "问题序号", "整改任务", "完成时限"])
    tasks.append([1, 1, "制定党组织书记履职清单", "2026年5月"])
    tasks.append([2, 1, "开展书记抓党建述职评议", "2026年12月底前"])
    tasks.append([3, 2, "全面排查廉政风险点", "2026-06-30"])
    tasks.append([4, 3, "逐一核查近三年发展党员档案", "2026年8月31日"])
    tasks.append([5, 3, "建立发展党员全程纪实制度", "长期坚持"])
    duties = wb.create_sheet("责任清单")
    duties.append(["序号", "任务序号", "责任领导", "牵头单位", "配合单位", "责任人"])
    duties.append([1, 1, "李明", "县委组织部", "", "张伟"])
    duties.append([2, 2, "李明", "县委组织部", "县委办公室", ""])
    duties.append([3, 3, "王芳", "县纪委监委", "县财政局、县审计局", "陈静"])
    duties.append([4, 4, "赵强", "县委组织部", "", "刘洋"])
    duties.append([5, 5, "赵强", "县委组织部", "", "刘洋"])
    wb.save(HERE / "three_lists.xlsx")
    p1, p2, p3 = "党组织书记第一责任人职责履行不到位", "廉政风险防控机制不健全", "发展党员程序不规范"
    _save_truth("three_lists", {"categories": 2, "measures": [
        _m(p1, "制定党组织书记履职清单", "县委组织部", [], "李明", "2026-05-31", person="张伟"),
        _m(p1, "开展书记抓党建述职评议", "县委组织部", ["县委办公室"], "李明", "2026-12-31", person=""),
        _m(p2, "全面排查廉政风险点", "县纪委监委", ["县财政局", "县审计局"], "王芳", "2026-06-30", person="陈静"),
        _m(p3, "逐一核查近三年发展党员档案", "县委组织部", [], "赵强", "2026-08-31", person="刘洋"),
        _m(p3, "建立发展党员全程纪实制度", "县委组织部", [], "赵强", None, "long_term", person="刘洋"),
    ]})


def csv_export():
    """Excel's "CSV UTF-8" export: byte-order mark, CRLF, a title row and a blank row above the header,
    trailing empty columns, quoted cells with commas and line breaks, 2026/6/30 dates, continuation rows
    with the problem left blank."""
    rows = [
        ["附件2：青石县审计反馈问题整改任务清单", "", "", "", "", "", "", "", ""],
        ["", "", "", "", "", "", "", "", ""],
        ["序号", "反馈问题", "整改措施", "牵头单位", "配合单位", "完成时限", "备注", "", ""],
        ["1", "财政暂付款清理不及时", "制定暂付款分类处置方案", "县财政局", "县审计局,县发展改革局", "2026/6/30",
         "已报县政府\n常务会审议", "", ""],
        ["", "", "按月通报清理进度", "县财政局", "", "2026/12/31", "", "", ""],
        ["2", "政府投资项目超概算", "建立项目概算动态监控机制", "县发展改革局", "县住房和城乡建设局", "长期坚持", "",
         "", ""],
        ["", "", "", "", "", "", "", "", ""],
        ["3", "惠农补贴发放不精准", "开展补贴发放专项核查", "县农业农村局", "县财政局", "2026/9/30", "", "", ""],
    ]
    with open(HERE / "csv_export.csv", "w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out, lineterminator="\r\n").writerows(rows)
    _save_truth("csv_export", {"categories": 0, "measures": [
        _m("财政暂付款清理不及时", "制定暂付款分类处置方案", "县财政局", ["县审计局", "县发展改革局"], None,
           "2026-06-30"),
        _m("财政暂付款清理不及时", "按月通报清理进度", "县财政局", [], None, "2026-12-31"),
        _m("政府投资项目超概算", "建立项目概算动态监控机制", "县发展改革局", ["县住房和城乡建设局"], None, None,
           "long_term"),
        _m("惠农补贴发放不精准", "开展补贴发放专项核查", "县农业农村局", ["县财政局"], None, "2026-09-30"),
    ]})


def excel_category_rows():
    """Odd header wordings (存在问题, 整改目标和措施, 包保领导, 牵头部门, 协办单位, 时限要求, 整改方式),
    a category row per 方面 written in the first cell only (not merged), and a hidden sheet."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "整改方案"
    ws.append(["存在问题", "整改目标和措施", "包保领导", "牵头部门", "协办单位", "时限要求", "整改方式"])
    ws.append(["一、贯彻落实新发展理念方面"])
    ws.append(["1.产业项目落地慢", "（1）建立重点项目周调度机制", "李明", "县发展改革局", "", "2026年7月", "限期整改"])
    ws.append(["1.产业项目落地慢", "（2）开展项目要素保障攻坚", "李明", "县发展改革局", "县财政局", "2026年10月底",
               "限期整改"])
    ws.append(["二、保障和改善民生方面"])
    ws.append(["2.老旧小区改造进度滞后", "（1）倒排工期挂图作战", "周海", "县住房和城乡建设局", "", "2026.11.30",
               "限期整改"])
    ws.append(["3.农村饮水安全存在隐患", "（1）全面排查农村供水工程", "王芳", "县农业农村局", "", "2026-04-15",
               "立行立改"])
    hidden = wb.create_sheet("填表说明")
    hidden.append(["反馈问题", "整改措施", "说明"])
    hidden.append(["示例问题", "示例措施", "本表不导入"])
    hidden.sheet_state = "hidden"
    wb.save(HERE / "excel_category_rows.xlsx")
    _save_truth("excel_category_rows", {"categories": 2, "measures": [
        _m("产业项目落地慢", "建立重点项目周调度机制", "县发展改革局", [], "李明", "2026-07-31"),
        _m("产业项目落地慢", "开展项目要素保障攻坚", "县发展改革局", ["县财政局"], "李明", "2026-10-31"),
        _m("老旧小区改造进度滞后", "倒排工期挂图作战", "县住房和城乡建设局", [], "周海", "2026-11-30"),
        _m("农村饮水安全存在隐患", "全面排查农村供水工程", "县农业农村局", [], "王芳", "2026-04-15", "immediate"),
    ]})


def word_damaged():
    """A table damaged in copying: merges lost (problem and number cells blank below their first row),
    deadlines and units missing in some rows (the defaults apply), an empty row, and a closing note
    merged across the table that heads no measures."""
    from docx import Document

    doc = Document()
    rows = [
        ("序号", "反馈问题", "整改措施", "责任领导", "牵头单位", "完成时限"),
        ("1", "耕地保护责任落实不到位", "开展耕地“非农化”专项整治", "赵强", "县农业农村局", "2026年6月30日"),
        ("", "", "建立田长制巡查机制", "赵强", "", ""),
        ("", "", "", "", "", ""),
        ("2", "村级财务管理不规范", "开展村级财务专项审计", "", "县审计局", "2026年9月"),
        ("", "村级财务管理不规范", "推行村务卡结算", "", "县财政局", ""),
        ("注：本表由县委巡察办汇总，各单位于每月5日前报送进展。",) * 6,
    ]
    table = doc.add_table(rows=len(rows), cols=6)
    for r, row in enumerate(rows):
        if row.count(row[0]) == 6 and row[0]:
            table.cell(r, 0).merge(table.cell(r, 5)).text = row[0]
            continue
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    doc.save(HERE / "word_damaged.docx")
    _save_truth("word_damaged", {"categories": 0, "measures": [
        _m("耕地保护责任落实不到位", "开展耕地“非农化”专项整治", "县农业农村局", [], "赵强", "2026-06-30"),
        _m("耕地保护责任落实不到位", "建立田长制巡查机制", "县委巡察办", [], "赵强", "2026-03-31"),
        _m("村级财务管理不规范", "开展村级财务专项审计", "县审计局", [], None, "2026-09-30"),
        _m("村级财务管理不规范", "推行村务卡结算", "县财政局", [], None, "2026-03-31"),
    ]})


if __name__ == "__main__":
    word_merged()
    excel_odd_headers()
    csv_gbk()
    word_two_row_header()
    three_lists()
    csv_export()
    excel_category_rows()
    word_damaged()
