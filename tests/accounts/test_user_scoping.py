"""People are scoped like the rest: a county's administrator manages that county's people only,
creates people where they can see them, and cannot grant superuser status."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Membership, Organisation, OrganisationMembership, Unit, User
from tests import factories


@pytest.fixture
def deployment(db):
    province = Organisation.objects.create(name="测试省", kind=Organisation.Kind.PROVINCE)
    county_a = Organisation.objects.create(name="甲县", parent=province)
    county_b = Organisation.objects.create(name="乙县", parent=province)
    unit_a = Unit.objects.create(organisation=county_a, name="县财政局")
    unit_b = Unit.objects.create(organisation=county_b, name="县财政局")
    staff_a = factories.UserFactory(role="staff", organisations=[], username="staff_a")
    Membership.objects.create(user=staff_a, unit=unit_a)
    staff_b = factories.UserFactory(role="staff", organisations=[], username="staff_b")
    Membership.objects.create(user=staff_b, unit=unit_b)
    return {
        "province": province, "a": county_a, "b": county_b, "unit_a": unit_a, "unit_b": unit_b,
        "staff_a": staff_a, "staff_b": staff_b,
        "admin_a": factories.UserFactory(role="admin", organisations=[county_a], username="admin_a"),
        "supervisor_b": factories.UserFactory(role="supervisor", organisations=[county_b], username="sup_b"),
        "province_reader": factories.UserFactory(role="supervisor", organisations=[province], username="prov"),
        "loose": factories.UserFactory(role="staff", organisations=[], username="loose"),
    }


def _names(queryset):
    return set(queryset.values_list("username", flat=True))


def test_a_county_reads_its_own_people_and_nobody_beside_it(deployment):
    d = deployment
    assert _names(User.objects.restrict(d["admin_a"])) == {"admin_a", "staff_a"}
    assert _names(User.objects.restrict(d["supervisor_b"])) == {"sup_b", "staff_b"}


def test_staff_read_their_organisations_people_and_themselves(deployment):
    d = deployment
    assert _names(User.objects.restrict(d["staff_a"])) == {"admin_a", "staff_a"}
    assert _names(User.objects.restrict(d["loose"])) == {"loose"}


def test_the_province_office_reads_the_whole_deployment_unplaced_accounts_included(deployment):
    d = deployment
    names = _names(User.objects.restrict(d["province_reader"]))
    assert {"admin_a", "staff_a", "sup_b", "staff_b", "prov", "loose"} == names


def test_the_admin_user_list_and_change_page_are_scoped(deployment):
    d = deployment
    client = Client()
    client.force_login(d["admin_a"])
    body = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert "staff_a" in body and "staff_b" not in body and "sup_b" not in body
    assert client.get(reverse("admin:accounts_user_change", args=[d["staff_b"].pk])).status_code in (302, 404)
    missing = client.get(reverse("admin:accounts_user_change", args=[999999]))
    assert missing.status_code in (302, 404)


def test_a_new_person_must_be_placed_where_the_creator_reaches(deployment):
    d = deployment
    client = Client()
    client.force_login(d["admin_a"])
    url = reverse("admin:accounts_user_add")
    form = {"username": "new_a", "name": "新同事", "email": "new@example.cn",
            "password1": "Zh3ngGai-2027!", "password2": "Zh3ngGai-2027!", "usable_password": "true"}
    refused = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 200
    response = client.post(url, form, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and not User.objects.filter(username="new_a").exists()
    assert "否则您将看不到" in response.content.decode()
    # Another county's unit is not a choice.
    response = client.post(url, {**form, "unit": d["unit_b"].pk})
    assert response.status_code == 200 and not User.objects.filter(username="new_a").exists()
    response = client.post(url, {**form, "unit": d["unit_a"].pk})
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = User.objects.get(username="new_a")
    assert Membership.objects.filter(user=created, unit=d["unit_a"]).exists()
    assert User.objects.restrict(d["admin_a"]).filter(pk=created.pk).exists()


def test_only_a_superuser_grants_superuser_status(deployment):
    d = deployment
    client = Client()
    client.force_login(d["admin_a"])
    page = client.get(reverse("admin:accounts_user_change", args=[d["staff_a"].pk]))
    assert page.status_code == 200
    assert 'name="is_superuser"' not in page.content.decode()


def test_me_names_the_organisations_and_their_subtree(deployment):
    d = deployment
    client = Client()
    client.force_login(d["province_reader"])
    me = client.get(reverse("api-me")).json()
    assert [o["organisation"]["name"] for o in me["organisations"]] == ["测试省"]
    assert me["organisation_ids"] is None  # the only root: the whole deployment
    township = Organisation.objects.create(name="乙县某镇", parent=d["b"], kind=Organisation.Kind.TOWNSHIP)
    client.force_login(d["supervisor_b"])
    me = client.get(reverse("api-me")).json()
    assert set(me["organisation_ids"]) == {d["b"].pk, township.pk}
    client.force_login(d["staff_a"])
    me = client.get(reverse("api-me")).json()
    assert me["organisations"] == [] and me["organisation_ids"] == []


def test_the_organisations_api_lists_only_the_subtree(deployment):
    d = deployment
    client = Client()
    client.force_login(d["supervisor_b"])
    rows = client.get(reverse("api-organisation-list")).json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert [r["name"] for r in rows] == ["乙县"]
    assert client.get(reverse("api-organisation-detail", args=[d["a"].pk])).status_code == 404
    OrganisationMembership.objects.filter(user=d["supervisor_b"]).delete()


def test_each_person_scope_comes_from_the_one_compiled_query_with_their_own_id(deployment,
                                                                                django_assert_num_queries):
    """The scope's UNION is compiled once per process and run with each person's id: every person
    still gets their own scope, in one query each."""
    from accounts.scoping import Scope, _scope_sql, forget_scope, scope_of

    d = deployment
    for user in d.values():
        if isinstance(user, User):
            forget_scope(user)
    with django_assert_num_queries(1):
        staff_a = scope_of(d["staff_a"])
    compiled = _scope_sql.cache_info().currsize
    with django_assert_num_queries(1):
        staff_b = scope_of(d["staff_b"])
    with django_assert_num_queries(1):
        supervisor_b = scope_of(d["supervisor_b"])
    with django_assert_num_queries(1):
        loose = scope_of(d["loose"])
    assert _scope_sql.cache_info().currsize == compiled  # no new compilation for the others
    assert staff_a.unit_ids == {d["unit_a"].pk} and staff_b.unit_ids == {d["unit_b"].pk}
    assert staff_a.unit_organisation_ids == {d["a"].pk} and not staff_a.organisation_ids
    assert supervisor_b.organisation_ids == {d["b"].pk} and not supervisor_b.unit_ids
    assert loose == Scope()
    with django_assert_num_queries(0):
        assert scope_of(d["staff_a"]) is staff_a  # once per user object (a request)
