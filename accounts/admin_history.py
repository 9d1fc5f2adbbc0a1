"""The admin's history pages (django-simple-history), in the interface language.

Each change is listed as field: old → new, with the field's translated name and values as people
read them: a choice by its label, yes/no for a flag, "—" for nothing, a related row by its name.
Every admin of a model with history uses `ReadableHistoryAdmin`.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.db.models import ManyToManyField
from django.utils import translation
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper


class ReadableChanges(HistoricalRecordContextHelper):
    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if isinstance(field, ManyToManyField):
            items = super().prepare_delta_change_value(change, value)
            ids = [item for item in items if not hasattr(item, "pk")]
            related = field.related_model._default_manager.in_bulk(ids) if ids else {}
            return "、".join(str(item if hasattr(item, "pk") else related.get(item, item)) for item in items) or "—"
        if value is None or value == "":
            return "—"
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        return value


class ReadableHistoryAdmin(SimpleHistoryAdmin):
    """History pages with changes as people read them (reverting stays off: SIMPLE_HISTORY_REVERT_DISABLED)."""

    def construct_change_message(self, request, form, formsets, add=False):
        """Django's admin log, with each changed field named by its model field's own (translatable)
        name: Django stores the form label, capitalised ("Sign-offs required"), which no catalogue
        holds, so the log read "已修改Sign-offs required。"."""
        message = super().construct_change_message(request, form, formsets, add)
        names = {}
        with translation.override(None):
            for name in getattr(form, "changed_data", []):
                try:
                    field = self.model._meta.get_field(name)
                except FieldDoesNotExist:
                    continue
                label = form.fields[name].label if name in form.fields else None
                if label is not None:
                    names[str(label)] = str(getattr(field, "verbose_name", name))
        for entry in message:
            changed = entry.get("changed")
            if changed and "fields" in changed and "name" not in changed:
                changed["fields"] = [names.get(label, label) for label in changed["fields"]]
        return message

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableChanges(self.model, historical_record)
