"""Every transition between every pair of states, for staff and for supervisors."""

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import services
from cases.models import Measure, ProgressUpdate
from cases.states import State, find_rule, roll_up

ALL_PAIRS = [(a, b) for a, b in itertools.product(State.values, State.values) if a != b]

# The transitions DESIGN.md allows, written out by hand so a change to the rule table shows here.
ALLOWED = {
    (State.PLANNED, State.IN_PROGRESS): "staff",
    (State.PLANNED, State.PHASED): "staff",
    (State.IN_PROGRESS, State.PHASED): "staff",
    (State.RELAPSED, State.PHASED): "staff",
    (State.RELAPSED, State.IN_PROGRESS): "staff",
    (State.PLANNED, State.SUBMITTED): "staff",
    (State.IN_PROGRESS, State.SUBMITTED): "staff",
    (State.PHASED, State.SUBMITTED): "staff",
    (State.RELAPSED, State.SUBMITTED): "staff",
    (State.SUBMITTED, State.COMPLETED): "supervisor",
    (State.SUBMITTED, State.IN_PROGRESS): "supervisor",  # send back
    (State.COMPLETED, State.RELAPSED): "supervisor",  # reopen
}


def _at(measure, state):
    Measure.objects.filter(pk=measure.pk).update(state=state, completed_at="2026-01-01T00:00Z",
                                                 signoff_step=1 if state == State.SUBMITTED else 0)
    measure.refresh_from_db()
    return measure


def test_rule_table_matches_the_design():
    table = {(a, b): find_rule(a, b) for a, b in ALL_PAIRS}
    assert {pair for pair, rule in table.items() if rule} == set(ALLOWED)
    for pair, who in ALLOWED.items():
        # A supervisor's rule names a permission, or is signed at a step of the chain.
        assert (table[pair].permission is None and not table[pair].by_step) == (who == "staff"), pair


@pytest.mark.parametrize(("source", "target"), ALL_PAIRS)
def test_supervisor_transitions(supervisor, measure, source, target):
    _at(measure, source)
    before = measure.version
    if (source, target) in ALLOWED:
        services.transition_measure(measure=measure, to_state=target, by=supervisor, note="理由")
        measure.refresh_from_db()
        assert measure.state == target
        assert measure.version == before + 1
        assert ProgressUpdate.objects.filter(measure=measure, from_state=source, to_state=target).exists()
    else:
        with pytest.raises(ValidationError):
            services.transition_measure(measure=measure, to_state=target, by=supervisor, note="理由")
        measure.refresh_from_db()
        assert (measure.state, measure.version) == (source, before)
        assert not ProgressUpdate.objects.filter(measure=measure).exists()


@pytest.mark.parametrize(("source", "target"), ALL_PAIRS)
def test_staff_transitions(staff, measure, source, target):
    _at(measure, source)
    expected = ALLOWED.get((source, target))
    if expected == "staff":
        services.transition_measure(measure=measure, to_state=target, by=staff, note="进展")
        measure.refresh_from_db()
        assert measure.state == target
        return
    error = PermissionDenied if expected == "supervisor" else ValidationError
    with pytest.raises(error):
        services.transition_measure(measure=measure, to_state=target, by=staff, note="进展")
    measure.refresh_from_db()
    assert measure.state == source
    assert not ProgressUpdate.objects.filter(measure=measure).exists()


def test_staff_cannot_sign_off(staff, measure):
    _at(measure, State.SUBMITTED)
    with pytest.raises(PermissionDenied, match=r"step|步"):
        services.transition_measure(measure=measure, to_state=State.COMPLETED, by=staff)
    measure.refresh_from_db()
    assert measure.state == State.SUBMITTED


def test_only_supervisors_reopen(staff, supervisor, measure):
    _at(measure, State.COMPLETED)
    with pytest.raises(PermissionDenied):
        services.transition_measure(measure=measure, to_state=State.RELAPSED, by=staff, note="反弹")
    services.transition_measure(measure=measure, to_state=State.RELAPSED, by=supervisor, note="回头看发现反弹")
    measure.refresh_from_db()
    assert measure.state == State.RELAPSED
    assert measure.completed_at is None


@pytest.mark.parametrize(
    ("source", "target"), [(State.SUBMITTED, State.IN_PROGRESS), (State.COMPLETED, State.RELAPSED)]
)
def test_send_back_and_reopen_need_a_reason(supervisor, measure, source, target):
    _at(measure, source)
    with pytest.raises(ValidationError) as exc:
        services.transition_measure(measure=measure, to_state=target, by=supervisor, note="  ")
    assert exc.value.code == "reason_required"
    measure.refresh_from_db()
    assert measure.state == source


def test_staff_cannot_touch_another_units_measure(staff, other_measure):
    with pytest.raises(PermissionDenied):
        services.transition_measure(measure=other_measure, to_state=State.IN_PROGRESS, by=staff)
    other_measure.refresh_from_db()
    assert other_measure.state == State.PLANNED


def test_unknown_state_is_refused(supervisor, measure):
    with pytest.raises(ValidationError):
        services.transition_measure(measure=measure, to_state="done", by=supervisor)


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ([], State.PLANNED),
        ([State.PLANNED], State.PLANNED),
        ([State.COMPLETED, State.COMPLETED], State.COMPLETED),
        ([State.COMPLETED, State.SUBMITTED], State.SUBMITTED),
        ([State.COMPLETED, State.PHASED], State.PHASED),
        ([State.COMPLETED, State.PLANNED], State.IN_PROGRESS),
        ([State.PHASED, State.RELAPSED], State.IN_PROGRESS),
        ([State.IN_PROGRESS], State.IN_PROGRESS),
    ],
)
def test_roll_up(states, expected):
    assert roll_up(states) == expected
