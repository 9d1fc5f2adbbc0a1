"""Fixtures shared by the whole suite, and the rules for tests that need real services.

Tests marked `postgres` run only in the PostgreSQL pass (DATABASE_URL=postgres://…);
tests marked `redis` need REDIS_URL and a reachable Redis. Without them such a test
skips and says why — except under CI=true, where a missing service fails the run.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

from tests import factories
from tests.resources import IN_CI, service_missing

__all__ = ["IN_CI", "service_missing"]



def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    vendor = connection.vendor
    for item in items:
        if "postgres" in item.keywords and vendor != "postgresql":
            item.add_marker(pytest.mark.skip(
                reason="PostgreSQL-only: runs in the DATABASE_URL=postgres pass of `make test`"
            ))
        elif "redis" in item.keywords and vendor != "postgresql":
            # The embedded pass has no Redis on purpose; the services pass runs these.
            item.add_marker(pytest.mark.skip(
                reason="Redis: runs in the PostgreSQL + Redis pass of `make test`"
            ))


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    if not url:
        service_missing("REDIS_URL is not set: real Redis + Celery worker test not run")
    if not _reachable(url, 6379):
        service_missing(f"Redis at {url} is not reachable")
    return url


@pytest.fixture(autouse=True)
def _roles_after_flush(request):
    """Transactional tests flush every table afterwards. post_migrate brings back content types
    and permissions, but not the groups a data migration made, so put those back first."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    from django.contrib.auth.models import Group

    from accounts.roles import sync_groups

    if not Group.objects.exists():
        sync_groups()
    _restore_migration_rows()


def _restore_migration_rows() -> None:
    """Rows data migrations made (the default urging ladder), gone after a transactional test's flush."""
    import importlib

    from django.apps import apps

    importlib.import_module("cases.migrations.0009_default_urging_ladder").create(apps, None)


@pytest.fixture(autouse=True)
def _migration_rows_after_a_flush(request):
    """A test module that runs after a transactional one (any order: pytest-xdist deals modules
    out to workers) must still find what the migrations put in the database."""
    marker = request.node.get_closest_marker("django_db")
    if {"transactional_db", "live_server"} & set(request.fixturenames) or (marker and marker.kwargs.get("transaction")):
        return  # _roles_after_flush restores them
    if marker is None and "db" not in request.fixturenames:
        return
    request.getfixturevalue("db")
    from django.contrib.auth.models import Group

    from accounts.roles import sync_groups

    if not Group.objects.exists():
        sync_groups()
    _restore_migration_rows()


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    from cases import holidays

    cache.clear()
    # The calendar table kept in this process: a rolled-back test must not leave its rows.
    holidays.clear_process_cache()
    yield
    cache.clear()
    holidays.clear_process_cache()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language. Django's LocaleMiddleware leaves the language of
    the last request active in the thread, so a test requesting an English page would otherwise
    make the next test's commands and services speak English."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def unit(db):
    return factories.UnitFactory()


@pytest.fixture
def other_unit(db):
    return factories.UnitFactory()


@pytest.fixture
def staff(db, unit):
    return factories.UserFactory(role="staff", units=[unit])


@pytest.fixture
def other_staff(db, other_unit):
    return factories.UserFactory(role="staff", units=[other_unit])


@pytest.fixture
def supervisor(db):
    return factories.UserFactory(role="supervisor")


@pytest.fixture
def supervisor2(db):
    return factories.UserFactory(role="supervisor")


@pytest.fixture
def rectify_admin(db):
    return factories.UserFactory(role="admin")


@pytest.fixture
def case(db):
    return factories.CaseFactory()


@pytest.fixture
def measure(db, unit, case):
    return factories.MeasureFactory(lead_unit=unit, issue__case=case)


@pytest.fixture
def other_measure(db, other_unit, case):
    return factories.MeasureFactory(lead_unit=other_unit, issue__case=case)
