"""Lists cost the same small number of queries for 10 rows as for 100."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership, Organisation
from cases.choices import State
from cases.models import Measure, ProgressUpdate, Reminder
from tests import factories

# Authentication (token + user), permissions and scoping (groups, units), count, page and
# prefetches: a fixed budget, whatever the page size.
MAX_QUERIES = 12
LISTS = ["/api/v1/measures/", "/api/v1/cases/", "/api/v1/issues/", "/api/v1/progress/", "/api/v1/reminders/",
         "/api/v1/units/", "/api/v1/organisations/", "/api/v1/notices/"]


def _create(n, unit, staff):
    """n measures in a new case, each with a supporting unit, a leader and a progress entry."""
    case = factories.CaseFactory(organisation=unit.organisation)
    issue = factories.IssueFactory(case=case)
    support = factories.UnitFactory(organisation=unit.organisation)
    leader = factories.UserFactory()
    measures = factories.MeasureFactory.create_batch(n, lead_unit=unit, issue=issue, lead_leader=leader)
    for m in measures:
        m.supporting_units.add(support)
    # Every other row waits for sign-off, asked for late (so still overdue): its figures read the
    # request date, which the plain rows never load.
    Measure.objects.filter(pk__in=[m.pk for m in measures[::2]]).update(
        state=State.SUBMITTED, signoff_requested_on=datetime.date(2099, 1, 4))
    ProgressUpdate.objects.bulk_create(
        ProgressUpdate(measure=m, author=staff, action="note", note="进展", from_state=m.state, to_state=m.state)
        for m in measures
    )
    reminder = Reminder.objects.create(kind="unit_digest", level="overdue", period="2026-03-02",
                                       recipient_email=f"r{n}-{unit.pk}@example.cn", unit=unit)
    reminder.measures.set(measures)
    for _ in range(n // 10):
        factories.IssueFactory(case=case)


def _counts(client) -> dict[str, int]:
    counts = {}
    for url in LISTS:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, {"page_size": 200})
        assert response.status_code == 200, (url, response.content)
        counts[url] = len(ctx.captured_queries)
    return counts


@pytest.mark.parametrize("who", ["staff", "supervisor"])
def test_list_queries_do_not_grow_with_rows(who, client_for, staff, supervisor, unit):
    client = client_for(staff if who == "staff" else supervisor)
    _create(10, unit, staff)
    ten = _counts(client)
    _create(90, unit, staff)
    hundred = _counts(client)
    assert hundred == ten
    assert max(ten.values()) <= MAX_QUERIES, ten


def test_hundred_measures_with_units_issue_and_case_in_few_queries(client_for, supervisor, unit, staff,
                                                                   django_assert_max_num_queries):
    _create(100, unit, staff)
    client = client_for(supervisor)
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/measures/?page_size=100").json()
    assert len(body["results"]) == 100
    assert all(row["supporting_units"] and row["lead_leader"] and row["issue"] and row["case"]
               for row in body["results"])


@pytest.mark.parametrize("who", ["province", "county", "county_staff"])
def test_scoped_lists_in_a_two_organisation_deployment_do_not_grow(who, client_for):
    """The organisation part of the scope costs the same few queries whatever the data, for a
    province office (reads all), a county office (a subtree) and a county's staff (units)."""
    province = Organisation.objects.create(name="基准省", kind=Organisation.Kind.PROVINCE)
    county_a = Organisation.objects.create(name="甲县", parent=province)
    county_b = Organisation.objects.create(name="乙县", parent=province)
    unit_a = factories.UnitFactory(organisation=county_a)
    unit_b = factories.UnitFactory(organisation=county_b)
    staff_a = factories.UserFactory(role="staff", organisations=[])
    Membership.objects.create(user=staff_a, unit=unit_a)
    user = {
        "province": lambda: factories.UserFactory(role="supervisor", organisations=[province]),
        "county": lambda: factories.UserFactory(role="supervisor", organisations=[county_a]),
        "county_staff": lambda: staff_a,
    }[who]()
    client = client_for(user)
    _create(10, unit_a, staff_a)
    _create(10, unit_b, staff_a)
    ten = _counts(client)
    _create(90, unit_a, staff_a)
    _create(90, unit_b, staff_a)
    hundred = _counts(client)
    assert hundred == ten
    assert max(ten.values()) <= MAX_QUERIES, ten


@pytest.mark.parametrize("who", ["province", "county", "county_staff"])
def test_the_overdue_measure_list_is_five_queries_at_most(who, client_for):
    """Token, scope (one UNION, and one more for the ids below an organisation or a unit), count,
    page and supporting units: issue 12 asks ≤ 5, for every kind of reader, on a late page too."""
    province = Organisation.objects.create(name="基准省", kind=Organisation.Kind.PROVINCE)
    county = Organisation.objects.create(name="甲县", parent=province)
    unit = factories.UnitFactory(organisation=county)
    staff = factories.UserFactory(role="staff", organisations=[])
    Membership.objects.create(user=staff, unit=unit)
    user = {"province": lambda: factories.UserFactory(role="supervisor", organisations=[province]),
            "county": lambda: factories.UserFactory(role="supervisor", organisations=[county]),
            "county_staff": lambda: staff}[who]()
    _create(30, unit, staff)
    client = client_for(user)
    for page in (1, 2):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/api/v1/measures/", {"overdue_on": "2100-01-01", "ordering": "deadline",
                                                        "page_size": 20, "page": page})
        assert response.status_code == 200, response.content
        assert len(response.json()["results"]) == (20 if page == 1 else 10)
        assert len(ctx.captured_queries) <= 5, "\n".join(q["sql"][:200] for q in ctx.captured_queries)
