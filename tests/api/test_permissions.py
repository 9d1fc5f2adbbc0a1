"""Who sees and changes what: anonymous, staff, another unit's staff, supervisor, administrator.

`measure` belongs to `staff`'s unit, `other_measure` to `other_staff`'s, both in one case.
Another unit's item is a 404 everywhere and never shows up in a filter, a search, an
include, an export or a count.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import services
from cases.models import Measure, ProgressUpdate, Reminder
from tests import factories
from tests.api.conftest import error_of

ROLES = ["anonymous", "staff", "other_staff", "supervisor", "rectify_admin"]
# Who may see (and act on) `measure`, the staff unit's item.
SEES_MEASURE = {"staff", "supervisor", "rectify_admin"}


@pytest.fixture
def world(measure, other_measure):
    """Distinctive text on the hidden item, so a search for it is a real probe."""
    Measure.objects.filter(pk=other_measure.pk).update(text="机密措施:只属于另一单位")
    return measure, other_measure


@pytest.fixture
def api_as(request, client_for):
    def make(role):
        return client_for(None if role == "anonymous" else request.getfixturevalue(role))

    return make


@pytest.mark.parametrize("role", ROLES)
def test_list_shows_only_what_the_role_may_see(role, api_as, world, request):
    measure, other = world
    response = api_as(role).get("/api/v1/measures/")
    if role == "anonymous":
        assert response.status_code == 401
        assert error_of(response)["code"] == "not_authenticated"
        return
    body = response.json()
    expected = {"staff": {measure.pk}, "other_staff": {other.pk}}.get(role, {measure.pk, other.pk})
    assert {r["id"] for r in body["results"]} == expected
    assert body["count"] == len(expected)


@pytest.mark.parametrize("role", ROLES)
def test_detail_of_another_units_item_is_a_404(role, api_as, world):
    measure, _ = world
    response = api_as(role).get(f"/api/v1/measures/{measure.pk}/")
    expected = 401 if role == "anonymous" else 200 if role in SEES_MEASURE else 404
    assert response.status_code == expected
    if expected == 404:
        assert error_of(response)["code"] == "not_found"
        # Same answer as for an id that does not exist at all.
        missing = api_as(role).get("/api/v1/measures/999999/")
        assert missing.status_code == 404 and missing.json() == response.json()


@pytest.mark.parametrize("role", ["staff", "other_staff"])
def test_filters_and_search_never_reach_another_unit(role, api_as, world, request):
    measure, other = world
    hidden = other if role == "staff" else measure
    client = api_as(role)
    hidden_text = Measure.objects.get(pk=hidden.pk).text
    for query in [f"unit={hidden.lead_unit_id}", f"lead_unit={hidden.lead_unit_id}", f"q={hidden_text}",
                  f"issue={hidden.issue_id}", "state=planned&unit=" + str(hidden.lead_unit_id)]:
        body = client.get(f"/api/v1/measures/?{query}").json()
        assert hidden.pk not in {r["id"] for r in body.get("results", [])}, query
        assert body.get("count", 0) == 0, query


def test_a_hidden_case_id_in_a_filter_looks_like_a_missing_one(staff_api, measure):
    hidden = factories.MeasureFactory()  # another case, another unit
    hidden_answer = staff_api.get(f"/api/v1/measures/?case={hidden.case_id}")
    missing_answer = staff_api.get("/api/v1/measures/?case=999999")
    assert hidden_answer.status_code == missing_answer.status_code == 400
    assert error_of(hidden_answer)["fields"].keys() == error_of(missing_answer)["fields"].keys()
    assert staff_api.get(f"/api/v1/cases/{hidden.case_id}/").status_code == 404
    assert staff_api.get(f"/api/v1/issues/{hidden.issue_id}/").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_transition(role, api_as, world):
    measure, _ = world
    response = api_as(role).post(f"/api/v1/measures/{measure.pk}/transition/", {"to_state": "in_progress"},
                                 format="json")
    expected = 401 if role == "anonymous" else 200 if role in SEES_MEASURE else 404
    assert response.status_code == expected
    measure.refresh_from_db()
    assert measure.state == ("in_progress" if expected == 200 else "planned")


@pytest.mark.parametrize("role", ROLES)
def test_progress(role, api_as, world):
    measure, _ = world
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4 x", "application/pdf")
    response = api_as(role).post(f"/api/v1/measures/{measure.pk}/progress/", {"note": "进展", "files": [upload]},
                                 format="multipart")
    expected = 401 if role == "anonymous" else 201 if role in SEES_MEASURE else 404
    assert response.status_code == expected
    assert ProgressUpdate.objects.filter(measure=measure).exists() == (expected == 201)


@pytest.mark.parametrize("role", ["staff", "supervisor", "rectify_admin"])
def test_sign_off_only_by_supervisors(role, api_as, world, staff):
    measure, _ = world
    services.transition_measure(measure=measure, to_state="submitted", by=staff, note="申请销号")
    response = api_as(role).post(f"/api/v1/measures/{measure.pk}/transition/", {"to_state": "completed"},
                                 format="json")
    assert response.status_code == (403 if role == "staff" else 200)


@pytest.mark.parametrize("role", ROLES)
def test_export_contains_only_visible_items(role, api_as, world):
    measure, _other = world
    response = api_as(role).get("/api/v1/measures/export.csv")
    if role == "anonymous":
        assert response.status_code == 401
        return
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert (measure.text in text) == (role in SEES_MEASURE)
    assert ("机密措施" in text) == (role != "staff")


@pytest.mark.parametrize("role", ROLES)
def test_tree_includes_and_counts_only_visible_measures(role, api_as, world):
    measure, other = world
    response = api_as(role).get(f"/api/v1/cases/{measure.case_id}/tree/?include=measures")
    if role == "anonymous":
        assert response.status_code == 401
        return
    nodes = response.json()["issues"]
    shown = {m["id"] for n in nodes for m in n["measures"]}
    counted = sum(n["measure_count"] for n in nodes)
    visible = {"staff": {measure.pk}, "other_staff": {other.pk}}.get(role, {measure.pk, other.pk})
    assert shown == visible and counted == len(visible)


@pytest.mark.parametrize("role", ["staff", "supervisor"])
def test_case_counts_never_include_hidden_items(role, api_as, world):
    measure, _ = world
    row = api_as(role).get(f"/api/v1/cases/{measure.case_id}/").json()
    assert row["measure_total"] == (1 if role == "staff" else 2)
    issue_counts = {r["id"]: r["measure_count"] for r in api_as(role).get("/api/v1/issues/").json()["results"]}
    assert sum(issue_counts.values()) == (1 if role == "staff" else 2)


@pytest.mark.parametrize("role", ROLES)
def test_progress_log_of_another_unit_is_hidden(role, api_as, world, other_staff):
    _, other = world
    entry = services.log_progress(measure=other, by=other_staff, note="另一单位的进展")
    response = api_as(role).get("/api/v1/progress/")
    if role == "anonymous":
        assert response.status_code == 401
        return
    assert (entry.pk in {r["id"] for r in response.json()["results"]}) == (role != "staff")
    assert api_as(role).get(f"/api/v1/progress/{entry.pk}/").status_code == (404 if role == "staff" else 200)


@pytest.mark.parametrize("role", ROLES)
def test_reminders_are_read_by_their_recipients_and_supervisors(role, api_as, world, unit, other_unit):
    mine = Reminder.objects.create(kind="unit_digest", level="overdue", period=datetime.date(2026, 3, 2),
                                   recipient_email="a@example.cn", unit=unit)
    theirs = Reminder.objects.create(kind="unit_digest", level="overdue", period=datetime.date(2026, 3, 2),
                                     recipient_email="b@example.cn", unit=other_unit)
    mine.measures.set([world[0], world[1]])
    response = api_as(role).get("/api/v1/reminders/")
    if role == "anonymous":
        assert response.status_code == 401
        return
    rows = {r["id"]: r for r in response.json()["results"]}
    expected = {"staff": {mine.pk}, "other_staff": {theirs.pk}}.get(role, {mine.pk, theirs.pk})
    assert set(rows) == expected
    if role == "staff":
        # The reminder lists both items; staff see only the id of their own.
        assert rows[mine.pk]["measures"] == [world[0].pk]
    assert api_as(role).post("/api/v1/reminders/", {}, format="json").status_code == 405


@pytest.mark.parametrize("role", ["staff", "other_staff"])
def test_staff_cannot_write_ledger_or_deadline_on_any_id(role, api_as, world):
    measure, _ = world
    client = api_as(role)
    for url, payload in [(f"/api/v1/measures/{measure.pk}/deadline/", {"deadline": "2027-01-01", "reason": "x"}),
                         ("/api/v1/measures/999999/deadline/", {"deadline": "2027-01-01", "reason": "x"})]:
        assert client.post(url, payload, format="json").status_code == 403
    assert client.patch(f"/api/v1/measures/{measure.pk}/", {"text": "改"}, format="json").status_code == 403


def test_inactive_user_token_is_refused(client_for, staff, measure):
    client = client_for(staff)
    staff.is_active = False
    staff.save()
    assert client.get("/api/v1/measures/").status_code == 401


def test_anonymous_cannot_read_any_endpoint(client_for, measure):
    client = client_for()
    for url in ["/api/v1/", "/api/v1/cases/", "/api/v1/issues/", "/api/v1/units/", "/api/v1/me/",
                "/api/v1/progress/", "/api/v1/reminders/", "/api/v1/notices/", f"/api/v1/measures/{measure.pk}/",
                "/api/v1/measures/export.xlsx"]:
        assert client.get(url).status_code == 401, url
