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


def word_two_tables():
    """A 整改方案 in Word as offices write it: a title and text, the first table (附件 part one), more
    text between, a second table with its own header worded differently; category rows in each, the
    problem numbering running on, problem cells merged over their measures."""
    from docx import Document

    doc = Document()
    doc.add_paragraph("中共青石县委关于县委第二巡察组反馈意见的整改方案")
    doc.add_paragraph("为认真落实县委第二巡察组反馈意见，制定本方案。一、总体要求：坚持问题导向，逐条销号。")
    doc.add_paragraph("附件1：问题整改清单（一）")

    def table(rows, merges):
        t = doc.add_table(rows=len(rows), cols=len(rows[0]))
        width = len(rows[0])
        for r, row in enumerate(rows):
            if row.count(row[0]) == width:
                t.cell(r, 0).merge(t.cell(r, width - 1)).text = row[0]
                continue
            for c, text in enumerate(row):
                t.cell(r, c).text = text
        for top, bottom in merges:
            for c in (0, 1):
                t.cell(top, c).merge(t.cell(bottom, c)).text = rows[top][c]

    table([
        ("序号", "反馈问题", "整改措施", "责任领导", "责任单位", "完成时限"),
        ("一、党的领导弱化方面",) * 6,
        ("1", "落实意识形态工作责任制不到位", "1.制定意识形态工作责任清单", "李明", "县委办公室、县委组织部",
         "2026年4月30日"),
        ("1", "落实意识形态工作责任制不到位", "2.每半年专题研究意识形态工作", "李明", "县委办公室", "长期坚持"),
        ("2", "重大事项请示报告不规范", "1.修订重大事项请示报告办法", "王芳", "县委办公室", "立行立改"),
    ], [(2, 3)])
    doc.add_paragraph("二、组织保障。各责任单位要明确专人负责，每月25日前报送整改进展。")
    doc.add_paragraph("附件1：问题整改清单（二）")
    table([
        ("编号", "存在问题", "整改举措", "牵头领导", "牵头单位", "配合单位", "完成时间"),
        ("二、全面从严治党方面",) * 7,
        ("3", "三重一大制度执行不严", "1.开展三重一大事项专项检查", "赵强", "县纪委监委", "县审计局", "2026年6月底前"),
        ("3", "三重一大制度执行不严", "2.建立决策事项台账", "赵强", "县委办公室", "", "2026年8月"),
        ("4", "公务用车管理不规范", "1.开展公务用车专项清理", "周海", "县财政局", "县纪委监委", "2026.5.31"),
    ], [(2, 3)])
    doc.add_paragraph("中共青石县委办公室　2026年3月2日")
    doc.save(HERE / "word_two_tables.docx")
    p1, p2, p3, p4 = ("落实意识形态工作责任制不到位", "重大事项请示报告不规范", "三重一大制度执行不严",
                      "公务用车管理不规范")
    _save_truth("word_two_tables", {"categories": 2, "measures": [
        _m(p1, "制定意识形态工作责任清单", "县委办公室", ["县委组织部"], "李明", "2026-04-30"),
        _m(p1, "每半年专题研究意识形态工作", "县委办公室", [], "李明", None, "long_term"),
        _m(p2, "修订重大事项请示报告办法", "县委办公室", [], "王芳", "2026-03-31", "immediate"),
        _m(p3, "开展三重一大事项专项检查", "县纪委监委", ["县审计局"], "赵强", "2026-06-30"),
        _m(p3, "建立决策事项台账", "县委办公室", [], "赵强", "2026-08-31"),
        _m(p4, "开展公务用车专项清理", "县财政局", ["县纪委监委"], "周海", "2026-05-31"),
    ]})


