from tests.api.conftest import client_for, staff_api, supervisor_api  # noqa: F401
