"""The admin's history pages (django-simple-history), in the interface language.

Each change is listed as field: old → new, with the field's translated name and values as people
read them: a choice by its label, yes/no for a flag, "—" for nothing, a related row by its name.
Every admin of a model with history uses `ReadableHistoryAdmin`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import FieldDoesNotExist
from django.db.models import ForeignKey, ManyToManyField
from django.utils import formats, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper


def readable(field, value) -> Any:
    """One value of `field` as people read it: "—" for nothing, a choice by its label, yes/no,
    a date in the interface's format, a related row by its name (or "#id, deleted")."""
    if isinstance(value, DeletedObject):
        if value.pk is None:
            return "—"
        return _("%(model)s #%(pk)s (deleted)") % {"model": value.model._meta.verbose_name, "pk": value.pk}
    if value is None or value == "":
        return "—"
    if isinstance(value, Group):
        return role_name(value.name)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime | datetime.date):
        return formats.localize(value)
    return value


def role_name(group_name: str) -> str:
    """A role group by its role's label (the groups are named by the role's value, e.g. staff)."""
    from accounts.models import Role

    return str(dict(Role.choices).get(group_name, group_name))


class ReadableChanges(HistoricalRecordContextHelper):
    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if isinstance(field, ManyToManyField):
            items = super().prepare_delta_change_value(change, value)
            ids = [item for item in items if not hasattr(item, "pk")]
            related = field.related_model._default_manager.in_bulk(ids) if ids else {}
            return "、".join(str(readable(None, item if hasattr(item, "pk") else related.get(item, item)))
                            for item in items) or "—"
        return readable(field, value)


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

    def render_history_view(self, request, template, context, **kwargs):
        """simple-history's page, with the `history_list_display` columns headed by their fields'
        translated names and holding readable values (its own template printed the column's code
        name, e.g. lead_unit, and raw values such as in_progress)."""
        columns = list(context.get("history_list_display") or [])
        context["history_columns"] = [self._column_label(name) for name in columns]
        records = list(context["page_obj"].object_list) if "page_obj" in context else []
        related = self._related_rows(columns, records)
        for record in records:
            # (label, value) pairs: the label heads the column, and names the value on a phone.
            record.history_cells = [(label, self._cell(record, name, related))
                                    for label, name in zip(context["history_columns"], columns, strict=True)]
        return super().render_history_view(request, template, context, **kwargs)

    def _field(self, name: str):
        try:
            return self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return None

    def _column_label(self, name: str) -> str:
        method = getattr(self, name, None)
        if callable(method) and hasattr(method, "short_description"):
            return str(method.short_description)
        field = self._field(name)
        return capfirst(str(field.verbose_name)) if field is not None else _(name)

    def _related_rows(self, columns: list[str], records: list) -> dict[str, dict]:
        """The rows the foreign-key columns name, one query per column for the whole page."""
        rows: dict[str, dict] = {}
        for name in columns:
            field = self._field(name)
            if isinstance(field, ForeignKey):
                ids = {getattr(record, field.attname) for record in records} - {None}
                rows[name] = field.related_model._default_manager.in_bulk(ids)
        return rows

    def _cell(self, record, name: str, related: dict[str, dict]):
        field = self._field(name)
        if isinstance(field, ForeignKey):
            pk = getattr(record, field.attname)
            if pk is None:
                return "—"
            return related[name].get(pk) or readable(field, DeletedObject(field.related_model, pk))
        return readable(field, getattr(record, name, None))


MEMBERSHIP_CHANGES_SHOWN = 200


def membership_changes(user) -> list[dict[str, Any]]:
    """The latest changes of `user`'s unit and organisation memberships, newest first: when, what
    (created / changed / deleted), where, the role (old → new when it changed), and by whom."""
    from accounts.models import Membership, Organisation, OrganisationMembership, Unit

    rows: list[dict[str, Any]] = []
    for model, place_field, places in ((Membership, "unit_id", Unit), (OrganisationMembership, "organisation_id",
                                                                        Organisation)):
        records = list(model.history.filter(user_id=user.pk).select_related("history_user")
                       .order_by("-history_date", "-history_id")[:MEMBERSHIP_CHANGES_SHOWN])
        names = places._default_manager.in_bulk({getattr(r, place_field) for r in records})
        role_field = model._meta.get_field("role")
        # The record before each one, of the same membership, for the role's old value.
        previous: dict[int, Any] = {}
        for record in reversed(records):
            record.role_before = previous.get(record.id)
            previous[record.id] = record.role
        for record in records:
            role = readable(role_field, record.role)
            if record.history_type == "~" and record.role_before not in (None, record.role):
                role = f"{readable(role_field, record.role_before)} → {role}"
            place_id = getattr(record, place_field)
            rows.append({
                "date": record.history_date, "action": record.get_history_type_display(),
                "kind": capfirst(str(model._meta.verbose_name)),
                "place": names.get(place_id) or readable(None, DeletedObject(places, place_id)),
                "role": role, "by": record.history_user or "—",
            })
    rows.sort(key=lambda row: row["date"], reverse=True)
    return rows[:MEMBERSHIP_CHANGES_SHOWN]
