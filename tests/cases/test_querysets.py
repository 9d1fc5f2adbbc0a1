import datetime

import pytest
import time_machine

from accounts.models import Unit
from cases.models import Case, Measure
from cases.states import State
from tests import factories

TODAY = datetime.date(2026, 6, 15)


@pytest.fixture
def dated(db, unit, case):
    def make(days, state=State.IN_PROGRESS, **kw):
        m = factories.MeasureFactory(lead_unit=kw.pop("lead_unit", unit), issue__case=case,
                                     deadline=TODAY + datetime.timedelta(days=days), **kw)
        Measure.objects.filter(pk=m.pk).update(state=state, completed_at="2026-06-01T00:00Z")
        m.refresh_from_db()
        return m

    return make


@time_machine.travel(datetime.datetime(2026, 6, 15, 10, tzinfo=datetime.UTC), tick=False)
def test_overdue_means_ongoing_and_past_deadline(dated):
    late = dated(-1)
    dated(-5, state=State.COMPLETED)
    dated(0)  # due today is not overdue
    submitted_late = dated(-30, state=State.SUBMITTED)
    assert set(Measure.objects.overdue()) == {late, submitted_late}
    assert set(Measure.objects.overdue(on=TODAY - datetime.timedelta(days=2))) == {submitted_late}


def test_due_within_counts_today_to_the_horizon(dated):
    today, week, later = dated(0), dated(7), dated(8)
    dated(3, state=State.COMPLETED)
    dated(-1)
    result = set(Measure.objects.due_within(7, on=TODAY))
    assert result == {today, week}
    assert later not in result


def test_ongoing_excludes_only_completed(dated):
    states = [dated(10, state=s) for s in State.values]
    assert Measure.objects.ongoing().count() == len(states) - 1


def test_days_overdue(dated):
    m = dated(-12)
    assert m.days_overdue(on=TODAY) == 12
    assert m.is_overdue(on=TODAY)
    assert dated(-3, state=State.COMPLETED).days_overdue(on=TODAY) == 0


def test_counts_by_unit(dated, unit, other_unit):
    dated(-10)
    dated(-2)
    dated(5)
    dated(-40, state=State.COMPLETED)
    dated(-1, lead_unit=other_unit)
    rows = {r["lead_unit"]: r for r in Measure.objects.counts_by_unit(on=TODAY)}
    mine = rows[unit.pk]
    assert (mine["total"], mine["ongoing"], mine["overdue"], mine["completed"]) == (4, 3, 2, 1)
    assert mine["oldest_overdue_deadline"] == TODAY - datetime.timedelta(days=10)
    assert rows[other_unit.pk]["overdue"] == 1


class TestVisibility:
    def test_staff_see_lead_and_supporting_and_sub_units(self, staff, unit, other_unit, case):
        child = factories.UnitFactory(parent=unit)
        own = factories.MeasureFactory(lead_unit=unit, issue__case=case)
        supporting = factories.MeasureFactory(lead_unit=other_unit, issue__case=case)
        supporting.supporting_units.add(unit)
        sub = factories.MeasureFactory(lead_unit=child, issue__case=case)
        hidden = factories.MeasureFactory(lead_unit=other_unit, issue__case=case)
        visible = set(Measure.objects.restrict(staff))
        assert visible == {own, supporting, sub}
        assert hidden not in visible

    def test_supervisor_sees_everything(self, supervisor, measure, other_measure):
        assert set(Measure.objects.restrict(supervisor)) == {measure, other_measure}

    def test_inactive_and_anonymous_see_nothing(self, staff, measure):
        from django.contrib.auth.models import AnonymousUser

        staff.is_active = False
        assert not Measure.objects.restrict(staff).exists()
        assert not Measure.objects.restrict(AnonymousUser()).exists()

    def test_no_duplicates_when_lead_and_supporting(self, staff, unit, measure):
        measure.supporting_units.add(unit)
        assert Measure.objects.restrict(staff).count() == 1

    def test_cases_visible_only_with_own_items(self, staff, other_measure):
        assert not Case.objects.restrict(staff).exists()


def test_with_progress_counts_problems(case, unit):
    from cases.models import Issue

    issues = [factories.IssueFactory(case=case) for _ in range(3)]
    Issue.objects.filter(pk=issues[0].pk).update(state=State.COMPLETED)
    factories.IssueFactory(case=case, kind=Issue.Kind.GROUP, state=State.COMPLETED)
    annotated = Case.objects.with_progress().get(pk=case.pk)
    assert (annotated.problem_completed, annotated.problem_total) == (1, 3)
    assert annotated.completion_rate == 33.3


def test_unit_tree_paths_follow_moves(db):
    root = factories.UnitFactory()
    child = factories.UnitFactory(parent=root)
    grandchild = factories.UnitFactory(parent=child)
    other = factories.UnitFactory()
    assert grandchild.path == f"/{root.pk}/{child.pk}/{grandchild.pk}/"
    child.parent = other
    child.save()
    grandchild.refresh_from_db()
    assert grandchild.path == f"/{other.pk}/{child.pk}/{grandchild.pk}/"
    assert set(Unit.objects.descendants_of([other])) == {other, child, grandchild}


def test_unit_cannot_be_its_own_ancestor(db):
    from django.core.exceptions import ValidationError

    root = factories.UnitFactory()
    child = factories.UnitFactory(parent=root)
    root.parent = child
    with pytest.raises(ValidationError):
        root.save()
