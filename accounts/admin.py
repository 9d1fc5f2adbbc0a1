from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Membership, Unit, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["unit"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "name", "email", "title", "role_list", "is_active"]
    list_filter = ["groups", "is_active", "is_superuser"]
    search_fields = ["username", "name", "email", "title"]
    ordering = ["name", "username"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["name", "title", "email", "phone"]}),
        (_("Roles"), {"fields": ["groups", "is_active", "is_staff", "is_superuser"]}),
        (_("Dates"), {"classes": ["collapse"], "fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "name", "email", "groups", "password1", "password2"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("roles"))
    def role_list(self, obj):
        return ", ".join(g.name for g in obj.groups.all())

    def get_search_results(self, request, queryset, search_term):
        # Autocomplete (lead leader) is offered to anyone who edits measures; it lists names only.
        return super().get_search_results(request, queryset, search_term)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "parent", "kind", "email", "head", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["parent", "head"]
    list_select_related = ["parent", "head"]
    inlines = [MembershipInline]
    readonly_fields = ["path"]
