"""The ledger import: every row validated first, nothing written on any error, writes via services."""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import Workbook, load_workbook

from accounts.models import User
from cases import services
from cases.demo import load_demo
from cases.ledger import HEADERS, LedgerRejected, import_ledger, read_ledger, write_ledger_xlsx
from cases.models import DeadlineChange, Issue, Measure, ProgressUpdate
from cases.states import Action, State
from tests import factories

pytestmark = pytest.mark.django_db


def export(case) -> bytes:
    stream = io.BytesIO()
    write_ledger_xlsx(Measure.objects.filter(case=case), stream)
    return stream.getvalue()


def edit(data: bytes, changes: dict[tuple[int, str], object]) -> bytes:
    """Change cells of an exported ledger, addressed by (Excel row, header)."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb["整改台账"]
    for (row, header), value in changes.items():
        ws.cell(row=row, column=HEADERS.index(header) + 1, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def sheet(rows, *, title="整改台账", headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "整改台账"
    ws.append([title])
    ws.append(list(headers))
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def snapshot(case) -> dict:
    """Every stored field of the case's issues and measures, and the size of their logs."""
    issues = list(Issue.objects.filter(case=case).order_by("pk").values())
    measures = list(Measure.objects.filter(case=case).order_by("pk").values())
    supporting = sorted(Measure.supporting_units.through.objects.filter(measure__case=case)
                        .values_list("measure_id", "unit_id"))
    return {
        "issues": issues, "measures": measures, "supporting": supporting,
        "progress": ProgressUpdate.objects.filter(measure__case=case).count(),
        "history": Measure.history.filter(case_id=case.pk).count(),
        "deadline_changes": DeadlineChange.objects.filter(measure__case=case).count(),
    }


@pytest.fixture
def ledger_case(case, unit, other_unit, staff):
    leader = factories.UserFactory(name="周海涛")
    group = factories.IssueFactory(case=case, kind="group", label="（一）", title="全面从严治党方面", position=1)
    problem = factories.IssueFactory(case=case, parent=group, kind="problem", label="1.", title="主体责任不实",
                                     position=2)
    first = services.create_measure(issue=problem, label="一是", text="制定整改方案。", lead_unit=unit,
                                    lead_leader=leader, supporting_units=[other_unit],
                                    deadline=datetime.date(2026, 6, 30))
    services.create_measure(issue=problem, label="二是", text="完善制度。", lead_unit=other_unit,
                            kind=Measure.Kind.LONG_TERM)
    services.log_progress(measure=first, by=staff, note="已召开专题会议。", to_state=State.IN_PROGRESS)
    return case


def test_export_then_import_leaves_the_case_unchanged(ledger_case, supervisor):
    before = snapshot(ledger_case)
    result = import_ledger(export(ledger_case), file_name="台账.xlsx", user=supervisor)
    assert result.ok and result.summary["unchanged"] == 2
    assert snapshot(ledger_case) == before


def test_demo_export_then_import_leaves_the_case_unchanged(db):
    demo, _ = load_demo(today=datetime.date(2026, 3, 1))
    supervisor = User.objects.get(username="supervisor")  # 青禾县's 整改办: the demo case is theirs
    before = snapshot(demo)
    result = import_ledger(export(demo), file_name="demo.xlsx", user=supervisor)
    assert result.summary["unchanged"] == 80
    assert snapshot(demo) == before


def test_case_is_found_from_the_ids_without_being_named(ledger_case, supervisor):
    assert read_ledger(export(ledger_case), file_name="a.xlsx", user=supervisor).case == ledger_case


def test_a_deadline_edited_in_excel_is_recorded_with_reason_and_history(ledger_case, supervisor):
    measure = Measure.objects.get(case=ledger_case, label="一是")
    data = edit(export(ledger_case), {(3, "完成时限"): datetime.datetime(2026, 9, 30)})
    preview = read_ledger(data, file_name="改期.xlsx", user=supervisor)
    assert preview.changed_rows[0].changes == ["完成时限:2026-06-30 → 2026-09-30"]
    import_ledger(data, file_name="改期.xlsx", user=supervisor)
    measure.refresh_from_db()
    assert measure.deadline == datetime.date(2026, 9, 30)
    assert measure.original_deadline == datetime.date(2026, 6, 30)
    change = DeadlineChange.objects.get(measure=measure)
    assert change.reason == "台账导入:改期.xlsx" and change.by == supervisor
    assert measure.history.first().deadline == datetime.date(2026, 9, 30)
    assert measure.progress_updates.filter(action=Action.DEADLINE).exists()


