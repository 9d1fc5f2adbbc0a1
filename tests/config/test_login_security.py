"""Brute-force protection: django-axes locks a login after repeated failures (site, admin, API
token), and the client address comes only from the configured trusted proxies."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import RequestFactory
from rest_framework.settings import api_settings
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from config.client_ip import client_ip

PASSWORD = "pw-test-123"


def _fail(client, url, username, times, **extra):
    for _ in range(times):
        client.post(url, {"username": username, "password": "wrong"}, **extra)


@pytest.mark.django_db
def test_site_login_is_locked_after_the_failure_limit(client, staff):
    _fail(client, "/accounts/login/", staff.username, settings.AXES_FAILURE_LIMIT)
    response = client.post("/accounts/login/", {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_lockout_message_in_english(client, staff):
    _fail(client, "/accounts/login/", staff.username, settings.AXES_FAILURE_LIMIT, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/accounts/login/", {"username": staff.username, "password": PASSWORD},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()


@pytest.mark.django_db
def test_failures_below_the_limit_do_not_lock(client, staff):
    _fail(client, "/accounts/login/", staff.username, settings.AXES_FAILURE_LIMIT - 1)
    response = client.post("/accounts/login/", {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.django_db
def test_admin_login_is_locked_too(client, rectify_admin):
    url = f"/{settings.ADMIN_URL}login/"
    _fail(client, url, rectify_admin.username, settings.AXES_FAILURE_LIMIT)
    response = client.post(url, {"username": rectify_admin.username, "password": PASSWORD})
    assert response.status_code == 429


@pytest.mark.django_db
def test_api_token_endpoint_is_locked_in_the_error_shape(staff, monkeypatch):
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "auth": "1000/min"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    api = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert api.post("/api/v1/auth/token/", {"username": staff.username, "password": "wrong"}).status_code == 400
    # The failure that reaches the limit is already answered with the lockout.
    assert api.post("/api/v1/auth/token/", {"username": staff.username, "password": "wrong"}).status_code == 429
    response = api.post("/api/v1/auth/token/", {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 429
    body = response.json()["error"]
    assert body["code"] == "locked_out" and body["status"] == 429 and body["message"]


@pytest.mark.django_db
def test_spoofed_forwarded_for_does_not_escape_the_token_throttle(staff, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {**api_settings.DEFAULT_THROTTLE_RATES, "auth": "3/min"})
    api = APIClient()
    codes = [
        api.post("/api/v1/auth/token/", {"username": f"nobody{i}", "password": "x"},
                 HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").status_code
        for i in range(5)
    ]
    assert codes[-1] == 429, codes


def _request(remote="203.0.113.9", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_client_ip_ignores_forwarded_for_without_trusted_proxies(settings):
    settings.RECTIFY_TRUSTED_PROXIES = 0
    assert client_ip(_request(forwarded="1.2.3.4")) == "203.0.113.9"


def test_client_ip_takes_the_address_the_trusted_proxies_saw(settings):
    settings.RECTIFY_TRUSTED_PROXIES = 1
    # The client sent "1.2.3.4" itself; the one proxy appended the real address 198.51.100.7.
    assert client_ip(_request(remote="10.0.0.1", forwarded="1.2.3.4, 198.51.100.7")) == "198.51.100.7"
    settings.RECTIFY_TRUSTED_PROXIES = 2
    assert client_ip(_request(remote="10.0.0.2", forwarded="1.2.3.4, 198.51.100.7, 10.0.0.1")) == "198.51.100.7"
    assert client_ip(_request(remote="10.0.0.2", forwarded="")) == "10.0.0.2"


def test_axes_uses_the_same_client_address_function():
    from axes.helpers import get_client_ip_address

    assert settings.AXES_CLIENT_IP_CALLABLE == "config.client_ip.client_ip"
    assert get_client_ip_address(_request(forwarded="1.2.3.4")) == "203.0.113.9"
