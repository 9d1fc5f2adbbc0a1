"""Admin: a measure's outcome figures (read-only inline) and the list of all figures."""

from __future__ import annotations

from django.contrib import admin

from accounts.admin_scoping import RestrictedAdminMixin, ScopedChoicesMixin

from .models import OutcomeFigure


class OutcomeInline(ScopedChoicesMixin, admin.TabularInline):
    model = OutcomeFigure
    fields = ["created_at", "kind", "count", "amount", "money_unit", "amount_wan", "title", "doc_number", "source",
              "by"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutcomeFigure)
class OutcomeFigureAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "measure", "kind", "count", "amount_wan", "source", "created_at"]
    list_filter = ["kind", "source"]
    search_fields = ["title", "doc_number", "measure__text", "measure__case__title"]
    list_select_related = ["measure"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
