"""People, responsible units (责任单位) and who belongs where."""

from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .tree import PathTreeModel


class Role(models.TextChoices):
    """The three groups a data migration creates; permissions hang on the groups."""

    STAFF = "staff", _("Staff")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")


class RectifyUserManager(UserManager):
    def create_user(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)  # everyone logs progress in the admin
        return super().create_user(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person. Chinese names do not split into first and last, so there is one `name`."""

    first_name = None
    last_name = None
    name = models.CharField(_("name"), max_length=100, blank=True)
    title = models.CharField(_("position"), max_length=100, blank=True, help_text=_("e.g. 区委副书记"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    objects = RectifyUserManager()

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
    def is_supervisor(self) -> bool:
        """Supervisors (and administrators) read every unit; the permission comes from the group."""
        return self.is_active and self.has_perm("cases.view_all_measures")

    @cached_property
    def unit_ids(self) -> frozenset[int]:
        """The units this person works for, with all their sub-units."""
        direct = Unit.objects.filter(memberships__user=self)
        return frozenset(Unit.objects.descendants_of(direct, include_self=True).values_list("pk", flat=True))


class UnitQuerySet(models.QuerySet):
    def descendants_of(self, units, include_self: bool = True) -> UnitQuerySet:
        """Units below any of `units` in the tree (one query through the path prefix)."""
        paths = list(units.values_list("path", flat=True)) if hasattr(units, "values_list") else [u.path for u in units]
        if not paths:
            return self.none()
        condition = Q()
        for path in paths:
            condition |= Q(path__startswith=path) if include_self else Q(path__startswith=path) & ~Q(path=path)
        return self.filter(condition)

    def visible_to(self, user) -> UnitQuerySet:
        """Unit names are not confidential: everyone signed in may pick any unit."""
        if not user.is_authenticated:
            return self.none()
        return self


class Unit(PathTreeModel):
    """A responsible unit (责任单位): a department, township, enterprise… arranged in a tree."""

    class Kind(models.TextChoices):
        PARTY = "party", _("Party organ")
        GOVERNMENT = "government", _("Government department")
        TOWNSHIP = "township", _("Township / subdistrict")
        ENTERPRISE = "enterprise", _("State enterprise")
        INSTITUTION = "institution", _("Public institution")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
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

    class Meta:
        verbose_name = _("responsible unit")
        verbose_name_plural = _("responsible units")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.clean()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.pk and self.parent_id and f"/{self.pk}/" in f"{self.parent.path}{self.parent_id}/":
            raise ValidationError({"parent": _("A unit cannot be placed under itself.")})


class Membership(models.Model):
    """A person working for a unit, with the role they hold there."""

    class UnitRole(models.TextChoices):
        LIAISON = "liaison", _("Rectification liaison")
        HEAD = "head", _("Unit head")
        MEMBER = "member", _("Member")

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role in unit"), max_length=20, choices=UnitRole.choices, default=UnitRole.LIAISON)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="membership_unique_user_unit")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.unit} ({self.get_role_display()})"
