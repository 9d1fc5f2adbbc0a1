"""File endpoints answer errors in the API's JSON error shape; the admin's notice draft names its
file per RFC 6266; a tampered confirmation of a ledger import is a message, not a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.api.conftest import error_of

FILE_URLS = ["/api/v1/cases/{pk}/ledger.xlsx", "/api/v1/cases/{pk}/ledger.csv",
             "/api/v1/cases/{pk}/notice-draft/?format=docx", "/api/v1/cases/{pk}/notice-draft/?format=txt",
             "/api/v1/cases/{pk}/notice-draft/"]


@pytest.mark.parametrize("url", FILE_URLS)
def test_a_missing_case_is_a_json_404(client_for, supervisor, url):
    response = client_for(supervisor).get(url.format(pk=999999))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize("url", FILE_URLS)
def test_anonymous_is_a_json_401(client_for, measure, url):
    response = client_for(None).get(url.format(pk=measure.case_id))
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "not_authenticated"


@pytest.mark.parametrize("url", ["/api/v1/cases/{pk}/notice-draft/?format=docx",
                                 "/api/v1/cases/{pk}/notice-draft/?format=txt"])
def test_forbidden_is_a_json_403(client_for, staff, measure, url):
    response = client_for(staff).get(url.format(pk=measure.case_id))
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "permission_denied"


def test_staff_importing_a_ledger_gets_the_error_shape(client_for, staff, measure):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(staff).post(f"/api/v1/cases/{measure.case_id}/ledger/",
                                      {"file": SimpleUploadedFile("a.xlsx", b"PK\x03\x04")}, format="multipart")
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"


def test_the_admin_text_draft_has_an_rfc6266_filename(client, supervisor, measure):
    client.force_login(supervisor)
    response = client.get(reverse("admin:cases_case_notice_draft", args=[measure.case_id]) + "?format=txt")
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert "=?utf-8?" not in disposition.lower()
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert disposition.isascii()
    from urllib.parse import unquote

    assert unquote(disposition.split("''", 1)[1]).endswith(".txt")


@pytest.mark.parametrize("token", ["not-a-uuid", "../../etc/passwd", "1234"])
def test_a_bad_confirmation_token_is_a_clear_message(client, supervisor, measure, token):
    client.force_login(supervisor)
    url = reverse("admin:cases_case_ledger_import", args=[measure.case_id])
    response = client.post(url, {"token": token, "file_name": "台账.xlsx"}, follow=True,
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "确认信息无效" in response.content.decode()
