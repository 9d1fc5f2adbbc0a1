from cases import services
from cases.states import State


def test_staff_can_start_own_measure(staff, measure):
    services.transition_measure(measure=measure, to_state=State.IN_PROGRESS, by=staff, note="开始")
    measure.refresh_from_db()
    assert measure.state == State.IN_PROGRESS
