"""The one admin mixin of the scoping rule (accounts.scoping): every scoped ModelAdmin uses it.

Lists, counts, change pages, history, autocomplete, delete and the choices of every foreign-key
and many-to-many field go through `Model.objects.restrict(user, action)`.
"""

from __future__ import annotations

from django.contrib.admin.utils import unquote
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.http import Http404


def _restrictable(model) -> bool:
    return hasattr(model._default_manager.all(), "restrict")


class ScopedChoicesMixin:
    """The choices of every foreign-key and many-to-many field, scoped to the user: a hidden row
    is neither offered nor accepted when posted by id. For ModelAdmins (through
    `RestrictedAdminMixin`) and for every inline, whose fields Django builds on their own."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and _restrictable(db_field.related_model):
            kwargs["queryset"] = db_field.related_model._default_manager.all().restrict(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and _restrictable(db_field.related_model):
            kwargs["queryset"] = db_field.related_model._default_manager.all().restrict(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class RestrictedAdminMixin(ScopedChoicesMixin):
    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user)

    def _reaches(self, request, obj, action: str) -> bool:
        if obj is None:
            return True
        return self.model._default_manager.all().restrict(request.user, action).filter(pk=obj.pk).exists()

    def history_view(self, request, object_id, extra_context=None):
        # A hidden object answers exactly as a missing one: 404, never 403 or a redirect.
        # (Only a whole-deployment reader still sees the history of a deleted row.)
        if not request.user.is_superuser and not _exists(self.get_queryset(request), unquote(object_id)):
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._reaches(request, obj, "view")

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._reaches(request, obj, "change")

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._reaches(request, obj, "delete")


def _exists(queryset, pk) -> bool:
    try:
        return queryset.filter(pk=pk).exists()
    except (ValueError, TypeError, OverflowError, ValidationError):
        return False


def view_on_site(request, content_type_id, object_id):
    """The admin's "view on site" redirect (/admin/r/<type>/<id>/), scoped: an object the user may
    not see is a 404, exactly like one that does not exist, before Django looks it up unscoped."""
    try:
        model = ContentType.objects.get(pk=content_type_id).model_class()
    except ContentType.DoesNotExist:
        model = None
    if model is None:
        raise Http404
    queryset = model._default_manager.all()
    if _restrictable(model):
        queryset = queryset.restrict(request.user)
    elif not (request.user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")
              or request.user.has_perm(f"{model._meta.app_label}.change_{model._meta.model_name}")):
        raise Http404
    if not _exists(queryset, object_id):
        raise Http404
    return contenttype_views.shortcut(request, content_type_id, object_id)
