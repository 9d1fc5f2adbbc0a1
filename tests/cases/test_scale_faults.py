"""A database connection lost in the middle of a write leaves nothing half-written."""

from __future__ import annotations

import psycopg
import pytest
from django.db import DatabaseError, InterfaceError, connection

from cases import services
from cases.models import Measure, ProgressUpdate
from cases.states import State


def _kill_own_backend_before(table: str):
    """An execute wrapper that terminates this connection's server process just before the
    first statement touching `table`: the transaction has already changed the measure."""
    settings = connection.settings_dict
    dsn = f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} user={settings['USER']} " \
          f"dbname={settings['NAME']}" + (f" password={settings['PASSWORD']}" if settings["PASSWORD"] else "")

    def wrapper(execute, sql, params, many, context):
        if table in sql and sql.lstrip().upper().startswith("INSERT"):
            pid = context["connection"].connection.info.backend_pid
            with psycopg.connect(dsn, autocommit=True) as killer:
                killer.execute("SELECT pg_terminate_backend(%s)", [pid])
        return execute(sql, params, many, context)

    return wrapper


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_killed_connection_mid_transition_leaves_no_half_write(measure, staff):
    before = Measure.objects.get(pk=measure.pk)
    with pytest.raises((DatabaseError, InterfaceError)), \
            connection.execute_wrapper(_kill_own_backend_before("cases_progressupdate")):
        services.transition_measure(measure=measure, to_state=State.IN_PROGRESS, by=staff, note="开始整改")
    connection.close()  # the broken connection; Django opens a new one on the next query
    after = Measure.objects.get(pk=measure.pk)
    assert (after.state, after.version) == (before.state, before.version)
    assert not ProgressUpdate.objects.filter(measure=measure).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_next_write_after_a_lost_connection_succeeds(measure, staff):
    with pytest.raises((DatabaseError, InterfaceError)), \
            connection.execute_wrapper(_kill_own_backend_before("cases_progressupdate")):
        services.log_progress(measure=measure, by=staff, note="第一次")
    connection.close()
    services.log_progress(measure=Measure.objects.get(pk=measure.pk), by=staff, note="第二次")
    measure.refresh_from_db()
    assert measure.version == 2
    assert list(ProgressUpdate.objects.filter(measure=measure).values_list("note", flat=True)) == ["第二次"]
