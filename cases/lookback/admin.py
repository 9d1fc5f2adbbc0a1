"""Admin: the look-back rules an office sets, and the look-backs and reminders, read-only."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from accounts.admin_scoping import RestrictedAdminMixin
from accounts.models import Organisation

from . import services
from .models import Lookback, LookbackPolicy, LookbackReminder


@admin.register(LookbackPolicy)
class LookbackPolicyAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "organisation", "case", "kind", "months_after_completion", "period", "updated_at"]
    list_filter = ["kind", "period"]
    search_fields = ["organisation__name", "case__title"]
    autocomplete_fields = ["case"]
    fields = ["organisation", "case", "kind", "months_after_completion", "period"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organisation":
            # Rules are set where one supervises, not merely where one reads.
            kwargs["queryset"] = Organisation.objects.supervised_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._replan(request, obj)

    def delete_model(self, request, obj):
        cases = self._cases_of(obj)
        super().delete_model(request, obj)
        self._replan(request, obj, cases)

    @staticmethod
    def _cases_of(obj) -> list[int]:
        """The cases a rule reaches: its case, or every case of its organisation and those below."""
        from cases.models import Case

        if obj.case_id:
            return [obj.case_id]
        return list(Case.objects.filter(organisation__path__startswith=obj.organisation.path)
                    .values_list("pk", flat=True))

    def _replan(self, request, obj, cases=None):
        result = services.plan_lookbacks(case_ids=cases if cases is not None else self._cases_of(obj))
        if result.rescheduled:
            self.message_user(request, _("%(n)s pending look-backs moved to the new due date.")
                              % {"n": result.rescheduled}, messages.INFO)


class _ReadOnly(RestrictedAdminMixin, admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Lookback)
class LookbackAdmin(_ReadOnly):
    list_display = ["measure", "due_on", "outcome", "checked_at", "by"]
    list_filter = ["outcome", ("due_on", admin.DateFieldListFilter)]
    search_fields = ["measure__text", "note", "measure__case__title", "measure__lead_unit__name"]
    list_select_related = ["measure", "by"]
    date_hierarchy = "due_on"


@admin.register(LookbackReminder)
class LookbackReminderAdmin(_ReadOnly):
    list_display = ["recipient_email", "channel", "period", "unit", "item_count", "status", "attempts", "sent_at"]
    list_filter = ["status", "period"]
    list_select_related = ["channel", "unit"]
    search_fields = ["recipient_email", "unit__name", "error"]
