"""Django's request limits (fields, files, body size) answer 400/413 in the API's error shape,
signed in or not: never a 500 with a traceback."""

from __future__ import annotations

import json
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.api.conftest import error_of


@pytest.fixture
def no_error_logged(caplog):
    caplog.set_level(logging.ERROR)
    yield
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info], caplog.text


def _client(user=None, language="zh-hans"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        from rest_framework.authtoken.models import Token

        token, _ = Token.objects.get_or_create(user=user)
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True])
def test_too_many_fields(no_error_logged, staff, measure, signed_in):
    client = _client(staff if signed_in else None)
    url = f"/api/v1/measures/{measure.pk}/progress/" if signed_in else "/api/v1/auth/token/"
    fields = {f"f{i}": "x" for i in range(1200)}
    response = client.post(url, fields)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "too_many_fields"
    assert "字段" in error["message"]


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True])
def test_too_many_files(no_error_logged, staff, measure, signed_in, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 5
    client = _client(staff if signed_in else None, "en")
    url = f"/api/v1/measures/{measure.pk}/progress/" if signed_in else "/api/v1/auth/token/"
    files = [SimpleUploadedFile(f"a{i}.txt", b"hello") for i in range(6)]
    response = client.post(url, {"note": "x", "files": files})
    assert response.status_code == 413
    error = error_of(response)
    assert error["code"] == "too_many_files"
    assert "5" in error["message"] and "files" in error["message"]


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize("content_type", ["application/json", "multipart"])
def test_body_over_the_limit(no_error_logged, staff, measure, signed_in, settings, content_type):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = _client(staff if signed_in else None)
    url = f"/api/v1/measures/{measure.pk}/progress/" if signed_in else "/api/v1/auth/token/"
    if content_type == "multipart":
        response = client.post(url, {"note": "长" * 2000})
    else:
        response = client.post(url, json.dumps({"note": "长" * 2000}), content_type="application/json")
    assert response.status_code == 413
    error = error_of(response)
    assert error["code"] == "request_too_large"
    assert "请求" in error["message"]


@pytest.mark.django_db
def test_the_pages_answer_400_not_500(no_error_logged, client, staff, measure):
    client.force_login(staff)
    response = client.post(f"/items/{measure.pk}/", {f"f{i}": "x" for i in range(1200)})
    assert response.status_code == 400
