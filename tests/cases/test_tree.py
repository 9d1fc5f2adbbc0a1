"""cases.tree: issues and measures added in bulk, in tree order, with history and progress rows."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Issue, Measure, ProgressUpdate
from cases.states import Action, State
from cases.tree import TreeWriter
from tests import factories

pytestmark = pytest.mark.django_db


def _tree(case):
    return [(i.label, i.parent.label if i.parent else None, i.position, i.path)
            for i in Issue.objects.filter(case=case).select_related("parent").order_by("position")]


def _write(case, unit, *, groups: int, problems: int, measures: int):
    writer = TreeWriter(case)
    for g in range(groups):
        group = writer.add_issue(kind=Issue.Kind.GROUP, label=f"（{g + 1}）", title=f"方面{g}")
        for p in range(problems):
            problem = writer.add_issue(parent=group, label=f"{p + 1}.", title=f"问题{g}-{p}")
            for m in range(measures):
                writer.add_measure(issue=problem, text=f"措施{g}-{p}-{m}", label=f"{m + 1}是", lead_unit=unit,
                                   deadline=datetime.date(2026, 6, 30), state=State.IN_PROGRESS if m else State.PLANNED,
                                   note="已启动。" if m else "")
    return writer.write()


def test_it_writes_a_new_tree_in_tree_order_with_paths(case, unit):
    _write(case, unit, groups=2, problems=2, measures=1)
    tree = _tree(case)
    assert [(label, parent, position) for label, parent, position, _ in tree] == [
        ("（1）", None, 1), ("1.", "（1）", 2), ("2.", "（1）", 3), ("（2）", None, 4), ("1.", "（2）", 5),
        ("2.", "（2）", 6),
    ]
    for issue in Issue.objects.filter(case=case):
        expected = f"{issue.parent.path if issue.parent else '/'}{issue.pk}/"
        assert issue.path == expected


def test_a_new_child_of_an_existing_issue_goes_after_its_subtree(case, unit):
    a = factories.IssueFactory(case=case, kind="group", label="（一）", title="甲", position=1)
    factories.IssueFactory(case=case, parent=a, label="1.", title="甲一", position=2)
    factories.IssueFactory(case=case, kind="group", label="（二）", title="乙", position=3)
    writer = TreeWriter(case)
    writer.add_issue(parent=a, label="2.", title="甲二")
    writer.add_issue(kind=Issue.Kind.GROUP, label="（三）", title="丙")
    writer.write()
    assert [(label, position) for label, _p, position, _ in _tree(case)] == [
        ("（一）", 1), ("1.", 2), ("2.", 3), ("（二）", 4), ("（三）", 5)]


def test_measures_carry_state_history_progress_and_supporting_units(case, unit, other_unit, supervisor):
    writer = TreeWriter(case, by=supervisor, reason="导入")
    problem = writer.add_issue(label="1.", title="问题")
    new = writer.add_measure(issue=problem, text="完成整改。", label="一是", lead_unit=unit,
                             supporting_units=[other_unit, other_unit], deadline=datetime.date(2026, 3, 31),
                             state=State.COMPLETED, note="已整改到位。")
    planned = writer.add_measure(issue=problem, text="长期推进。", lead_unit=unit, kind=Measure.Kind.LONG_TERM)
    writer.write()
    measure = Measure.objects.get(pk=new.measure.pk)
    assert measure.state == State.COMPLETED and measure.completed_at and measure.last_progress_at
    assert list(measure.supporting_units.all()) == [other_unit]
    history = measure.history.get()
    assert history.history_type == "+" and history.history_user == supervisor
    assert history.history_change_reason == "导入"
    assert [u.unit_id for u in history.supporting_units.all()] == [other_unit.pk]
    progress = ProgressUpdate.objects.get(measure=measure)
    assert (progress.action, progress.from_state, progress.to_state, progress.note, progress.author) == (
        Action.IMPORT, State.PLANNED, State.COMPLETED, "已整改到位。", supervisor)
    assert not ProgressUpdate.objects.filter(measure=planned.measure).exists()
    assert Issue.objects.get(case=case).state == State.IN_PROGRESS  # rolled up: one done, one planned


def test_statements_do_not_grow_with_the_number_of_measures(case, unit):
    with CaptureQueriesContext(connection) as small:
        _write(case, unit, groups=1, problems=2, measures=2)
    other = factories.CaseFactory()
    with CaptureQueriesContext(connection) as large:
        _write(other, unit, groups=1, problems=30, measures=10)
    # 300 measures against 4: the same statements, split only where the database caps the
    # parameters of one statement (SQLite: 999 per INSERT; PostgreSQL takes cases.tree's 500 rows).
    if connection.vendor == "postgresql":
        assert len(large) == len(small)
    assert len(large) < len(small) + 20


def test_a_measure_without_a_deadline_is_refused_and_nothing_is_written(case, unit):
    writer = TreeWriter(case)
    problem = writer.add_issue(label="1.", title="问题")
    writer.add_measure(issue=problem, text="没有时限。", lead_unit=unit)
    with pytest.raises(ValidationError):
        writer.write()
    assert not Issue.objects.filter(case=case).exists()


def test_staff_may_not_add_measures(case, staff):
    with pytest.raises(PermissionDenied):
        TreeWriter(case, by=staff)