def test_text_deadlines_and_state_words_are_understood(ledger_case, supervisor):
    measure = Measure.objects.get(case=ledger_case, label="一是")
    data = edit(export(ledger_case), {(3, "完成时限"): "2026年10月底前", (3, "整改状态"): "已销号",
                                      (3, "整改进展"): "方案已印发,整改到位。"})
    import_ledger(data, file_name="x.xlsx", user=supervisor)
    measure.refresh_from_db()
    assert measure.deadline == datetime.date(2026, 10, 31)
    assert measure.state == State.COMPLETED
    update = measure.progress_updates.filter(action=Action.IMPORT).get()
    assert update.note == "方案已印发,整改到位。" and update.author == supervisor
    assert Issue.objects.get(case=ledger_case, label="1.").state == State.IN_PROGRESS  # 二是 not started


def test_new_rows_create_issues_and_measures_in_tree_order(ledger_case, supervisor, unit):
    data = sheet([
        ["", 1, "（一）全面从严治党方面 / 2.监督责任偏软", "一是开展专项检查。", "周海涛", unit.name,
         "2026-12-31", "限期整改", "", "推进中"],
        ["", 2, "（二）组织建设方面 / 1.班子建设有待加强", "一是调整充实班子。", "", unit.name, "长期坚持", "", "", ""],
    ], title=f"{ledger_case.title}整改台账")
    result = import_ledger(data, file_name="new.xlsx", user=supervisor)
    assert result.summary["issues_created"] == 3 and result.summary["measures_created"] == 2
    tree = [(i.label, i.kind) for i in Issue.objects.filter(case=ledger_case).order_by("position")]
    assert tree == [("（一）", "group"), ("1.", "problem"), ("2.", "problem"), ("（二）", "group"), ("1.", "problem")]
    added = Measure.objects.get(text="开展专项检查。")
    assert added.label == "一是" and added.state == State.IN_PROGRESS and added.lead_leader.name == "周海涛"
    assert Measure.objects.get(text="调整充实班子。").kind == Measure.Kind.LONG_TERM


def _refused(data, user, case=None) -> list[str]:
    with pytest.raises(LedgerRejected) as info:
        import_ledger(data, file_name="bad.xlsx", user=user, case=case)
    return [str(e) for e in info.value.result.errors]


def test_a_file_with_one_bad_row_is_refused_and_nothing_is_written(ledger_case, supervisor):
    before = snapshot(ledger_case)
    data = edit(export(ledger_case), {(3, "完成时限"): datetime.datetime(2026, 9, 30),
                                      (4, "责任单位"): "不存在的局", (4, "完成时限"): "明年"})
    errors = _refused(data, supervisor)
    assert any(e.startswith("第4行「责任单位」:系统中没有名为「不存在的局」的责任单位") for e in errors)
    assert "第4行「完成时限」:「明年」不是有效日期" in " ".join(errors)
    assert snapshot(ledger_case) == before  # the good row 3 was not written either


def test_wrong_columns_are_refused(ledger_case, supervisor):
    errors = _refused(sheet([["x", "y"]], headers=["序号", "问题描述", "备注"]), supervisor, ledger_case)
    assert errors == ["文件:未找到表头行:前10行中没有「反馈问题」「整改措施」「责任单位」等列名。"
                      "请使用系统导出的台账模板。"]
    errors = _refused(sheet([["1", "a", "b"]], headers=["序号", "反馈问题", "整改措施", "牵头领导"]),
                      supervisor, ledger_case)
    assert errors[0].startswith("第2行:缺少必需的列:责任单位、完成时限")


def test_empty_rows_are_skipped_but_incomplete_rows_are_errors(ledger_case, supervisor, unit):
    data = sheet([[None] * 10, ["", 1, "1.问题", "", "", unit.name, "2026-06-30", "", "", ""]], title="")
    errors = _refused(data, supervisor, ledger_case)
    assert errors == ["第4行「整改措施」:不能为空。"]


