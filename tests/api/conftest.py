"""Clients for the API tests: each signs in with a real token, as an API client would."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _fresh_throttle():
    # Throttle counters live in the cache; each test starts with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client_for(db):
    """client_for(user) → an APIClient that authenticates with the user's token (zh-hans by default)."""

    def make(user=None, language: str = "zh-hans") -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def staff_api(client_for, staff):
    return client_for(staff)


@pytest.fixture
def supervisor_api(client_for, supervisor):
    return client_for(supervisor)


def error_of(response) -> dict:
    """The error body, after checking it has the one shape every error has."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"status", "code", "message", "fields"}, body
    assert body["error"]["status"] == response.status_code
    assert body["error"]["message"]
    return body["error"]
