"""A generated access matrix: every role of one organisation against every endpoint, and the
objects of another organisation (and of another unit) must be absent — 404, empty, uncounted.

The endpoints are discovered, not listed: every route of the API router, every page of the
`cases` URLconf that takes no argument or a measure id, and every registered admin's changelist
and change page. A new endpoint is covered without editing this test.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from accounts.models import Membership, Organisation, OrganisationMembership, Unit
from cases import services
from cases.models import Case, Issue, Measure, ProgressUpdate
from config.api import router
from tests import factories

SECRET = "乙县机密整改事项"  # appears only in the other organisation's rows


@pytest.fixture
def world(db):
    province = Organisation.objects.create(name="测试省", kind=Organisation.Kind.PROVINCE)
    county_a = Organisation.objects.create(name="甲县", parent=province)
    county_b = Organisation.objects.create(name="乙县", parent=province)
    unit_a = Unit.objects.create(organisation=county_a, name="县财政局")
    unit_a2 = Unit.objects.create(organisation=county_a, name="县教育局")
    unit_b = Unit.objects.create(organisation=county_b, name="县财政局")  # same name, other county

    def case(organisation, unit, title, text):
        c = Case.objects.create(organisation=organisation, title=title, inspected_body=title)
        issue = Issue.objects.create(case=c, title=f"{text}问题", kind=Issue.Kind.PROBLEM)
        measure = services.create_measure(issue=issue, text=text, lead_unit=unit, deadline=c.created_at.date())
        return c, issue, measure

    case(county_a, unit_a, "甲县巡视整改", "甲县整改事项")
    _, _, measure_a2 = case(county_a, unit_a2, "甲县第二轮整改", "甲县教育局另一事项")
    case_b, issue_b, measure_b = case(county_b, unit_b, f"{SECRET}案件", SECRET)

    def person(role, organisation=None, unit=None):
        user = factories.UserFactory(role=role, organisations=[organisation] if organisation else [])
        if unit:
            Membership.objects.create(user=user, unit=unit)
        return user

    staff_b = person("staff", unit=unit_b)
    services.log_progress(measure=measure_b, by=staff_b, note=SECRET)
    people = {
        "supervisor_a": person("supervisor", county_a),
        "staff_a": person("staff", unit=unit_a),
        "admin_a": person("admin", county_a),
    }
    province_reader = person("supervisor", province)
    return {
        "people": people, "province": province_reader, "unit_b": unit_b, "measure_a2": measure_a2,
        "hidden": {"case": case_b, "issue": issue_b, "measure": measure_b, "unit": unit_b,
                   "organisation": county_b, "user": staff_b,
                   "progress": ProgressUpdate.objects.filter(measure=measure_b).first()},
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api_routes():
    return [(prefix, basename) for prefix, _viewset, basename in router.registry]


def _admin_models():
    return [model for model in admin.site._registry if model._meta.app_label in ("accounts", "cases", "notices")]


ROLES = ["supervisor_a", "staff_a", "admin_a"]


@pytest.mark.parametrize("role", ROLES)
def test_no_api_list_shows_or_counts_another_organisation(world, role):
    client = _client(world["people"][role])
    by_model = {obj._meta.model: obj for obj in world["hidden"].values() if obj is not None}
    viewsets = {b: v for _p, v, b in router.registry}
    for prefix, basename in _api_routes():
        response = client.get(reverse(f"{basename}-list"))
        assert response.status_code in (200, 403), (prefix, response.status_code)
        assert SECRET not in response.content.decode(), (role, prefix)
        target = by_model.get(_model_of(viewsets[basename]))
        if target is not None and response.status_code == 200:
            ids = {row.get("id") for row in _results(response.json())}
            assert target.pk not in ids, (role, prefix, "lists an object of another organisation")
    assert SECRET not in client.get(reverse("api-me")).content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_no_api_detail_of_another_organisation_is_found(world, role):
    client = _client(world["people"][role])
    hidden = world["hidden"]
    by_model = {obj._meta.model: obj for obj in hidden.values() if obj is not None}
    for prefix, basename in _api_routes():
        viewset = dict((b, v) for _p, v, b in router.registry)[basename]
        model = getattr(getattr(viewset, "queryset", None), "model", None) or _model_of(viewset)
        target = by_model.get(model)
        if target is None:
            continue
        response = client.get(reverse(f"{basename}-detail", args=[target.pk]))
        assert response.status_code in (403, 404), (role, prefix, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_no_admin_list_or_change_page_reaches_another_organisation(world, role):
    client = _client(world["people"][role])
    hidden = world["hidden"]
    by_model = {obj._meta.model: obj for obj in hidden.values() if obj is not None}
    for model in _admin_models():
        opts = model._meta
        response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert response.status_code in (200, 302, 403), (opts.label, response.status_code)
        assert SECRET not in response.content.decode(), (role, opts.label)
        target = by_model.get(model)
        if target is None:
            continue
        change_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[target.pk])
        assert change_url not in response.content.decode(), (role, opts.label, "lists a hidden object")
        for name in ("change", "history"):
            response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}", args=[target.pk]))
            assert response.status_code in (302, 403, 404), (role, opts.label, name, response.status_code)
            assert SECRET not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_no_page_shows_another_organisation(world, role):
    client = _client(world["people"][role])
    for name in ("cases:dashboard", "cases:my-items", "cases:items", "cases:signoff-queue"):
        response = client.get(reverse(name))
        assert response.status_code in (200, 302, 403), (name, response.status_code)
        assert SECRET not in response.content.decode(), (role, name)
    response = client.get(reverse("cases:measure-detail", args=[world["hidden"]["measure"].pk]))
    assert response.status_code in (403, 404)


def test_staff_do_not_see_another_unit_of_their_own_county(world):
    client = _client(world["people"]["staff_a"])
    response = client.get(reverse("api-measure-list"))
    assert world["measure_a2"].text not in response.content.decode()


def test_units_list_offers_only_the_own_organisations_units(world):
    client = _client(world["people"]["staff_a"])
    ids = {row["id"] for row in _results(client.get(reverse("api-unit-list")).json())}
    assert world["unit_b"].pk not in ids and ids


def test_the_province_reads_both_counties(world):
    client = _client(world["province"])
    body = client.get(reverse("api-measure-list")).content.decode()
    assert SECRET in body and "甲县整改事项" in body


def test_unit_names_are_unique_per_organisation_by_a_database_constraint(world):
    from django.db import IntegrityError, transaction

    with transaction.atomic(), pytest.raises(IntegrityError):
        Unit.objects.bulk_create([Unit(organisation=world["unit_b"].organisation, name="县财政局", path="/x/")])


def test_a_supervisor_without_organisation_reads_only_their_units(world):
    lone = factories.UserFactory(role="supervisor", organisations=[])
    Membership.objects.create(user=lone, unit=world["unit_b"])
    assert set(Measure.objects.restrict(lone)) == {world["hidden"]["measure"]}
    assert not OrganisationMembership.objects.filter(user=lone).exists()


def _results(data):
    return data["results"] if isinstance(data, dict) and "results" in data else data


def _model_of(viewset):
    serializer = getattr(viewset, "serializer_class", None)
    meta = getattr(serializer, "Meta", None)
    return getattr(meta, "model", None)