def test_duplicate_and_foreign_ids_are_refused(ledger_case, supervisor):
    other = factories.MeasureFactory()
    first_id = Measure.objects.get(case=ledger_case, label="一是").pk
    data = edit(export(ledger_case), {(4, "ID"): first_id})
    assert _refused(data, supervisor) == [f"第4行「ID」:措施ID {first_id} 与第3行重复。"]
    data = edit(export(ledger_case), {(4, "ID"): other.pk})
    assert f"措施ID {other.pk} 不属于本案件" in _refused(data, supervisor, ledger_case)[0]


def test_unknown_and_ambiguous_leaders_are_refused(ledger_case, supervisor):
    factories.UserFactory(name="同名")
    factories.UserFactory(name="同名")
    data = edit(export(ledger_case), {(3, "牵头领导"): "查无此人", (4, "牵头领导"): "同名"})
    errors = _refused(data, supervisor)
    assert errors[0].startswith("第3行「牵头领导」:系统中没有名为「查无此人」的用户")
    assert errors[1].startswith("第4行「牵头领导」:系统中有2位名为「同名」的用户")


def test_bad_state_and_kind_words_are_refused(ledger_case, supervisor):
    errors = _refused(edit(export(ledger_case), {(3, "整改状态"): "差不多", (3, "整改类型"): "随便"}), supervisor)
    assert "「随便」无法识别" in errors[0] and "「差不多」无法识别;应为:未启动、推进中" in errors[1]


def test_non_xlsx_bytes_are_refused(ledger_case, supervisor):
    errors = _refused(b"%PDF-1.4 not a workbook", supervisor, ledger_case)
    assert errors == ["文件:文件不是有效的 Excel 工作簿(.xlsx)。"]
    assert "旧版 .xls" in _refused(b"\xd0\xcf\x11\xe0" + b"\0" * 100, supervisor, ledger_case)[0]
    assert "无法读取" in _refused(b"PK\x05\x06" + b"\0" * 18, supervisor, ledger_case)[0]


def test_a_huge_file_is_refused_with_a_report(ledger_case, supervisor, unit):
    rows = [["", n, "1.问题", f"措施{n}", "", unit.name, "2026-06-30", "", "", ""] for n in range(30)]
    result = read_ledger(sheet(rows), file_name="big.xlsx", user=supervisor, case=ledger_case, max_rows=20)
    assert [str(e) for e in result.errors] == ["第23行:数据行超过20行的上限;请按案件或责任单位拆分后分别导入。"]
    assert Measure.objects.filter(text__startswith="措施").count() == 0


def test_staff_cannot_import(ledger_case, staff):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        read_ledger(export(ledger_case), file_name="a.xlsx", user=staff)


def test_dry_run_reports_changes_and_writes_nothing(ledger_case, supervisor):
    before = snapshot(ledger_case)
    data = edit(export(ledger_case), {(4, "整改状态"): "推进中", (4, "整改进展"): "已启动。"})
    result = import_ledger(data, file_name="x.xlsx", user=supervisor, dry_run=True)
    assert result.summary["states_changed"] == 1
    assert result.changed_rows[0].changes == ["整改状态:未启动 → 推进中", "新增整改进展「已启动。」"]
    assert snapshot(ledger_case) == before


def test_changing_kind_to_long_term_drops_the_deadline(ledger_case, supervisor):
    data = edit(export(ledger_case), {(3, "整改类型"): "长期坚持", (3, "完成时限"): ""})
    import_ledger(data, file_name="x.xlsx", user=supervisor)
    measure = Measure.objects.get(case=ledger_case, label="一是")
    assert measure.kind == Measure.Kind.LONG_TERM and measure.deadline is None
    data = edit(export(ledger_case), {(3, "整改类型"): "限期整改", (3, "完成时限"): "2027-01-31"})
    import_ledger(data, file_name="y.xlsx", user=supervisor)
    measure.refresh_from_db()
    assert measure.kind == Measure.Kind.BY_DEADLINE and measure.deadline == datetime.date(2027, 1, 31)


