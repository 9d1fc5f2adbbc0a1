"""The look-back queue as a paged, filtered list (one FilterSet with `/api/v1/lookbacks/`), each
row opening the item's own look-back page; its queries pinned."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.lookback import selectors, services
from cases.lookback.filters import LookbackFilterSet
from cases.lookback.models import Lookback, LookbackPolicy
from cases.models import Measure
from cases.states import State
from tests import factories

TODAY = datetime.date(2026, 6, 10)  # a Wednesday


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2026, 6, 10, 2, tzinfo=datetime.UTC), tick=False):
        yield


def aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def completed(unit, case, *, on: datetime.date, kind=Measure.Kind.IMMEDIATE) -> Measure:
    """An item signed off on `on`; with the default 3 months, its look-back is due 3 months later."""
    return factories.MeasureFactory(lead_unit=unit, issue__case=case, kind=kind, state=State.COMPLETED,
                                    completed_at=aware(on), deadline=on)


def long_term(unit, case) -> Measure:
    m = factories.MeasureFactory(lead_unit=unit, issue__case=case, kind=Measure.Kind.LONG_TERM, deadline=None)
    Measure.objects.filter(pk=m.pk).update(created_at=aware(datetime.date(2026, 1, 5)))
    return m


@pytest.fixture
def queue(db, unit, other_unit, case):
    """Overdue, due-soon and later look-backs in two units and two cases, and a lagging long-term item."""
    other_case = factories.CaseFactory(organisation=case.organisation)
    rows = {
        "overdue": completed(unit, case, on=datetime.date(2026, 3, 2)),  # due 6-2
        "soon": completed(other_unit, case, on=datetime.date(2026, 3, 12)),  # due 6-12
        "later": completed(unit, other_case, on=datetime.date(2026, 4, 20)),  # due 7-20
        "by_deadline": completed(other_unit, other_case, on=datetime.date(2025, 12, 1),
                                 kind=Measure.Kind.BY_DEADLINE),  # due 6-1
        "long_term": long_term(unit, case),
    }
    services.plan_lookbacks()
    rows["other_case"] = other_case
    return rows


@pytest.fixture
def run(rf, supervisor):
    """The look-backs (their items' ids) the FilterSet leaves for `data`, as the supervisor asks."""
    request = rf.get("/")
    request.user = supervisor

    def run(data) -> set[int]:
        filterset = LookbackFilterSet(data, queryset=Lookback.objects.restrict(supervisor), request=request)
        assert filterset.is_valid(), filterset.errors
        return set(filterset.qs.values_list("measure_id", flat=True))

    return run


def test_filter_by_case(run, queue, case):
    assert run({"case": [case.pk]}) == {queue["overdue"].pk, queue["soon"].pk}


def test_filter_by_unit_with_its_sub_units(run, queue, unit):
    child = factories.UnitFactory(organisation=unit.organisation, parent=unit)
    below = completed(child, queue["other_case"], on=datetime.date(2026, 3, 2))
    services.plan_lookbacks()
    assert run({"unit": [unit.pk]}) == {queue["overdue"].pk, queue["later"].pk, below.pk}


def test_filter_by_kind(run, queue):
    assert run({"kind": ["by_deadline"]}) == {queue["by_deadline"].pk}


@pytest.mark.parametrize("due, expected", [
    ("overdue", {"overdue", "by_deadline"}), ("due", {"soon"}), ("later", {"later"}), ("recorded", set())])
def test_filter_by_due_state(run, queue, due, expected):
    assert run({"due": due}) == {queue[k].pk for k in expected}


def test_filter_by_outcome_and_recorded(run, queue, supervisor):
    services.record_lookback(measure=queue["overdue"], by=supervisor, outcome="held", note="巩固")
    assert run({"outcome": "held"}) == {queue["overdue"].pk}
    assert run({"due": "recorded"}) == {queue["overdue"].pk}
    assert queue["overdue"].pk not in run({"due": "overdue"})


def test_the_page_lists_due_rows_filtered_and_each_row_opens_its_form(client, queue, supervisor, unit):
    client.force_login(supervisor)
    page = client.get(reverse("cases:lookback-queue"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert [r["measure"].pk for r in page.context["due_rows"]] == [
        queue["by_deadline"].pk, queue["overdue"].pk, queue["soon"].pk]  # due by the horizon, earliest first
    assert [r["measure"].pk for r in page.context["long_rows"]] == [queue["long_term"].pk]
    assert page.context["long_rows"][0]["lagging"]
    body = page.content.decode()
    assert 'class="lookback-form' not in body  # no form on the queue: each row links to its own
    link = reverse("cases:lookback-record", args=[queue["overdue"].pk])
    assert f'href="{link}?next=' in body
    narrowed = client.get(reverse("cases:lookback-queue"), {"unit": unit.pk, "due": "later"})
    assert [r["measure"].pk for r in narrowed.context["due_rows"]] == [queue["later"].pk]
    assert narrowed.context["long_rows"] == []
    form = client.get(link, {"next": "/lookback/?unit=1"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert form.status_code == 200
    assert 'class="signoff-form lookback-form' in form.content.decode()
    assert 'name="next" value="/lookback/?unit=1"' in form.content.decode()


def test_recording_from_the_item_page_returns_to_the_filtered_queue(client, queue, supervisor):
    m = queue["soon"]
    client.force_login(supervisor)
    back = reverse("cases:lookback-queue") + f"?case={m.case_id}"
    response = client.post(reverse("cases:lookback-record", args=[m.pk]), {
        f"lb{m.pk}-version": m.version, f"lb{m.pk}-outcome": "held", f"lb{m.pk}-note": "回访未反弹", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert Lookback.objects.get(measure=m).outcome == "held"
    elsewhere = client.post(reverse("cases:lookback-record", args=[queue["later"].pk]), {
        f"lb{queue['later'].pk}-version": queue["later"].version, f"lb{queue['later'].pk}-outcome": "held",
        f"lb{queue['later'].pk}-note": "好", "next": "https://evil.example/"})
    assert elsewhere["Location"] == reverse("cases:lookback-queue")


def test_an_invalid_filter_is_reported_in_the_interface_language(client, queue, supervisor):
    client.force_login(supervisor)
    page = client.get(reverse("cases:lookback-queue"), {"due": "someday", "case": "abc"},
                      HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    texts = [str(m) for m in page.context["messages"]]
    assert any("已忽略" in t for t in texts), texts
    assert len(page.context["due_rows"]) == 3  # the default list, not an empty or a wider one


def test_both_lists_are_paged(client, db, unit, case, supervisor, settings, monkeypatch):
    monkeypatch.setattr(selectors, "QUEUE_PAGE", 2)
    for day in range(1, 6):
        completed(unit, case, on=datetime.date(2026, 3, day))
    for _ in range(3):
        long_term(unit, case)
    services.plan_lookbacks()
    client.force_login(supervisor)
    first = client.get(reverse("cases:lookback-queue"))
    assert first.context["page"].paginator.count == 5 and len(first.context["due_rows"]) == 2
    assert first.context["long_page"].paginator.count == 3 and len(first.context["long_rows"]) == 2
    second = client.get(reverse("cases:lookback-queue"), {"page": 3, "lpage": 2})
    assert len(second.context["due_rows"]) == 1 and len(second.context["long_rows"]) == 1
    assert "lpage=2" in second.content.decode()  # turning the first list keeps the second's page


def test_the_page_does_not_query_more_with_more_items(client, db, unit, other_unit, case, supervisor,
                                                      django_assert_max_num_queries):
    LookbackPolicy.objects.create(organisation=case.organisation, kind="immediate", months_after_completion=3)

    def add(n):
        for i in range(n):
            completed(unit if i % 2 else other_unit, case, on=datetime.date(2026, 3, 1 + i % 9))
            long_term(unit, case)
        services.plan_lookbacks()

    add(2)
    client.force_login(supervisor)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("cases:lookback-queue"))
    add(12)
    with django_assert_max_num_queries(len(small)):
        response = client.get(reverse("cases:lookback-queue"))
    assert len(response.context["due_rows"]) == 14 and len(response.context["long_rows"]) == 14


def test_staff_cannot_open_an_item_page_and_other_organisations_are_404(client, queue, staff):
    client.force_login(staff)
    assert client.get(reverse("cases:lookback-record", args=[queue["overdue"].pk])).status_code == 403
    sup = factories.UserFactory(role="supervisor", organisations=[factories.OrganisationFactory()])
    client.force_login(sup)
    assert client.get(reverse("cases:lookback-record", args=[queue["overdue"].pk])).status_code == 404


# --- The API list ---------------------------------------------------------------------------


def test_the_api_lists_look_backs_with_the_same_filters(client, queue, supervisor, case):
    client.force_login(supervisor)
    response = client.get("/api/v1/lookbacks/", {"case": case.pk, "due": "overdue"})
    assert response.status_code == 200
    assert [r["measure"] for r in response.json()["results"]] == [queue["overdue"].pk]
    row = response.json()["results"][0]
    assert row["outcome"] == "pending" and row["due_on"] == "2026-06-02" and row["kind"] == "immediate"
    bad = client.get("/api/v1/lookbacks/", {"due": "someday"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert bad.status_code == 400


def test_the_api_list_is_scoped(client, queue, staff, other_unit):
    client.force_login(staff)  # staff of `unit`: its items only
    got = {r["measure"] for r in client.get("/api/v1/lookbacks/").json()["results"]}
    assert got == {queue["overdue"].pk, queue["later"].pk}
    other_org = factories.OrganisationFactory()
    sup = factories.UserFactory(role="supervisor", organisations=[other_org])
    client.force_login(sup)
    assert client.get("/api/v1/lookbacks/").json()["results"] == []


def test_the_api_list_has_constant_queries(client, queue, supervisor, unit, case, django_assert_max_num_queries):
    client.force_login(supervisor)
    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/lookbacks/")
    for day in range(1, 9):
        completed(unit, case, on=datetime.date(2026, 2, day))
    services.plan_lookbacks()
    with django_assert_max_num_queries(len(small)):
        response = client.get("/api/v1/lookbacks/")
    assert response.json()["count"] == 12
