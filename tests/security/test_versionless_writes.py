"""A write that sends no version (no If-Match, no `version`) applies to the item as it is: the
rules are checked against its current state and it is never refused as a version conflict."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from cases import services
from cases.models import Measure, ProgressUpdate
from tests import factories


def test_a_stale_copy_without_a_version_applies_to_the_item_as_it_is(staff, supervisor, measure):
    copy = Measure.objects.get(pk=measure.pk)
    services.log_progress(measure=measure, by=staff, note="第一次更新")
    services.transition_measure(measure=copy, to_state="in_progress", by=supervisor, note="第二次")
    services.change_deadline(measure=copy, new_deadline=None if copy.kind == "long_term" else
                             copy.deadline.replace(year=copy.deadline.year + 1), reason="延期", by=supervisor)
    services.update_measure(measure=Measure.objects.get(pk=measure.pk), by=supervisor, text="新的表述")
    measure.refresh_from_db()
    assert (measure.state, measure.text, measure.version) == ("in_progress", "新的表述", 5)


def test_the_rules_are_checked_against_the_current_state(staff, measure):
    copy = Measure.objects.get(pk=measure.pk)
    services.transition_measure(measure=measure, to_state="in_progress", by=staff)
    # The copy still says "planned", where "start" would be allowed; the item is already started.
    with pytest.raises(services.TransitionNotAllowed) as exc:
        services.transition_measure(measure=copy, to_state="in_progress", by=staff)
    assert exc.value.code == "illegal_transition"


def test_the_api_without_a_version_after_another_write(client_for, staff, measure):
    client = client_for(staff)
    assert client.post(f"/api/v1/measures/{measure.pk}/progress/", {"note": "a", "version": 1},
                       format="json").status_code == 201
    response = client.post(f"/api/v1/measures/{measure.pk}/transition/", {"to_state": "in_progress"}, format="json")
    assert response.status_code == 200 and response.headers["ETag"] == '"3"'


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("writers", [2, 4])
def test_concurrent_versionless_notes_all_apply(client_for, writers):
    staff = factories.UserFactory(role="staff", units=[unit := factories.UnitFactory()])
    measure = factories.MeasureFactory(lead_unit=unit)
    clients = [client_for(staff) for _ in range(writers)]
    barrier = threading.Barrier(writers)
    results: dict[int, int] = {}

    def write(index):
        try:
            barrier.wait()
            results[index] = clients[index].post(f"/api/v1/measures/{measure.pk}/progress/",
                                                 {"note": f"写入{index}"}, format="json").status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results.values()) == [201] * writers
    measure.refresh_from_db()
    assert measure.version == 1 + writers
    assert ProgressUpdate.objects.filter(measure=measure).count() == writers


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_versionless_starts_one_applies_the_other_hears_the_rule(client_for):
    staff = factories.UserFactory(role="staff", units=[unit := factories.UnitFactory()])
    measure = factories.MeasureFactory(lead_unit=unit)
    clients = [client_for(staff, "en") for _ in range(2)]
    barrier = threading.Barrier(2)
    results: dict[int, tuple[int, str]] = {}

    def write(index):
        try:
            barrier.wait()
            response = clients[index].post(f"/api/v1/measures/{measure.pk}/transition/",
                                           {"to_state": "in_progress"}, format="json")
            results[index] = (response.status_code, response.json().get("error", {}).get("code", ""))
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results.values()) == [(200, ""), (400, "illegal_transition")]
    assert ProgressUpdate.objects.filter(measure=measure).count() == 1
