"""People, responsible units (责任单位) and who belongs where."""

from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .scoping import RestrictedQuerySet, Scope, scope_of
from .tree import PathTreeModel


class Role(models.TextChoices):
    """The three groups a data migration creates; permissions hang on the groups."""

    STAFF = "staff", _("Staff")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")


class UserQuerySet(RestrictedQuerySet):
    """People are reached through where they work: someone supervising an organisation reads the
    people of its subtree (its 整改办 and leaders, and the staff of its units); staff read the
    people of the organisations their units belong to (to pick a leader or a colleague). Everyone
    reads themselves. A person with no role anywhere yet is seen by whole-deployment supervisors
    (and superusers) only."""

    def scope_condition(self, scope: Scope) -> Q | None:
        if scope.everything:
            return None
        organisation_ids = set(scope.organisation_ids) | set(scope.unit_organisation_ids)
        if not organisation_ids:
            return Q()
        ids = sorted(organisation_ids)
        return Q(
            models.Exists(OrganisationMembership.objects.filter(user=models.OuterRef("pk"), organisation_id__in=ids))
        ) | Q(models.Exists(Membership.objects.filter(user=models.OuterRef("pk"), unit__organisation_id__in=ids)))

    def restrict(self, user, action: str = "view") -> UserQuerySet:
        restricted = super().restrict(user, action)
        if action == "view" and getattr(user, "is_authenticated", False) and user.is_active:
            return restricted | self.filter(pk=user.pk)
        return restricted


