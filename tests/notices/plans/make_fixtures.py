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


if __name__ == "__main__":
    word_merged()
    excel_odd_headers()
    csv_gbk()
