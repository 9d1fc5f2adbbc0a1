"""A "created" history record for every row that has none.

Rows inserted in bulk by code that wrote no history, or that existed before their model's
history was kept, have no record to start their history page from. `backfill_history` writes
one ("+", dated by the row's own creation time where it has one) for each such row of every
model kept by django-simple-history, with its many-to-many rows (a measure's supporting units,
a person's role groups), in batches. It is idempotent: rows that have a record are left alone,
so `make migrate` runs it every time (`manage.py backfill_history`).
"""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.db.models import Exists, Model, OuterRef
from django.utils import timezone
from simple_history.models import HistoricalRecords
from simple_history.utils import get_m2m_field_name

REASON = "backfill"
_CREATED_FIELDS = ("created_at", "date_joined")


def tracked_models() -> list[type[Model]]:
    """Every model whose changes simple-history keeps."""
    return [model for model in apps.get_models()
            if getattr(model._meta, "simple_history_manager_attribute", None)]


def missing_history(model):
    """The rows of `model` with no history record at all."""
    history_model = getattr(model, model._meta.simple_history_manager_attribute).model
    pk = model._meta.pk.attname
    return model._default_manager.filter(~Exists(history_model.objects.filter(**{pk: OuterRef("pk")})))


def backfill_history(*, batch_size: int = 2000) -> dict[str, int]:
    """Write the missing "created" records; returns the count written per model label."""
    written: dict[str, int] = {}
    for model in tracked_models():
        batch: list = []
        count = 0
        for instance in missing_history(model).order_by("pk").iterator(chunk_size=batch_size):
            batch.append(instance)
            if len(batch) >= batch_size:
                count += _write(model, batch)
                batch = []
        if batch:
            count += _write(model, batch)
        if count:
            written[model._meta.label] = count
    return written


@transaction.atomic
def _write(model, instances: list) -> int:
    manager = getattr(model, model._meta.simple_history_manager_attribute)
    now = timezone.now()
    created = next((name for name in _CREATED_FIELDS if _has_field(model, name)), None)
    for instance in instances:
        instance._history_date = (getattr(instance, created) if created else None) or now
    records = manager.bulk_history_create(instances, default_change_reason=REASON, default_date=now)
    history_of = {getattr(r, model._meta.pk.attname): r.history_id for r in records}
    if not all(history_of.values()):  # a database that returns no ids from a bulk insert
        history_of = dict(manager.model.objects.filter(
            **{f"{model._meta.pk.attname}__in": list(history_of)}, history_change_reason=REASON,
        ).values_list(model._meta.pk.attname, "history_id"))
    for field in manager.model._history_m2m_fields:
        _write_m2m(model, field, history_of)
    return len(records)


def _write_m2m(model, field, history_of: dict) -> None:
    m2m_history_model = HistoricalRecords.m2m_models[field]
    through = getattr(model, field.name).through
    owner = get_m2m_field_name(field)
    rows = through.objects.filter(**{f"{owner}__in": list(history_of)})
    m2m_history_model.objects.bulk_create([
        m2m_history_model(history_id=history_of[getattr(row, f"{owner}_id")],
                          **{f.attname: getattr(row, f.attname) for f in through._meta.fields})
        for row in rows
    ])


def _has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True
