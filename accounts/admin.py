from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .admin_history import ReadableHistoryAdmin, membership_changes, role_name
from .admin_scoping import RestrictedAdminMixin, ScopedChoicesMixin
from .models import AuditEvent, Membership, Organisation, OrganisationMembership, Unit, User


class MembershipInline(ScopedChoicesMixin, admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["unit"]


class OrganisationMembershipInline(ScopedChoicesMixin, admin.TabularInline):
    model = OrganisationMembership
    extra = 0
    autocomplete_fields = ["organisation"]


class UserCreationForm(AdminUserCreationForm):
    """A new account is placed at once where its creator reaches, so nobody creates a person
    they then cannot see: a unit (as its liaison) or an organisation (as its 整改办). Someone
    who reads the whole deployment may leave both empty."""

    unit = forms.ModelChoiceField(label=capfirst(_("unit")), queryset=Unit.objects.none(), required=False,
                                  help_text=_("The person becomes this unit's rectification liaison."))
    organisation = forms.ModelChoiceField(
        label=capfirst(_("organisation")), queryset=Organisation.objects.none(), required=False,
        help_text=_("The person joins this organisation's rectification office (整改办)."),
    )

    def __init__(self, *args, creator=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.creator = creator
        self.fields["unit"].queryset = Unit.objects.restrict(creator, "change").filter(is_active=True)
        self.fields["organisation"].queryset = Organisation.objects.supervised_by(creator).filter(is_active=True)

    def clean(self):
        cleaned = super().clean()
        placed = cleaned.get("unit") or cleaned.get("organisation")
        if not placed and not (self.creator and self.creator.scope.everything):
            raise forms.ValidationError(
                _("Choose the unit or the organisation the new person works for: otherwise you could not see them.")
            )
        return cleaned

    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            self.save_placement(user)
        return user

    def save_placement(self, user):
        if self.cleaned_data.get("unit"):
            Membership.objects.get_or_create(user=user, unit=self.cleaned_data["unit"])
        if self.cleaned_data.get("organisation"):
            OrganisationMembership.objects.get_or_create(user=user, organisation=self.cleaned_data["organisation"])


@admin.register(User)
class UserAdmin(RestrictedAdminMixin, DjangoUserAdmin, ReadableHistoryAdmin):
    """People, scoped like everything else (accounts.scoping.UserQuerySet). Only a superuser
    grants superuser status or single permissions; everyone else assigns role groups."""

    add_form = UserCreationForm
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
        (_("Where the person works"), {"classes": ["wide"], "fields": ["unit", "organisation"]}),
    ]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            creator = request.user

            class BoundCreationForm(form):
                def __init__(self, *args, **kw):
                    super().__init__(*args, creator=creator, **kw)

            return BoundCreationForm
        return form

    def get_inline_instances(self, request, obj=None):
        # The add page places the person with its own two fields; memberships are edited after.
        return super().get_inline_instances(request, obj) if obj is not None else []

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change and hasattr(form, "save_placement"):
            form.save_placement(obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions"]
        return readonly

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("roles"))
    def role_list(self, obj):
        return ", ".join(role_name(g.name) for g in obj.groups.all())

    # The person's history page also lists the changes of their unit and organisation memberships
    # (edited inline here, so they have no history page of their own).
    object_history_template = "admin/accounts/user/object_history.html"

    def render_history_view(self, request, template, context, **kwargs):
        if context.get("object") is not None:
            context["membership_changes"] = membership_changes(context["object"])
        return super().render_history_view(request, template, context, **kwargs)



@admin.register(Organisation)
class OrganisationAdmin(RestrictedAdminMixin, ReadableHistoryAdmin):
    list_display = ["name", "short_name", "kind", "parent", "email", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
    readonly_fields = ["path"]
    inlines = [OrganisationMembershipInline]


@admin.register(Unit)
class UnitAdmin(RestrictedAdminMixin, ReadableHistoryAdmin):
    list_display = ["name", "organisation", "short_name", "parent", "kind", "email", "head", "is_active"]
    list_filter = ["kind", "is_active", ("organisation", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "short_name", "organisation__name"]
    autocomplete_fields = ["organisation", "parent", "head"]
    list_select_related = ["organisation", "parent", "head"]
    inlines = [MembershipInline]
    readonly_fields = ["path"]


@admin.register(AuditEvent)
class AuditEventAdmin(RestrictedAdminMixin, admin.ModelAdmin):
    """The audit log, read-only: supervisors filter their organisations' sign-ins and downloads."""

    list_display = ["at", "kind", "username", "user", "ip_address", "target", "organisation", "channel"]
    list_filter = ["kind", ("at", admin.DateFieldListFilter), ("organisation", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["username", "user__name", "ip_address", "target"]
    list_select_related = ["user", "organisation"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

# django-axes' pages, with labels in the interface language (accounts.lockout_admin).
from . import lockout_admin  # noqa: E402,F401