def excel_two_header_rows():
    """A sheet with a title row and two header rows: 责任主体 merged over 责任领导 | 牵头单位 | 责任人,
    the other headers merged down over both rows; problem cells merged over their measures."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "整改清单"
    ws.append(["青石县落实审计反馈意见整改清单"])
    ws.merge_cells("A1:G1")
    ws.append(["序号", "反馈问题", "整改措施", "责任主体", None, None, "完成时限"])
    ws.append([None, None, None, "责任领导", "牵头单位", "责任人", None])
    for column in "ABCG":
        ws.merge_cells(f"{column}2:{column}3")
    ws.merge_cells("D2:F2")
    ws.append([1, "非税收入未及时上缴", "（1）全面清理应缴未缴非税收入", "王芳", "县财政局", "陈静", "2026年6月30日"])
    ws.append([None, None, "（2）建立非税收入征缴月报制度", "王芳", "县财政局", "陈静", "长期坚持"])
    ws.merge_cells("A4:A5")
    ws.merge_cells("B4:B5")
    ws.append([2, "项目资金拨付滞后", "（1）建立项目资金拨付绿色通道", "李明", "县发展改革局", "张伟", "2026年9月"])
    ws.append([3, "国有资产底数不清", "（1）开展行政事业单位资产清查", "王芳", "县财政局", "", "2026年底"])
    wb.save(HERE / "excel_two_header_rows.xlsx")
    _save_truth("excel_two_header_rows", {"categories": 0, "measures": [
        _m("非税收入未及时上缴", "全面清理应缴未缴非税收入", "县财政局", [], "王芳", "2026-06-30", person="陈静"),
        _m("非税收入未及时上缴", "建立非税收入征缴月报制度", "县财政局", [], "王芳", None, "long_term",
           person="陈静"),
        _m("项目资金拨付滞后", "建立项目资金拨付绿色通道", "县发展改革局", [], "李明", "2026-09-30", person="张伟"),
        _m("国有资产底数不清", "开展行政事业单位资产清查", "县财政局", [], "王芳", "2026-12-31", person=""),
    ]})


def task_list_phone():
    """A 任务清单 with 责任领导, 责任单位, 责任人 and a 联系电话 column, phone numbers also written beside
    some names in the 责任人 cells."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "任务清单"
    ws.append(["序号", "问题", "整改任务", "责任领导", "责任单位", "责任人", "联系电话", "完成时限"])
    ws.append([1, "农村集体“三资”监管不严", "开展农村集体资产清产核资", "赵强", "县农业农村局、县财政局",
               "刘洋", "0551-6521234", "2026年7月31日"])
    ws.append([2, "农村集体“三资”监管不严", "推行村级财务委托代理", "赵强", "县农业农村局", "陈静（13805510001）",
               "13805510001", "2026年10月底前"])
    ws.append([3, "惠民政策落实打折扣", "开展惠民资金发放“回头看”", "周海", "县财政局", "张伟 13912345678", "",
               "立行立改"])
    ws.append([4, "惠民政策落实打折扣", "建立惠民资金公示制度", "周海", "县财政局、县纪委监委", "张伟、刘洋", "",
               "长期坚持"])
    wb.save(HERE / "task_list_phone.xlsx")
    p1, p2 = "农村集体“三资”监管不严", "惠民政策落实打折扣"
    _save_truth("task_list_phone", {"categories": 0, "measures": [
        _m(p1, "开展农村集体资产清产核资", "县农业农村局", ["县财政局"], "赵强", "2026-07-31", person="刘洋"),
        _m(p1, "推行村级财务委托代理", "县农业农村局", [], "赵强", "2026-10-31", person="陈静"),
        _m(p2, "开展惠民资金发放“回头看”", "县财政局", [], "周海", "2026-03-31", "immediate", person="张伟"),
        _m(p2, "建立惠民资金公示制度", "县财政局", ["县纪委监委"], "周海", None, "long_term", person="张伟、刘洋"),
    ]})


