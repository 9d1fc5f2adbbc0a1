"""Sign-off chains and their steps, and the extension requests, in the admin."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin_history import ReadableHistoryAdmin
from accounts.admin_scoping import RestrictedAdminMixin, ScopedChoicesMixin

from .models import ExtensionRequest, SignoffChain, SignoffStep


class SignoffStepInline(ScopedChoicesMixin, admin.TabularInline):
    model = SignoffStep
    fields = ["position", "title", "signer", "people"]
    autocomplete_fields = ["people"]
    extra = 0
    ordering = ["position"]


@admin.register(SignoffChain)
class SignoffChainAdmin(RestrictedAdminMixin, ReadableHistoryAdmin):
    # Who may sign off is a setting: its history page shows each change old → new.
    list_display = ["name", "is_default", "evidence", "step_list", "case_count"]
    list_filter = ["is_default", "evidence"]
    search_fields = ["name"]
    inlines = [SignoffStepInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("steps")

    @admin.display(description=_("steps"))
    def step_list(self, obj):
        return " → ".join(s.title for s in sorted(obj.steps.all(), key=lambda s: s.position)) or "—"

    @admin.display(description=_("cases"))
    def case_count(self, obj):
        return obj.cases.count()


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    """Read-only here: requests and decisions go through the item page and the API, which log them."""

    list_display = ["measure", "requested_by", "requested_at", "current_deadline", "proposed_deadline", "status",
                    "decided_by", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["measure", "requested_by", "decided_by"]
    search_fields = ["measure__text", "reason"]
    readonly_fields = [f.name for f in ExtensionRequest._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
