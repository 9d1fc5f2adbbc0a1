"""Every numeric or id filter of every FilterSet is bounded: an absurd value is "not valid"
(400 in the API, a warning on the pages), never an OverflowError 500."""

from __future__ import annotations

import pytest
from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter, NumberFilter

from cases.filters import (
    CaseFilterSet,
    IssueFilterSet,
    MeasureFilterSet,
    ProgressUpdateFilterSet,
    ReminderFilterSet,
)
from notices.api.filters import NoticeFilterSet
from tests.api.conftest import error_of

HUGE = "99999999999999999999999"
ENDPOINTS = {
    MeasureFilterSet: "/api/v1/measures/",
    IssueFilterSet: "/api/v1/issues/",
    CaseFilterSet: "/api/v1/cases/",
    ProgressUpdateFilterSet: "/api/v1/progress/",
    ReminderFilterSet: "/api/v1/reminders/",
    NoticeFilterSet: "/api/v1/notices/",
}


def _numeric_filters():
    for filterset, url in ENDPOINTS.items():
        for name, flt in filterset.base_filters.items():
            if isinstance(flt, NumberFilter | ModelChoiceFilter | ModelMultipleChoiceFilter):
                yield pytest.param(url, name, id=f"{filterset.__name__}.{name}")


@pytest.mark.parametrize("url,name", list(_numeric_filters()))
@pytest.mark.parametrize("value", [HUGE, "99999999999", "-1"])
def test_every_numeric_filter_of_the_api_is_bounded(client_for, supervisor, measure, url, name, value):
    response = client_for(supervisor).get(url, {name: value})
    if response.status_code == 200:
        # A small number that is simply no row (e.g. id 99999999999) may answer an empty list.
        assert value != HUGE and response.json()["count"] == 0
        return
    assert response.status_code == 400, response.content
    error = error_of(response)
    assert name in error["fields"]


def test_due_within_far_beyond_any_date(client_for, supervisor, measure):
    error = error_of(client_for(supervisor).get("/api/v1/measures/", {"due_within": "99999999999"}))
    assert error["status"] == 400 and "due_within" in error["fields"]
    assert client_for(supervisor).get("/api/v1/measures/", {"due_within": "36500"}).status_code == 200


def test_the_units_list_built_from_filterset_fields_is_bounded_too(client_for, supervisor):
    response = client_for(supervisor).get("/api/v1/units/", {"parent": HUGE})
    assert response.status_code == 400 and "parent" in error_of(response)["fields"]


@pytest.mark.parametrize("page", ["/dashboard/", "/items/", "/my/", "/signoff/", "/api/v1/measures/export.csv",
                                  "/api/v1/measures/export.xlsx"])
@pytest.mark.parametrize("query", [{"due_within": "99999999999"}, {"case": HUGE}, {"unit": HUGE},
                                   {"issue": HUGE}, {"lead_leader": HUGE}])
def test_pages_and_exports_refuse_the_value_and_keep_working(client, supervisor, measure, page, query):
    client.force_login(supervisor)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    response = client.get(page, query)
    if page.startswith("/api/"):
        assert response.status_code == 400
        assert response["Content-Type"].startswith("application/json")
        assert error_of(response)["fields"]
    else:
        assert response.status_code == 200
        assert "已忽略" in response.content.decode() or "ignored" in response.content.decode()
