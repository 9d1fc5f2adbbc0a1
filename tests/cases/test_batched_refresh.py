"""services.batched_issue_refresh: bulk writers recompute issue roll-ups once, at the end."""

from __future__ import annotations

import pytest

from cases import services
from cases.models import Issue
from cases.states import State
from tests import factories

pytestmark = pytest.mark.django_db


def test_roll_ups_are_postponed_to_the_end_of_the_block(unit, case):
    issue = factories.IssueFactory(case=case)

    with services.batched_issue_refresh():
        measure = services.create_measure(issue=issue, text="建立台账", lead_unit=unit,
                                          deadline=case.rectification_deadline)
        services.record_state_from_source(measure=measure, to_state=State.COMPLETED)
        assert Issue.objects.get(pk=issue.pk).state == State.PLANNED  # not yet

    assert Issue.objects.get(pk=issue.pk).state == State.COMPLETED


def test_a_failing_block_refreshes_nothing_and_nested_blocks_defer_to_the_outer(unit, case):
    issue = factories.IssueFactory(case=case)
    measure = factories.MeasureFactory(issue=issue, lead_unit=unit)

    with services.batched_issue_refresh():
        with services.batched_issue_refresh():
            services.record_state_from_source(measure=measure, to_state=State.PHASED)
        assert Issue.objects.get(pk=issue.pk).state == State.PLANNED  # the inner block did not refresh
    assert Issue.objects.get(pk=issue.pk).state == State.PHASED

    with pytest.raises(RuntimeError), services.batched_issue_refresh():
        services.record_state_from_source(measure=measure, to_state=State.COMPLETED)
        raise RuntimeError("stop")
    assert Issue.objects.get(pk=issue.pk).state == State.PHASED
    # Outside any block the roll-up is immediate again.
    services.record_state_from_source(measure=measure, to_state=State.COMPLETED)
    assert Issue.objects.get(pk=issue.pk).state == State.COMPLETED