def excel_merged_problems():
    """Merged cells that span problems, not only measures: the 方面 column merged down over its problems,
    one 责任领导 and one 牵头单位 merged over several problems, a shared 完成时限 merged over rows."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "问题清单"
    ws.append(["方面", "序号", "反馈问题", "整改措施", "责任领导", "牵头单位", "完成时限"])
    ws.append(["一、基层党建方面", 1, "软弱涣散村党组织整顿不彻底", "1.逐村制定整顿方案", "李明", "县委组织部",
               "2026年6月底前"])
    ws.append([None, None, None, "2.选派第一书记驻村指导", None, None, None])
    ws.append([None, 2, "党员教育管理不经常", "1.建立党员积分管理制度", None, None, "2026年9月30日"])
    ws.append(["二、民生保障方面", 3, "低保审核把关不严", "1.开展低保对象动态核查", "周海", "县财政局", "2026年5月"])
    ws.append([None, 4, "学校食堂管理不规范", "1.开展校园食品安全专项检查", None, "县教育局", None])
    for cells in ("A2:A4", "B2:B3", "C2:C3", "E2:E4", "F2:F4", "G2:G3", "A5:A6", "E5:E6", "G5:G6"):
        ws.merge_cells(cells)
    wb.save(HERE / "excel_merged_problems.xlsx")
    _save_truth("excel_merged_problems", {"categories": 2, "measures": [
        _m("软弱涣散村党组织整顿不彻底", "逐村制定整顿方案", "县委组织部", [], "李明", "2026-06-30"),
        _m("软弱涣散村党组织整顿不彻底", "选派第一书记驻村指导", "县委组织部", [], "李明", "2026-06-30"),
        _m("党员教育管理不经常", "建立党员积分管理制度", "县委组织部", [], "李明", "2026-09-30"),
        _m("低保审核把关不严", "开展低保对象动态核查", "县财政局", [], "周海", "2026-05-31"),
        _m("学校食堂管理不规范", "开展校园食品安全专项检查", "县教育局", [], "周海", "2026-05-31"),
    ]})


def excel_damaged_rows():
    """A sheet damaged by copying and hand-editing: blank and space-only rows, the header repeated
    halfway down (two tables pasted together), "/" and 无 for no one, — for no deadline (the default
    applies), a lost merge (the problem blank below its first row), cells with stray line breaks."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    header = ["序号", "反馈问题", "整改措施", "责任领导", "牵头单位", "配合单位", "责任人", "完成时限"]
    ws.append(header)
    ws.append([1, "\n河湖“四乱”问题整治不彻底", "开展河湖“清四乱”专项行动\n", "赵强", "县农业农村局", "/", "无",
               "2026年6月30日"])
    ws.append([None, None, "建立河湖长巡河制度", "赵强", "县农业农村局", "县住房和城乡建设局", "刘洋", "—"])
    ws.append([None] * 8)
    ws.append(["  ", " ", None, None, None, None, None, " "])
    ws.append(header)
    ws.append([2, "城区违建拆除进度慢", "制定违建分类处置计划", "周海", "县住房和城乡建设局", "无", "/", "2026年8月"])
    ws.append([None, "城区违建拆除进度慢", "按月通报拆违进度", "/", "县住房和城乡建设局", "", "", "2026/12/31"])
    ws.append([None] * 8)
    ws.append([None] * 8)
    wb.save(HERE / "excel_damaged_rows.xlsx")
    p1, p2 = "河湖“四乱”问题整治不彻底", "城区违建拆除进度慢"
    _save_truth("excel_damaged_rows", {"categories": 0, "measures": [
        _m(p1, "开展河湖“清四乱”专项行动", "县农业农村局", [], "赵强", "2026-06-30", person=""),
        _m(p1, "建立河湖长巡河制度", "县农业农村局", ["县住房和城乡建设局"], "赵强", "2026-03-31", person="刘洋"),
        _m(p2, "制定违建分类处置计划", "县住房和城乡建设局", [], "周海", "2026-08-31", person=""),
        _m(p2, "按月通报拆违进度", "县住房和城乡建设局", [], None, "2026-12-31", person=""),
    ]})


