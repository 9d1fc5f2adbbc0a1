"""The one admin mixin of the scoping rule (accounts.scoping): every scoped ModelAdmin uses it.

Lists, counts, change pages, history, autocomplete, delete and the choices of every foreign-key
and many-to-many field go through `Model.objects.restrict(user, action)`.
"""

from __future__ import annotations


def _restrictable(model) -> bool:
    return hasattr(model._default_manager.all(), "restrict")


class RestrictedAdminMixin:
    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user)

    def _reaches(self, request, obj, action: str) -> bool:
        if obj is None:
            return True
        return self.model._default_manager.all().restrict(request.user, action).filter(pk=obj.pk).exists()

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._reaches(request, obj, "view")

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._reaches(request, obj, "change")

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._reaches(request, obj, "delete")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and _restrictable(db_field.related_model):
            kwargs["queryset"] = db_field.related_model._default_manager.all().restrict(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs and _restrictable(db_field.related_model):
            kwargs["queryset"] = db_field.related_model._default_manager.all().restrict(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)
