"""The API clients of tests/api, for the security tests that drive the API too."""

from tests.api.conftest import _fresh_throttle, client_for  # noqa: F401
