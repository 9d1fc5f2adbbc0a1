"""No lost updates: a write based on a stale copy is refused, and the first writer's change stays."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from cases.models import Measure, ProgressUpdate
from tests import factories
from tests.api.conftest import error_of


def test_two_editors_the_second_gets_412_and_the_first_change_is_intact(client_for, supervisor, supervisor2,
                                                                        measure):
    first, second = client_for(supervisor), client_for(supervisor2)
    etag_first = first.get(f"/api/v1/measures/{measure.pk}/").headers["ETag"]
    etag_second = second.get(f"/api/v1/measures/{measure.pk}/").headers["ETag"]
    assert etag_first == etag_second == '"1"'

    ok = first.patch(f"/api/v1/measures/{measure.pk}/", {"text": "第一位编辑的修改"}, format="json",
                     HTTP_IF_MATCH=etag_first)
    assert ok.status_code == 200 and ok.headers["ETag"] == '"2"'
    stale = second.patch(f"/api/v1/measures/{measure.pk}/", {"text": "第二位编辑的修改"}, format="json",
                         HTTP_IF_MATCH=etag_second)
    assert stale.status_code == 412
    assert error_of(stale)["code"] == "precondition_failed"

    measure.refresh_from_db()
    assert (measure.text, measure.version) == ("第一位编辑的修改", 2)


def test_a_stale_version_in_the_body_is_a_409(staff_api, measure):
    ok = staff_api.post(f"/api/v1/measures/{measure.pk}/progress/", {"note": "第一条", "version": 1}, format="json")
    assert ok.status_code == 201
    stale = staff_api.post(f"/api/v1/measures/{measure.pk}/transition/",
                           {"to_state": "in_progress", "note": "第二条", "version": 1}, format="json")
    assert stale.status_code == 409
    assert error_of(stale)["code"] == "version_conflict"
    measure.refresh_from_db()
    assert measure.state == "planned"
    assert list(ProgressUpdate.objects.values_list("note", flat=True)) == ["第一条"]


def test_stale_if_match_wins_over_a_rule_error(staff_api, measure):
    """HTTP checks preconditions first: a stale client hears "stale", not an error about a state it never saw."""
    response = staff_api.post(f"/api/v1/measures/{measure.pk}/transition/", {"to_state": "completed"},
                              format="json", HTTP_IF_MATCH='"7"')
    assert response.status_code == 412


def test_if_match_star_and_weak_etags_are_understood(staff_api, measure):
    assert staff_api.post(f"/api/v1/measures/{measure.pk}/progress/", {"note": "a"}, format="json",
                          HTTP_IF_MATCH="*").status_code == 201
    assert staff_api.post(f"/api/v1/measures/{measure.pk}/progress/", {"note": "b"}, format="json",
                          HTTP_IF_MATCH='W/"2"').status_code == 201


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_in_threads_lose_nothing(client_for):
    """Two real requests at once with the same version: exactly one wins, the other gets 409."""
    staff = factories.UserFactory(role="staff", units=[unit := factories.UnitFactory()])
    measure = factories.MeasureFactory(lead_unit=unit)
    clients = [client_for(staff), client_for(staff)]
    barrier = threading.Barrier(2)
    results = {}

    def write(index):
        try:
            barrier.wait()
            response = clients[index].post(f"/api/v1/measures/{measure.pk}/progress/",
                                           {"note": f"写入{index}", "version": 1}, format="json")
            results[index] = response.status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results.values()) == [201, 409]
    measure.refresh_from_db()
    assert measure.version == 2
    assert ProgressUpdate.objects.filter(measure=measure).count() == 1
    assert Measure.objects.get(pk=measure.pk).last_progress_at is not None
