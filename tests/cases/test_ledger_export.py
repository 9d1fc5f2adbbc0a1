"""The ledger export: columns, layout, scoping, and constant queries."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from cases import services
from cases.ledger import COLUMNS, HEADERS, write_ledger_csv, write_ledger_xlsx
from cases.models import Measure
from cases.states import State
from tests import factories

pytestmark = pytest.mark.django_db


def _sheet(measures):
    stream = io.BytesIO()
    write_ledger_xlsx(measures, stream)
    stream.seek(0)
    return load_workbook(stream)["整改台账"]


@pytest.fixture
def tree(case, unit, other_unit, supervisor, staff):
    leader = factories.UserFactory(name="李建国")
    group = factories.IssueFactory(case=case, kind="group", label="（一）", title="全面从严治党方面", position=1)
    problem = factories.IssueFactory(case=case, parent=group, kind="problem", label="1.", title="主体责任不实",
                                     position=2)
    first = services.create_measure(issue=problem, label="一是", text="制定整改方案。", lead_unit=unit,
                                    lead_leader=leader, supporting_units=[other_unit],
                                    deadline=datetime.date(2026, 6, 30))
    second = services.create_measure(issue=problem, label="二是", text="完善制度。", lead_unit=other_unit,
                                     kind=Measure.Kind.LONG_TERM)
    services.log_progress(measure=first, by=staff, note="已召开专题会议。", to_state=State.IN_PROGRESS)
    services.log_progress(measure=first, by=staff, note="已印发方案。")
    return first, second


def test_export_has_title_headers_and_one_row_per_measure(case, tree, unit, other_unit):
    sheet = _sheet(Measure.objects.filter(case=case))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == f"{case.title}台账"  # "测试县委巡视整改N" already ends in 整改
    assert list(rows[1]) == HEADERS
    first = dict(zip(HEADERS, rows[2], strict=True))
    assert first["ID"] == tree[0].pk
    assert first["序号"] == 1
    assert first["反馈问题"] == "（一）全面从严治党方面 / 1.主体责任不实"
    assert first["整改措施"] == "一是制定整改方案。"
    assert first["牵头领导"] == "李建国"
    assert first["责任单位"] == f"{unit.name}、{other_unit.name}"
    assert first["完成时限"] == datetime.datetime(2026, 6, 30)
    assert first["整改类型"] == "限期整改"
    assert first["整改进展"] == "已印发方案。"
    assert first["整改状态"] == "推进中"
    second = dict(zip(HEADERS, rows[3], strict=True))
    assert second["完成时限"] is None and second["整改类型"] == "长期坚持"
    assert second["整改进展"] is None and second["整改状态"] == "未启动"


def test_export_is_readable_and_printable(case, tree):
    sheet = _sheet(Measure.objects.filter(case=case))
    assert sheet.freeze_panes == "C3"
    assert sheet.print_title_rows == "$1:$2"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.column_dimensions["A"].hidden
    assert sheet.column_dimensions["D"].width == next(c.width for c in COLUMNS if c.header == "整改措施")
    assert sheet["G3"].number_format == "yyyy-mm-dd"
    for ref in ("D3", "G4"):  # every body cell keeps its column's look
        cell = sheet[ref]
        assert cell.font.name == "宋体" and cell.font.sz == 10.5 and cell.border.left.style == "thin"
    assert sheet["D3"].alignment.wrap_text and sheet["G3"].alignment.horizontal == "center"


def test_deadline_and_sign_off_notes_are_not_progress(case, tree, supervisor):
    first, _ = tree
    services.change_deadline(measure=first, new_deadline=datetime.date(2026, 8, 31), reason="汛期延后", by=supervisor)
    sheet = _sheet(Measure.objects.filter(pk=first.pk))
    assert sheet["I3"].value == "已印发方案。"


def test_export_of_a_staff_members_scope_holds_only_their_units(case, tree, staff):
    sheet = _sheet(Measure.objects.restrict(staff))
    ids = [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert ids == [tree[0].pk]  # the second measure belongs to another unit only


def test_export_queries_do_not_grow_with_rows(case, unit):
    def count(n):
        for _ in range(n):
            m = factories.MeasureFactory(issue__case=case, lead_unit=unit)
            m.supporting_units.add(factories.UnitFactory())
        with CaptureQueriesContext(connection) as ctx:
            _sheet(Measure.objects.filter(case=case))
        return len(ctx)

    assert count(2) == count(20)


def test_export_queries_stay_the_same_across_chunks(case, unit):
    """Past one chunk of the stream too: supporting units, notes and outcome figures are walked
    beside the measures, not fetched per chunk (cases.ledger.rows)."""
    from cases.ledger import ledger_rows

    parent = factories.IssueFactory(case=case, kind="group")
    problem = factories.IssueFactory(case=case, parent=parent)
    others = [factories.UnitFactory(name=f"配合单位{n}") for n in range(3)]

    def count(n):
        for i in range(n):
            m = factories.MeasureFactory(issue=problem, lead_unit=unit)
            m.supporting_units.add(others[i % 3], others[(i + 1) % 3])
        with CaptureQueriesContext(connection) as ctx:
            rows = list(ledger_rows(Measure.objects.filter(case=case), chunk_size=5))
        return len(ctx), rows

    few, rows = count(3)
    many, rows = count(30)
    assert few == many and len(rows) == 33
    first = Measure.objects.filter(case=case).order_by("position", "pk").first()
    expected = [unit.name, *sorted(u.name for u in first.supporting_units.all())]
    assert rows[0]["units"] == "、".join(expected)


def test_empty_export_still_has_headers(case):
    sheet = _sheet(Measure.objects.none())
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "整改台账" and list(rows[1]) == HEADERS and len(rows) == 2


def test_csv_export_has_the_same_columns(case, tree):
    stream = io.StringIO()
    write_ledger_csv(Measure.objects.filter(case=case), stream)
    rows = list(csv.reader(io.StringIO(stream.getvalue().lstrip("\ufeff"))))
    assert rows[0] == HEADERS
    assert rows[1][HEADERS.index("完成时限")] == "2026-06-30"
    assert len(rows) == 3


def test_formulas_typed_by_staff_stay_text(db, unit, case):
    import csv
    import io

    from openpyxl import load_workbook

    from cases.ledger import write_ledger_csv, write_ledger_xlsx
    from cases.models import Measure
    from tests import factories

    factories.MeasureFactory(lead_unit=unit, issue__case=case, text='=HYPERLINK("http://evil","点击")')
    buffer = io.BytesIO()
    write_ledger_xlsx(Measure.objects.all(), buffer)
    buffer.seek(0)
    sheet = load_workbook(buffer).active
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" for c in cells)
    text = io.StringIO()
    write_ledger_csv(Measure.objects.all(), text)
    rows = list(csv.reader(io.StringIO(text.getvalue().lstrip("\ufeff"))))
    assert not any(cell.startswith("=") for row in rows for cell in row)


def test_an_export_of_many_cases_gives_each_row_its_own_issue_path_across_chunks(unit):
    """The rows come case by case and the export forgets the issue texts of the cases it is done
    with: each row still reads its own category / problem path, whatever chunk it falls in, and
    an issue deeper than three levels still finds its ancestors."""
    from cases.ledger import ledger_rows
    from cases.ledger.columns import ISSUE_SEPARATOR

    made = {}
    for n in range(3):
        case = factories.CaseFactory(title=f"案件{n}")
        group = factories.IssueFactory(case=case, kind="group", label=f"（{n}）", title=f"方面{n}")
        problem = factories.IssueFactory(case=case, parent=group, label="1.", title=f"问题{n}")
        deep = factories.IssueFactory(case=case, parent=factories.IssueFactory(
            case=case, parent=problem, label="（1）", title=f"子问题{n}"), label="①", title=f"细项{n}")
        for issue in (problem, deep, problem):
            m = factories.MeasureFactory(issue=issue, lead_unit=unit)
            made[m.pk] = issue
    rows = list(ledger_rows(Measure.objects.filter(pk__in=made), chunk_size=2))
    assert len(rows) == 9
    for row in rows:
        issue = made[row["id"]]
        n = issue.case.title[-1]
        expected = [f"（{n}）方面{n}", f"1.问题{n}"] + ([f"（1）子问题{n}", f"①细项{n}"] if issue.label == "①" else [])
        assert row["issue"] == ISSUE_SEPARATOR.join(expected)
        assert row["_case"] == issue.case_id
