"""Real locking and constraints: two writers at once, and what the database itself refuses."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from cases import services
from cases.models import Measure, ProgressUpdate
from cases.states import State
from tests import factories


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_transitions_one_wins_and_nothing_is_lost():
    unit = factories.UnitFactory()
    staff = factories.UserFactory(role="staff", units=[unit])
    supervisor = factories.UserFactory(role="supervisor")
    measure = factories.MeasureFactory(lead_unit=unit)
    barrier = threading.Barrier(2)
    outcomes = []

    def write(user, target):
        copy = Measure.objects.get(pk=measure.pk)  # both read version 1
        barrier.wait()
        try:
            with transaction.atomic():
                services.transition_measure(measure=copy, to_state=target, by=user, note=f"by {user}",
                                            expected_version=copy.version)
            outcomes.append("ok")
        except services.StaleMeasure:
            outcomes.append("stale")
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(staff, State.IN_PROGRESS)),
               threading.Thread(target=write, args=(supervisor, State.SUBMITTED))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["ok", "stale"]
    measure.refresh_from_db()
    assert measure.version == 2
    assert ProgressUpdate.objects.filter(measure=measure).count() == 1
    assert measure.state == ProgressUpdate.objects.get(measure=measure).to_state


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_row_claim_blocks_a_second_writer_until_commit():
    """The conditional UPDATE takes a row lock on PostgreSQL: the second writer waits, then loses."""
    import psycopg
    from django.conf import settings

    measure = factories.MeasureFactory()
    db = settings.DATABASES["default"]
    dsn = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} dbname={db['NAME']} user={db['USER']}"
    with transaction.atomic():
        Measure.objects.filter(pk=measure.pk, version=1).update(version=2)
        with psycopg.connect(dsn, autocommit=True) as other:
            other.execute("SET lock_timeout = '300ms'")
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("UPDATE cases_measure SET version = version + 1 WHERE id = %s AND version = 1",
                              [measure.pk])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"state": "done"}, "measure_state_valid"),
        ({"deadline": None}, "measure_deadline_unless_long_term"),
        ({"state": State.COMPLETED, "completed_at": None}, "measure_completed_has_time"),
    ],
)
def test_the_database_refuses_invalid_measures(changes, constraint):
    measure = factories.MeasureFactory()
    with pytest.raises(IntegrityError) as exc, transaction.atomic():
        Measure.objects.filter(pk=measure.pk).update(**changes)
    if connection.vendor == "postgresql":
        assert constraint in str(exc.value)


@pytest.mark.django_db
def test_a_deadline_change_without_reason_is_refused_by_the_database():
    from cases.models import DeadlineChange

    measure = factories.MeasureFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        DeadlineChange.objects.create(measure=measure, old_deadline=None, new_deadline=None, reason="")
