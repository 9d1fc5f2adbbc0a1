"""Admin pages of the urging ladder, the notification channels and the letters (scoped)."""

from django import forms
from django.contrib import admin
from django.db import models

from accounts.admin_scoping import RestrictedAdminMixin, ScopedChoicesMixin

from ..models import NotificationChannel
from .models import Ladder, LadderLevel, Letter, LetterDelivery


class LadderLevelInline(ScopedChoicesMixin, admin.TabularInline):
    model = LadderLevel
    extra = 0
    fields = ["rank", "name", "threshold_days", "colour", "to_liaison", "to_unit_head", "to_lead_leader",
              "to_principal_leader", "copy_to", "document", "reply_days"]
    # Eleven columns fit a 1366 px screen only with narrow inputs: a default textarea (40 × 10)
    # and 20-character text boxes pushed the table past the window.
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 22})},
        models.CharField: {"widget": forms.TextInput(attrs={"size": 10})},
        models.IntegerField: {"widget": forms.NumberInput(attrs={"style": "width: 5em"})},
        models.PositiveSmallIntegerField: {"widget": forms.NumberInput(attrs={"style": "width: 4em"})},
    }


@admin.register(Ladder)
class LadderAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "organisation"]
    inlines = [LadderLevelInline]


@admin.register(NotificationChannel)
class NotificationChannelAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "kind", "unit", "user", "is_active"]
    list_filter = ["kind", "is_active"]
    fields = ["kind", "name", "unit", "user", "address", "secret", "is_active"]
    autocomplete_fields = ["unit", "user"]


class LetterDeliveryInline(admin.TabularInline):
    """Each message of the letter and how it went (read-only: the outbox writes these)."""

    model = LetterDelivery
    extra = 0
    can_delete = False
    fields = readonly_fields = ("recipient_email", "channel", "status", "attempts", "sent_at", "error")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Letter)
class LetterAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    inlines = [LetterDeliveryInline]
    list_display = ["number", "unit", "document", "issued_on", "reply_by", "state"]
    list_filter = ["state", "document"]
    search_fields = ["number", "unit__name"]
    readonly_fields = [f.name for f in Letter._meta.fields]
    filter_horizontal = ()

    def has_add_permission(self, request):
        return False  # letters are issued by the ladder or by a supervisor, numbered by the service
