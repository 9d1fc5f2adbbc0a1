"""Every error has one shape, {"error": {status, code, message, fields}}, in Chinese when asked."""

from __future__ import annotations

import pytest
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from tests.api.conftest import error_of


def test_400_field_errors(staff_api, measure):
    response = staff_api.post(f"/api/v1/measures/{measure.pk}/transition/", {}, format="json")
    error = error_of(response)
    assert response.status_code == 400 and error["code"] == "invalid"
    assert error["fields"]["to_state"] == ["该字段是必填项。"]


def test_400_from_a_service_rule_in_chinese(staff_api, measure):
    error = error_of(staff_api.post(f"/api/v1/measures/{measure.pk}/transition/", {"to_state": "completed"},
                                    format="json"))
    assert error == {"status": 400, "code": "illegal_transition", "fields": {},
                     "message": "整改措施不能从“未启动”变为“已销号”。"}


def test_the_same_error_in_english_when_asked(client_for, staff, measure):
    error = error_of(client_for(staff, "en").post(f"/api/v1/measures/{measure.pk}/transition/",
                                                  {"to_state": "completed"}, format="json"))
    assert error["message"] == "A measure cannot go from “Not started” to “Completed”."


@pytest.mark.parametrize("language,message", [("zh-hans", "身份认证信息未提供。"),
                                              ("en", "Authentication credentials were not provided.")])
def test_401_in_the_language_asked_for(client_for, language, message):
    response = client_for(None, language).get("/api/v1/measures/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert error_of(response) == {"status": 401, "code": "not_authenticated", "message": message, "fields": {}}


def test_401_for_a_wrong_token(client_for):
    client = client_for()
    client.credentials(HTTP_AUTHORIZATION="Token nonsense")
    assert error_of(client.get("/api/v1/me/"))["code"] == "authentication_failed"


def test_403(staff_api, measure):
    response = staff_api.post(f"/api/v1/measures/{measure.pk}/deadline/", {"deadline": "2027-01-01", "reason": "x"},
                              format="json")
    error = error_of(response)
    assert response.status_code == 403 and error["code"] == "permission_denied"
    assert "督导" in error["message"]  # the services catalogue (locale/core) translates it


def test_404_never_names_the_model(staff_api):
    response = staff_api.get("/api/v1/measures/999999/")
    assert error_of(response) == {"status": 404, "code": "not_found", "message": "未找到。", "fields": {}}


def test_404_for_an_unknown_address(staff_api):
    response = staff_api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    assert error_of(response)["message"] == "API 中没有这个地址。"


def test_405(staff_api, measure):
    response = staff_api.delete(f"/api/v1/measures/{measure.pk}/")
    assert response.status_code == 405 and error_of(response)["code"] == "method_not_allowed"


def test_409_and_412(staff_api, measure):
    conflict = staff_api.post(f"/api/v1/measures/{measure.pk}/progress/", {"note": "x", "version": 5}, format="json")
    assert conflict.status_code == 409 and error_of(conflict)["code"] == "version_conflict"
    assert "版本" in error_of(conflict)["message"]
    failed = staff_api.post(f"/api/v1/measures/{measure.pk}/progress/", {"note": "x"}, format="json",
                            HTTP_IF_MATCH='"5"')
    assert failed.status_code == 412 and error_of(failed)["code"] == "precondition_failed"


def test_415(staff_api, measure):
    response = staff_api.post(f"/api/v1/measures/{measure.pk}/transition/", "to_state=x",
                              content_type="text/plain")
    assert response.status_code == 415 and error_of(response)["code"] == "unsupported_media_type"


def test_malformed_json_is_a_400(staff_api, measure):
    response = staff_api.post(f"/api/v1/measures/{measure.pk}/transition/", "{nope", content_type="application/json")
    assert response.status_code == 400 and error_of(response)["code"] == "parse_error"


def test_token_endpoint_is_throttled_with_429(client_for, staff, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {**api_settings.DEFAULT_THROTTLE_RATES, "auth": "3/min"})
    client = client_for()
    for _ in range(3):
        refused = client.post("/api/v1/auth/token/", {"username": staff.username, "password": "wrong"}, format="json")
        assert refused.status_code == 400
        assert error_of(refused)["code"] == "authorization"
    response = client.post("/api/v1/auth/token/", {"username": staff.username, "password": "pw-test-123"},
                           format="json")
    error = error_of(response)
    assert response.status_code == 429 and error["code"] == "throttled"
    assert int(response.headers["Retry-After"]) > 0
    assert "请求" in error["message"]


def test_default_auth_rate_is_configured():
    assert api_settings.DEFAULT_THROTTLE_RATES["auth"]


def test_an_id_too_large_for_the_database_is_a_400_not_a_crash(supervisor_api):
    response = supervisor_api.get("/api/v1/measures/?lead_unit=129641041183614302539337672050090596791")
    assert response.status_code == 400
    assert "lead_unit" in error_of(response)["fields"]


def test_a_lost_database_connection_is_a_clean_503(client, supervisor, monkeypatch):
    from django.db import OperationalError

    from cases.api import views

    def unreachable(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1 failed")

    monkeypatch.setattr(views.MeasureViewSet, "list", unreachable)
    client.force_login(supervisor)
    response = client.get("/api/v1/measures/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "database_unavailable"
    assert "数据库" in response.json()["error"]["message"]


def test_an_unexpected_error_is_a_500_in_the_error_shape(client, supervisor, monkeypatch):
    from cases.api import views

    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(views.MeasureViewSet, "list", broken)
    client.raise_request_exception = False
    client.force_login(supervisor)
    response = client.get("/api/v1/measures/")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
