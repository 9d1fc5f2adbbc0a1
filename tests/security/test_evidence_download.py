"""The evidence links the API returns download with the API token; errors are the error shape."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import services
from tests.api.conftest import error_of

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def progress(staff, measure):
    return services.log_progress(measure=measure, by=staff, note="附件",
                                 files=[SimpleUploadedFile("整改报告.pdf", PDF)])


def _evidence_url(client, measure):
    body = client.get(f"/api/v1/measures/{measure.pk}/").json()
    return body["recent_progress"][0]["evidence"][0]["url"]


def test_the_link_from_the_api_downloads_with_the_token(client_for, staff, measure, progress):
    client = client_for(staff)
    url = _evidence_url(client, measure)
    response = client.get(url)
    assert response.status_code == 200, response.headers.get("Location")
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]


def test_another_units_token_gets_a_json_404(client_for, staff, other_staff, measure, progress):
    url = _evidence_url(client_for(staff), measure)
    response = client_for(other_staff).get(url)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_wrong_token_is_a_json_401_not_a_redirect(client_for, staff, measure, progress):
    url = _evidence_url(client_for(staff), measure)
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION="Token wrong")
    response = client.get(url)
    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"


def test_a_browser_without_a_session_is_sent_to_the_login(client, staff, measure, progress):
    url = f"/evidence/{progress.evidence.get().pk}/"
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(staff)
    assert client.get(url).status_code == 200
