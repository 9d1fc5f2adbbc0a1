"""A measure's position is bounded, and a case whose last measure sits at the top of the range
still takes new measures (ties keep their order by id)."""

from __future__ import annotations

import pytest

from cases import services
from cases.models import MAX_POSITION, Measure
from tests import factories
from tests.api.conftest import error_of


def _add(client, measure, unit, **extra):
    return client.post("/api/v1/measures/", {
        "issue": measure.issue_id, "text": "新增措施", "lead_unit": unit.pk, "kind": "by_deadline",
        "deadline": "2026-09-30", **extra,
    }, format="json")


@pytest.mark.parametrize("position", [2147483647, MAX_POSITION + 1])
def test_a_position_beyond_the_range_is_refused_with_a_message(client_for, supervisor, measure, unit, position):
    response = _add(client_for(supervisor), measure, unit, position=position)
    assert response.status_code == 400
    error = error_of(response)
    assert "position" in error["fields"]
    assert str(MAX_POSITION) in error["fields"]["position"][0]
    assert Measure.objects.count() == 1


def test_later_adds_still_work_after_a_measure_at_the_top(client_for, supervisor, measure, unit):
    # A row stored before the bound existed (or written straight to the database).
    Measure.objects.filter(pk=measure.pk).update(position=2147483647)
    client = client_for(supervisor)
    first, second = _add(client, measure, unit), _add(client, measure, unit)
    assert first.status_code == 201 and second.status_code == 201, (first.content, second.content)
    added = list(Measure.objects.filter(pk__in=[first.json()["id"], second.json()["id"]]).order_by("pk"))
    assert [m.position for m in added] == [MAX_POSITION, MAX_POSITION]
    ordered = list(Measure.objects.filter(case=measure.case).exclude(pk=measure.pk).values_list("pk", flat=True))
    assert ordered == [m.pk for m in added]


def test_the_service_gives_the_next_position(measure, unit):
    other = factories.MeasureFactory(issue=measure.issue, lead_unit=unit, position=41)
    created = services.create_measure(issue=measure.issue, text="x", lead_unit=unit, kind="long_term")
    assert created.position == max(other.position, measure.position) + 1