class RectifyUserManager(UserManager.from_queryset(UserQuerySet)):
    def create_user(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)  # everyone logs progress in the admin
        return super().create_user(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person. Chinese names do not split into first and last, so there is one `name`."""

    first_name = None
    last_name = None
    name = models.CharField(_("full name"), max_length=100, blank=True)
    title = models.CharField(_("position"), max_length=100, blank=True, help_text=_("e.g. 区委副书记"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    objects = RectifyUserManager()
    # Who may do what: role groups, active/staff/superuser, every old → new. The password hash and
    # the last login are not kept (sign-ins are in the audit log).
    history = HistoricalRecords(m2m_fields=["groups"], excluded_fields=["password", "last_login"])

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["name", "username"]
        indexes = [models.Index(fields=["name"], name="user_name_idx")]

    def __str__(self) -> str:
        return self.name or self.username

    def get_full_name(self) -> str:
        return self.name or self.username

    def get_short_name(self) -> str:
        return self.name or self.username

    @property
    def scope(self) -> Scope:
        """What this person reaches (accounts.scoping): organisations supervised, units worked for."""
        return scope_of(self)

    @property
    def is_supervisor(self) -> bool:
        """Reads whole organisations (an organisation membership, or a superuser), not only units."""
        return self.scope.supervises

    @cached_property
    def unit_ids(self) -> frozenset[int]:
        """The units this person works for, with all their sub-units."""
        return self.scope.unit_ids


class OrganisationQuerySet(RestrictedQuerySet):
    organisation_lookup = "pk"

    def unit_condition(self, unit_ids):
        # Staff see the organisations their units belong to (to know where they work).
        return Q(pk__in=Unit.objects.filter(pk__in=sorted(unit_ids)).values("organisation_id"))

    def supervised_by(self, user) -> OrganisationQuerySet:
        """The organisations `user` follows as a supervisor or leader (not through units): where
        they may open cases and import notices."""
        scope = scope_of(user)
        if scope.everything:
            return self
        return self.filter(pk__in=sorted(scope.organisation_ids))

    def default_for(self, user) -> Organisation | None:
        """Where a new case of `user` goes unless they choose: the highest organisation they
        supervise, else the organisation of their first unit."""
        found = self.supervised_by(user).filter(is_active=True).order_by("path").first()
        if found is None and user.unit_ids:
            found = self.filter(units__pk__in=sorted(user.unit_ids)).order_by("path").first()
        return found


class Organisation(PathTreeModel):
    """A body that rectifies and follows rectification: a province, a county, a department, a
    state enterprise, a township… Its cases, units and supervisors belong to it; its supervisors
    read it and every organisation below it."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County / district")
        DEPARTMENT = "department", _("Department")
        ENTERPRISE = "enterprise", _("State enterprise")
        UNIVERSITY = "university", _("University")
        TOWNSHIP = "township", _("Township / subdistrict")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(
        _("short name"), max_length=20, blank=True, help_text=_("Used in document numbers, e.g. 青整督"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.COUNTY)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent organisation"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    email = models.EmailField(_("office e-mail"), blank=True, help_text=_("The rectification office's mailbox."))
    principal_leader = models.ForeignKey(
        "accounts.User", verbose_name=_("principal leader (主要领导)"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
        help_text=_("Told of items at the urging levels that reach the principal leader."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = OrganisationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="organisation_unique_name_per_parent"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(parent__isnull=True), name="organisation_unique_root_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.clean()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.pk and self.parent_id and f"/{self.pk}/" in f"{self.parent.path}{self.parent_id}/":
            raise ValidationError({"parent": _("An organisation cannot be placed under itself.")})


class OrganisationMembership(models.Model):
    """A person's role in an organisation: its 整改办 (supervisors) or its leaders.

    Either role reads the organisation and everything below it; what the person may *do* there
    comes from their role group (staff / supervisor / admin)."""

    class OrgRole(models.TextChoices):
        SUPERVISOR = "supervisor", _("Rectification office (整改办)")
        LEADER = "leader", _("Leader")

    user = models.ForeignKey(
        "accounts.User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="organisation_memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role in organisation"), max_length=20, choices=OrgRole.choices,
                            default=OrgRole.SUPERVISOR)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation membership")
        verbose_name_plural = _("organisation memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="orgmembership_unique_user_org"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.get_role_display()})"


class UnitQuerySet(RestrictedQuerySet):
    organisation_lookup = "organisation"

    def unit_condition(self, unit_ids):
        # Unit names are not confidential within an organisation: staff may pick any unit of the
        # organisations their units belong to, and nothing of another organisation.
        return Q(organisation_id__in=Unit.objects.filter(pk__in=sorted(unit_ids)).values("organisation_id"))

    def descendants_of(self, units, include_self: bool = True) -> UnitQuerySet:
        """Units below any of `units` in the tree (one query through the path prefix)."""
        paths = list(units.values_list("path", flat=True)) if hasattr(units, "values_list") else [u.path for u in units]
        if not paths:
            return self.none()
        condition = Q()
        for path in paths:
            condition |= Q(path__startswith=path) if include_self else Q(path__startswith=path) & ~Q(path=path)
        return self.filter(condition)


class Unit(PathTreeModel):
    """A responsible unit (责任单位): a department, township, enterprise… arranged in a tree."""

    class Kind(models.TextChoices):
        PARTY = "party", _("Party organ")
        GOVERNMENT = "government", _("Government department")
        TOWNSHIP = "township", _("Township / subdistrict")
        ENTERPRISE = "enterprise", _("State enterprise")
        INSTITUTION = "institution", _("Public institution")
        OTHER = "other", _("Other")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="units"
    )
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.GOVERNMENT)
    email = models.EmailField(_("digest e-mail"), blank=True, help_text=_("Receives the weekly digest of the unit."))
    head = models.ForeignKey(
        "accounts.User", verbose_name=_("unit head"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="headed_units",
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = UnitQuerySet.as_manager()
    history = HistoricalRecords()  # the head, the organisation, the tree: old → new

    class Meta:
        verbose_name = _("responsible unit")
        verbose_name_plural = _("responsible units")
        ordering = ["path"]
        constraints = [
            # A second county has its own 县财政局: names are unique within an organisation only.
            models.UniqueConstraint(fields=["organisation", "name"], name="unit_unique_name_per_organisation"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if self.organisation_id is None and self.parent_id:
            self.organisation_id = self.parent.organisation_id  # a sub-unit works in its parent's
        self.clean()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.pk and self.parent_id and f"/{self.pk}/" in f"{self.parent.path}{self.parent_id}/":
            raise ValidationError({"parent": _("A unit cannot be placed under itself.")})
        if self.parent_id and self.organisation_id and self.parent.organisation_id != self.organisation_id:
            raise ValidationError({"parent": _("The parent unit belongs to another organisation.")})


class Membership(models.Model):
    """A person working for a unit, with the role they hold there."""

    class UnitRole(models.TextChoices):
        LIAISON = "liaison", _("Rectification liaison")
        HEAD = "head", _("Unit head")
        MEMBER = "member", _("Member")

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role in unit"), max_length=20, choices=UnitRole.choices, default=UnitRole.LIAISON)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="membership_unique_user_unit")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.unit} ({self.get_role_display()})"


class AuditEventQuerySet(RestrictedQuerySet):
    """Supervisors read the events of their organisations (and those below); staff read none."""

    organisation_lookup = "organisation"


class AuditEvent(models.Model):
    """One sign-in (successful or not) or one evidence download: who, when, from where, what.

    Written by accounts.audit only; read-only in the admin, where supervisors filter it.
    """

    class Kind(models.TextChoices):
        LOGIN = "login", _("signed in")
        LOGIN_FAILED = "login_failed", _("sign-in failed")
        LOCKED_OUT = "locked_out", _("sign-in locked out")
        EVIDENCE_DOWNLOAD = "evidence_download", _("evidence downloaded")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("event"), max_length=30, choices=Kind.choices)
    user = models.ForeignKey(User, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="audit_events")
    username = models.CharField(_("login name"), max_length=150, blank=True,
                                help_text=_("As typed, also when no such user exists."))
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser or client"), max_length=300, blank=True)
    channel = models.CharField(_("through"), max_length=100, blank=True, help_text=_("e.g. /accounts/login/"))
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    target = models.CharField(_("object"), max_length=300, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["organisation", "kind", "at"], name="audit_org_kind_at_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.username or self.user_id} · {self.at:%Y-%m-%d %H:%M}"
