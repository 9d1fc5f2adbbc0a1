from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .admin_scoping import RestrictedAdminMixin
from .models import Membership, Organisation, OrganisationMembership, Unit, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["unit"]


class OrganisationMembershipInline(admin.TabularInline):
    model = OrganisationMembership
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "name", "email", "title", "role_list", "is_active"]
    list_filter = ["groups", "is_active", "is_superuser"]
    search_fields = ["username", "name", "email", "title"]
    ordering = ["name", "username"]
    inlines = [OrganisationMembershipInline, MembershipInline]
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


@admin.register(Organisation)
class OrganisationAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "parent", "email", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
    readonly_fields = ["path"]
    inlines = [OrganisationMembershipInline]


@admin.register(Unit)
class UnitAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "organisation", "short_name", "parent", "kind", "email", "head", "is_active"]
    list_filter = ["kind", "is_active", ("organisation", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "short_name", "organisation__name"]
    autocomplete_fields = ["organisation", "parent", "head"]
    list_select_related = ["organisation", "parent", "head"]
    inlines = [MembershipInline]
    readonly_fields = ["path"]