def test_the_report_of_a_bad_file_is_in_the_active_language(ledger_case, supervisor):
    from django.utils import translation

    data = edit(export(ledger_case), {(4, "完成时限"): "明年"})
    with translation.override("en"):
        report = read_ledger(data, file_name="bad.xlsx", user=supervisor).report()
    assert report.splitlines()[2:] == [
        "1 error found; nothing was imported:",
        "  Row 4, “完成时限”: “明年” is not a valid date; write e.g. 2026-06-30, 2026年6月30日 or 2026年6月底前, "
        "or “长期坚持” for a long-term measure.",
    ]
    assert report.startswith("Ledger file: bad.xlsx\nCase: ")
    with translation.override("zh-hans"):
        report = read_ledger(data, file_name="bad.xlsx", user=supervisor).report()
    assert report.splitlines()[2:] == [
        "发现1处错误,未导入任何数据:",
        "  第4行「完成时限」:「明年」不是有效日期;请填写如 2026-06-30、2026年6月30日 或 2026年6月底前,"
        "长期坚持的措施填“长期坚持”。",
    ]
    assert report.startswith("台账文件:bad.xlsx\n案件:")


def test_full_width_and_half_width_labels_are_the_same_issue(ledger_case, supervisor, unit):
    # The case has "（一）全面从严治党方面 / 1.主体责任不实"; a hand-typed row writes (一) and 1．
    data = sheet([
        ["", 1, "(一)全面从严治党方面 / 1．主体责任不实", "三是建立台账。", "", unit.name, "2026-12-31", "", "", ""],
    ], title=f"{ledger_case.title}整改台账")
    result = import_ledger(data, file_name="half.xlsx", user=supervisor)
    assert result.summary["issues_created"] == 0 and result.summary["measures_created"] == 1
    assert Issue.objects.filter(case=ledger_case).count() == 2
    assert Measure.objects.get(text="建立台账。").issue.label == "1."


def test_an_exported_ledger_retyped_with_half_width_labels_changes_nothing(ledger_case, supervisor):
    data = edit(export(ledger_case), {(3, "反馈问题"): "(一) 全面从严治党方面 / 1.主体责任不实"})
    result = read_ledger(data, file_name="x.xlsx", user=supervisor)
    assert result.ok and not result.new_issues and not result.changed_rows


@pytest.mark.parametrize("value", ["2026年13月", "2026-13-01", "2026-02-30", "0001-01-01", "9999-12-31",
                                   datetime.datetime(1900, 1, 1), "2026年0月底前"])
def test_impossible_deadlines_are_refused_with_a_message(ledger_case, supervisor, value):
    errors = _refused(edit(export(ledger_case), {(3, "完成时限"): value}), supervisor, ledger_case)
    assert len(errors) == 1 and "第3行" in errors[0] and "完成时限" in errors[0], errors
    assert "不是有效日期" in errors[0] or "年份应在" in errors[0], errors


def _blank_tail(rows: int) -> bytes:
    from openpyxl import Workbook as StreamedWorkbook

    wb = StreamedWorkbook(write_only=True)
    ws = wb.create_sheet("整改台账")
    ws.append(["整改台账"])
    ws.append(HEADERS)
    for _ in range(rows):
        ws.append([None, None, " ", None, None, None, None, None, None, " "])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_sheet_that_unpacks_too_large_is_refused_before_it_is_read(ledger_case, supervisor, settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    errors = _refused(_blank_tail(20000), supervisor, ledger_case)
    assert len(errors) == 1 and "解压后" in errors[0] and "空行" in errors[0], errors


def test_reading_stops_after_a_long_run_of_blank_rows(ledger_case, supervisor, settings):
    settings.IMPORT_BLANK_ROWS_END = 50
    result = read_ledger(_blank_tail(3000), file_name="b.xlsx", user=supervisor, case=ledger_case)
    assert result.warnings and "第52行" in result.warnings[0], result.warnings
    assert [str(e) for e in result.errors] == ["文件:表格中没有数据行。"]


def test_a_sheet_of_too_many_rows_is_refused_with_its_row(ledger_case, supervisor, settings):
    settings.IMPORT_MAX_SHEET_ROWS = 100
    settings.IMPORT_BLANK_ROWS_END = 1000
    errors = _refused(_blank_tail(500), supervisor, ledger_case)
    assert len(errors) == 1 and "第101行" in errors[0] and "100" in errors[0], errors
