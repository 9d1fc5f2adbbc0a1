"""The ledger's 整改成效 column: exported in the notice's words, read back exactly, new figures
recorded once, a clause stating no figure refused with its row."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from cases.ledger import LedgerRejected, import_ledger, write_ledger_xlsx
from cases.ledger.columns import HEADERS
from cases.models import Measure
from cases.outcomes import extract, services
from cases.outcomes.models import OutcomeFigure


def _export(case) -> bytes:
    out = io.BytesIO()
    write_ledger_xlsx(Measure.objects.filter(case=case), out)
    return out.getvalue()


def _set_cell(data: bytes, measure_id: int, text: str) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    column = HEADERS.index("整改成效") + 1
    for row in ws.iter_rows(min_row=3):
        if row[0].value == measure_id:
            row[column - 1].value = text
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_it_reads_the_words_of_notices():
    found = extract.figures_in("给予党纪政务处分12人、组织处理5人,立案审查调查4件;建立完善制度23项,"
                               "追缴资金356.7万元,挽回经济损失1,200万元,退还80000元")
    assert [(f.kind, f.count, f.amount_wan and float(f.amount_wan)) for f in found] == [
        ("discipline", 12, None), ("organisational", 5, None), ("investigation", 4, None), ("rule_made", 23, None),
        ("recovered", None, 356.7), ("retrieved", None, 1200), ("returned", None, 8)]


@pytest.fixture
def with_figures(db, staff, measure):
    services.log_progress_with_figures(measure=measure, by=staff, note="问责", figures=[
        services.clean_figure({"kind": "discipline", "count": "2"}),
        services.clean_figure({"kind": "rule_made", "title": "《公务接待管理办法》",
                               "doc_number": "县委办发〔2026〕3号"}),
        services.clean_figure({"kind": "recovered", "amount": "368000", "money_unit": "yuan"})])
    return measure


def test_the_export_writes_the_figures_and_a_round_trip_changes_nothing(with_figures, case, supervisor):
    data = _export(case)
    ws = load_workbook(io.BytesIO(data)).active
    row = next(r for r in ws.iter_rows(min_row=3, values_only=True) if r[0] == with_figures.pk)
    cell = row[HEADERS.index("整改成效")]
    assert cell == "党纪政务处分2人;制定制度《公务接待管理办法》(县委办发〔2026〕3号);追缴36.8万元"
    result = import_ledger(data, file_name="台账.xlsx", user=supervisor, case=case)
    assert OutcomeFigure.objects.count() == 3
    assert result.summary.get("outcomes_added", 0) == 0


def test_the_export_holds_the_totals_as_the_dashboard_sums_them(with_figures, case, supervisor):
    from cases.outcomes.selectors import totals

    wb = load_workbook(io.BytesIO(_export(case)))
    assert wb.sheetnames[0] == "整改台账" and "整改成效汇总" in wb.sheetnames
    rows = list(wb["整改成效汇总"].iter_rows(values_only=True))
    by_kind = {r[0]: (r[1], r[2]) for r in rows[1:rows.index(next(r for r in rows if r and r[0] == "牵头单位"))]
               if r and r[0]}
    assert by_kind == {"党纪政务处分": (2, "人"), "制定制度": (1, "项"), "追缴资金": (36.8, "万元")}
    expected = totals(Measure.objects.filter(case=case))
    assert rows[-1] == ("合计", expected.people, 0, expected.rules, float(expected.money_wan))
    assert (rows[-2][0], rows[-2][1:]) == (with_figures.lead_unit.name, (2, 0, 1, 36.8))


def test_new_figures_in_the_cell_are_recorded_once(with_figures, case, supervisor):
    data = _set_cell(_export(case), with_figures.pk, "党纪政务处分2人;追缴36.8万元;批评教育3人;挽回12万元")
    import_ledger(data, file_name="台账.xlsx", user=supervisor, case=case)
    kinds = sorted(OutcomeFigure.objects.filter(source="ledger").values_list("kind", flat=True))
    assert kinds == ["criticism", "retrieved"]
    import_ledger(data, file_name="台账.xlsx", user=supervisor, case=case)
    assert OutcomeFigure.objects.count() == 5


def test_a_clause_without_a_figure_refuses_the_file(with_figures, case, supervisor):
    data = _set_cell(_export(case), with_figures.pk, "党纪政务处分2人;成效明显")
    with pytest.raises(LedgerRejected) as err:
        import_ledger(data, file_name="台账.xlsx", user=supervisor, case=case)
    assert any(e.column == "整改成效" for e in err.value.result.errors)
    assert OutcomeFigure.objects.count() == 3
