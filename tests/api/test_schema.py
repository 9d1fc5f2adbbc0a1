"""The OpenAPI schema validates, the docs pages are served offline, and the API keeps to its schema.

schemathesis generates requests from the schema and calls the WSGI app in-process; every
response must be no server error and must match the documented status codes, content
types and bodies (the error shape included). Examples are few per operation so this stays
well under a minute; CI runs it in both passes of `make test`.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from tests import factories
from tests.security.test_no_external_urls import _external

# Examples and random fuzzing only: the boundary-value "coverage" phase alone takes minutes
# over ~30 operations, which is beyond this suite's budget.
config = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=config)
# Revoking the token would sign the fuzzer out mid-run; the exports return files, not JSON.
schema = schema.exclude(method="DELETE").exclude(path_regex=r"export\.")


def test_schema_validates(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/v1/measures/{id}/transition/" in text and "Error" in text


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_use_only_local_assets(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert _external(html) == []  # no URL of any other host (the whole site: tests/security)


@pytest.fixture
def keep_test_connection():
    """Calls go straight to the WSGI app, not through Django's test client, so do what that
    client does: keep the per-request connection cleanup from closing the test's transaction
    (with CONN_MAX_AGE set, as on PostgreSQL, it would)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_headers(db, keep_test_connection, supervisor, unit, staff):
    # Some real rows, so generated ids sometimes hit something.
    factories.MeasureFactory.create_batch(3, lead_unit=unit)
    token, _ = Token.objects.get_or_create(user=supervisor)
    return {"Authorization": f"Token {token.key}", "Accept-Language": "zh-hans"}


@schema.parametrize()
@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_api_keeps_to_its_schema(case, fuzz_headers):
    case.call_and_validate(
        headers=fuzz_headers,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
