"""Admin: report subscriptions (who receives which report) and the deliveries, read-only."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.admin_scoping import RestrictedAdminMixin
from accounts.models import Organisation, User

from . import delivery
from .models import ReportDelivery, ReportSubscription


@admin.register(ReportSubscription)
class ReportSubscriptionAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "organisation", "case", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "organisation__name", "case__title"]
    autocomplete_fields = ["case"]
    filter_horizontal = ["recipients"]
    fields = ["name", "organisation", "case", "kind", "recipients", "extra_emails", "is_active"]
    actions = ["send_now"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organisation":
            kwargs["queryset"] = Organisation.objects.supervised_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "recipients":
            kwargs["queryset"] = User.objects.restrict(request.user).filter(is_active=True).order_by("name")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Send the last period's report now (to addresses not yet served)"))
    def send_now(self, request, queryset):
        sent = sum(delivery.send_subscription(s, today=timezone.localdate()) for s in queryset)
        self.message_user(request, ngettext("%(n)s report sent.", "%(n)s reports sent.", sent) % {"n": sent},
                          messages.SUCCESS)


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(admin.ModelAdmin):
    list_display = ["subscription", "period_start", "recipient_email", "channel", "status", "attempts", "sent_at"]
    list_select_related = ["subscription", "channel"]
    list_filter = ["status", "period_start"]
    search_fields = ["recipient_email", "subscription__name", "error"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(
            subscription__in=ReportSubscription.objects.restrict(request.user))

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
