"""API tokens expire (API_TOKEN_TTL_DAYS), die with a password change, and can be listed and
revoked by their owner, in the API and on a page."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.conftest import error_of

PASSWORD = "pw-test-123"


def _token(user) -> str:
    response = APIClient().post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _client(key, language="zh-hans"):
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_expires_and_a_new_one_is_issued(staff, settings):
    settings.API_TOKEN_TTL_DAYS = 30
    key = _token(staff)
    assert _client(key).get("/api/v1/me/").status_code == 200
    Token.objects.filter(key=key).update(created=timezone.now() - datetime.timedelta(days=31))
    response = _client(key).get("/api/v1/me/")
    assert response.status_code == 401
    error = error_of(response)
    assert error["code"] == "token_expired" and "已过期" in error["message"]
    fresh = _token(staff)
    assert fresh != key and _client(fresh).get("/api/v1/me/").status_code == 200


def test_no_expiry_when_the_setting_is_zero(staff, settings):
    settings.API_TOKEN_TTL_DAYS = 0
    key = _token(staff)
    Token.objects.filter(key=key).update(created=timezone.now() - datetime.timedelta(days=3650))
    assert _client(key).get("/api/v1/me/").status_code == 200


@pytest.mark.parametrize("how", ["set_password", "admin"])
def test_a_password_change_revokes_the_token(client, staff, rectify_admin, how):
    key = _token(staff)
    if how == "set_password":
        staff.set_password("a-new-password-456")
        staff.save()
    else:
        client.force_login(rectify_admin)
        response = client.post(reverse("admin:auth_user_password_change", args=[staff.pk]), {
            "password1": "a-new-password-456", "password2": "a-new-password-456", "usable_password": "true"})
        assert response.status_code == 302
    assert error_of(_client(key).get("/api/v1/me/"))["code"] == "authentication_failed"
    assert not Token.objects.filter(user=staff).exists()


def test_other_saves_keep_the_token(staff):
    key = _token(staff)
    staff.name = "新名字"
    staff.save()
    assert _client(key).get("/api/v1/me/").status_code == 200


def test_list_and_revoke_in_the_api(staff, other_staff):
    key = _token(staff)
    _token(other_staff)
    body = _client(key).get("/api/v1/auth/token/").json()
    assert len(body["tokens"]) == 1
    listed = body["tokens"][0]
    assert listed["key_start"] == key[:6] and listed["current"] is True and listed["expires"]
    assert key not in str(body)
    assert _client(key).delete("/api/v1/auth/token/").status_code == 204
    assert _client(key).get("/api/v1/me/").status_code == 401
    assert Token.objects.filter(user=other_staff).exists()


def test_list_and_revoke_on_the_page(client, staff):
    key = _token(staff)
    client.force_login(staff)
    page = client.get("/accounts/tokens/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "API 令牌" in page and key[:6] in page and key not in page
    response = client.post("/accounts/tokens/", follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "已撤销" in response.content.decode()
    assert not Token.objects.filter(user=staff).exists()


def test_the_page_needs_a_sign_in(client):
    response = client.get("/accounts/tokens/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_expired_token_cannot_download_evidence(staff, measure, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases import services

    progress = services.log_progress(measure=measure, by=staff, note="x",
                                     files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n")])
    key = _token(staff)
    issued = timezone.now() - datetime.timedelta(days=settings.API_TOKEN_TTL_DAYS + 1)
    Token.objects.filter(key=key).update(created=issued)
    response = _client(key).get(f"/evidence/{progress.evidence.get().pk}/")
    assert response.status_code == 401 and error_of(response)["code"] == "token_expired"
