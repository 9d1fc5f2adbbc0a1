"""`cases.paging.DeferredJoinPaginator`: every page of a long list holds exactly the rows plain
LIMIT/OFFSET paging gives, in one query whose inner part picks the page's ids, read from the start
or, nearer the end, from the end in the reversed ordering; tied rows are never repeated or skipped
because every list's ordering ends with the primary key."""

from __future__ import annotations

import datetime

import pytest
from django.core.paginator import Paginator

from cases.models import Measure
from cases.paging import DeferredJoinPaginator, total_ordering
from tests import factories
from tests.notices.test_import_api import _client

pytestmark = pytest.mark.django_db


@pytest.fixture
def measures(case):
    issue = factories.IssueFactory(case=case)
    days = [datetime.date(2026, 1, 1) + datetime.timedelta(days=i % 4) for i in range(23)]  # many ties
    return [factories.MeasureFactory(case=case, issue=issue, deadline=day) for day in days]


def test_total_ordering_appends_the_primary_key_in_the_first_keys_direction():
    assert total_ordering(["deadline"]) == ["deadline", "pk"]
    assert total_ordering(["-deadline", "state"]) == ["-deadline", "state", "-pk"]
    assert total_ordering(["deadline", "-id"]) == ["deadline", "-id"]
    assert total_ordering([]) == []


@pytest.mark.parametrize("ordering", [("deadline", "pk"), ("-deadline", "-pk"), ("state", "-deadline", "pk")])
def test_every_page_read_from_either_end_is_the_plain_page(measures, ordering):
    queryset = Measure.objects.order_by(*ordering)
    plain, deferred = Paginator(queryset, 5), DeferredJoinPaginator(queryset, 5)
    seen = []
    for number in plain.page_range:
        ids = [m.pk for m in deferred.page(number)]
        assert ids == [m.pk for m in plain.page(number)], number
        seen += ids
    assert sorted(seen) == sorted(m.pk for m in measures)  # nothing twice, nothing missed


def test_a_page_is_one_query_that_joins_only_its_rows(measures, django_assert_num_queries):
    queryset = Measure.objects.select_related("case", "lead_unit").order_by("deadline", "pk")
    deferred = DeferredJoinPaginator(queryset, 5, count=len(measures))
    with django_assert_num_queries(1) as captured:
        rows = list(deferred.page(2))
    sql = captured.captured_queries[0]["sql"]
    inner = sql[sql.index("IN (SELECT"):]
    assert "JOIN" in sql[:sql.index("IN (SELECT")] and "JOIN" not in inner  # the ids are cut before any join
    assert [m.pk for m in rows] == [m.pk for m in Paginator(queryset, 5).page(2)]


def test_the_last_page_is_read_from_the_end(measures, django_assert_num_queries):
    queryset = Measure.objects.order_by("deadline", "pk")
    deferred = DeferredJoinPaginator(queryset, 5, count=len(measures))
    with django_assert_num_queries(1) as captured:
        last = list(deferred.page(5))
    inner = captured.captured_queries[0]["sql"].split("IN (SELECT", 1)[1]
    assert "DESC" in inner and "OFFSET" not in inner.upper()  # the first rows of the reversed list
    assert [m.pk for m in last] == [m.pk for m in Paginator(queryset, 5).page(5)]


def test_a_partial_ordering_is_read_from_the_start(measures, django_assert_num_queries):
    deferred = DeferredJoinPaginator(Measure.objects.order_by("deadline"), 5, count=len(measures))
    with django_assert_num_queries(1) as captured:
        deferred.page(5)
    assert "DESC" not in captured.captured_queries[0]["sql"]


def test_the_api_pages_tied_deadlines_without_repeating_a_measure(supervisor, measures):
    client = _client(supervisor)
    seen = []
    for number in range(1, 6):
        answer = client.get("/api/v1/measures/", {"ordering": "deadline", "page_size": 5, "page": number})
        assert answer.status_code == 200, answer.content
        seen += [row["id"] for row in answer.json()["results"]]
    assert len(seen) == len(set(seen)) == len(measures)
    by_deadline = sorted(measures, key=lambda m: (m.deadline, m.pk))
    assert seen == [m.pk for m in by_deadline]
