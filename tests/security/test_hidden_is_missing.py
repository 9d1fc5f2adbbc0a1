"""In the admin, an object of another organisation or unit answers exactly as one that does not
exist: 404 for its history and for "view on site" (/admin/r/…), never 403 or a redirect."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from tests.accounts.test_access_matrix import ROLES, SECRET, _admin_models, _client, world  # noqa: F401

MISSING = 987654321


def _hidden_by_model(world):  # noqa: F811
    return {obj._meta.model: obj for obj in world["hidden"].values() if obj is not None}


@pytest.mark.parametrize("role", ROLES)
def test_history_of_a_hidden_object_is_a_404_like_a_missing_one(world, role):  # noqa: F811
    client = _client(world["people"][role])
    hidden = _hidden_by_model(world)
    checked = 0
    for model in _admin_models():
        target = hidden.get(model)
        if target is None:
            continue
        opts = model._meta
        name = f"admin:{opts.app_label}_{opts.model_name}_history"
        missing = client.get(reverse(name, args=[MISSING]))
        found = client.get(reverse(name, args=[target.pk]))
        assert (found.status_code, missing.status_code) == (404, 404), (role, opts.label)
        assert SECRET not in found.content.decode()
        checked += 1
    assert checked >= 4


@pytest.mark.parametrize("role", ROLES)
def test_view_on_site_of_a_hidden_object_is_a_404_like_a_missing_one(world, role):  # noqa: F811
    client = _client(world["people"][role])
    for obj in (world["hidden"]["case"], world["hidden"]["measure"]):
        content_type = ContentType.objects.get_for_model(obj)
        found = client.get(f"/admin/r/{content_type.pk}/{obj.pk}/")
        missing = client.get(f"/admin/r/{content_type.pk}/{MISSING}/")
        assert (found.status_code, missing.status_code) == (404, 404), (role, obj._meta.label, found.get("Location"))


def test_view_on_site_still_works_for_a_visible_object(world):  # noqa: F811
    client = _client(world["province"])
    case = world["hidden"]["case"]
    response = client.get(f"/admin/r/{ContentType.objects.get_for_model(case).pk}/{case.pk}/")
    assert response.status_code == 302 and response["Location"].endswith(case.get_absolute_url())


def test_history_still_opens_for_a_visible_object(world):  # noqa: F811
    client = _client(world["people"]["supervisor_a"])
    measure = world["measure_a2"]
    assert client.get(reverse("admin:cases_measure_history", args=[measure.pk])).status_code == 200