def csv_gbk_categories():
    """A CSV saved by an older Excel/WPS in GBK (not UTF-8): a title row, category rows written in the
    first cell only, problems left blank below their first measure, 年底 and 立行立改 deadlines."""
    rows = [["青石县落实巡察反馈意见整改台账", "", "", "", "", ""],
            ["序号", "问题描述", "整改措施", "责任单位", "牵头领导", "完成时限"],
            ["一、作风建设方面", "", "", "", "", ""],
            ["1", "文山会海问题反弹", "严控发文数量和篇幅", "县委办公室", "李明", "立行立改"],
            ["", "", "推行套开合并会议", "县委办公室", "李明", "2026年底"],
            ["二、风险防控方面", "", "", "", "", ""],
            ["2", "隐性债务化解不力", "制定隐性债务化解年度计划", "县财政局、县发展改革局", "王芳", "2026年6月底前"]]
    with open(HERE / "csv_gbk_categories.csv", "w", encoding="gbk", newline="") as out:
        csv.writer(out).writerows(rows)
    _save_truth("csv_gbk_categories", {"categories": 2, "measures": [
        _m("文山会海问题反弹", "严控发文数量和篇幅", "县委办公室", [], "李明", "2026-03-31", "immediate"),
        _m("文山会海问题反弹", "推行套开合并会议", "县委办公室", [], "李明", "2026-12-31"),
        _m("隐性债务化解不力", "制定隐性债务化解年度计划", "县财政局", ["县发展改革局"], "王芳", "2026-06-30"),
    ]})


def three_lists_headings():
    """三张清单 whose 问题清单 has category heading rows instead of a 类别 column: one merged across the
    sheet, one written in the first cell only."""
    from openpyxl import Workbook

    wb = Workbook()
    problems = wb.active
    problems.title = "问题清单"
    problems.append(["序号", "反馈问题"])
    problems.append(["一、组织建设方面"])
    problems.merge_cells("A2:B2")
    problems.append([1, "干部选拔任用程序不严"])
    problems.append([2, "基层党组织换届不及时"])
    problems.append(["二、纪律建设方面"])
    problems.append([3, "违规发放津补贴"])
    tasks = wb.create_sheet("任务清单")
    tasks.append(["任务序号", "问题序号", "整改措施", "完成时限"])
    tasks.append([1, 1, "严格执行干部任用全程纪实", "长期坚持"])
    tasks.append([2, 2, "督促到期党组织按期换届", "2026年6月30日"])
    tasks.append([3, 3, "全面清退违规发放的津补贴", "2026年4月底前"])
    duties = wb.create_sheet("责任清单")
    duties.append(["任务序号", "责任领导", "牵头单位", "配合单位", "责任人"])
    duties.append([1, "李明", "县委组织部", "", "张伟"])
    duties.append([2, "李明", "县委组织部", "", "张伟"])
    duties.append([3, "王芳", "县纪委监委", "县财政局", "陈静"])
    wb.save(HERE / "three_lists_headings.xlsx")
    _save_truth("three_lists_headings", {"categories": 2, "measures": [
        _m("干部选拔任用程序不严", "严格执行干部任用全程纪实", "县委组织部", [], "李明", None, "long_term",
           person="张伟"),
        _m("基层党组织换届不及时", "督促到期党组织按期换届", "县委组织部", [], "李明", "2026-06-30", person="张伟"),
        _m("违规发放津补贴", "全面清退违规发放的津补贴", "县纪委监委", ["县财政局"], "王芳", "2026-04-30",
           person="陈静"),
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
    word_two_tables()
    excel_two_header_rows()
    task_list_phone()
    excel_merged_problems()
    excel_damaged_rows()
    csv_gbk_categories()
    three_lists_headings()
