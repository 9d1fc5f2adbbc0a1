"""The audit log (accounts.models.AuditEvent): sign-ins, failed sign-ins and lockouts, evidence downloads.

Sign-ins are recorded from Django's auth signals (site and admin login forms, and the API token
endpoint, which authenticates through the same backends) and from django-axes' lockout signal;
downloads are recorded by cases.downloads. Each event carries the organisation it belongs to —
the person's, or the downloaded item's — so `AuditEvent.objects.restrict(user)` shows supervisors
the events of their organisations only.
"""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_save, pre_save

from config.client_ip import client_ip

from .models import AuditEvent, Organisation, User


def _organisation_of(user: User | None) -> int | None:
    if user is None:
        return None
    direct = user.organisation_memberships.order_by("pk").values_list("organisation_id", flat=True).first()
    if direct:
        return direct
    return user.memberships.order_by("pk").values_list("unit__organisation_id", flat=True).first()


def record(kind: str, request=None, *, user: User | None = None, username: str = "", target: str = "",
           organisation: Organisation | int | None = None) -> AuditEvent:
    organisation_id = getattr(organisation, "pk", organisation)
    if organisation_id is None:
        organisation_id = _organisation_of(user)
    meta = getattr(request, "META", {}) if request is not None else {}
    return AuditEvent.objects.create(
        kind=kind, user=user, username=(username or getattr(user, "username", ""))[:150],
        ip_address=(client_ip(request) or None) if request is not None else None,
        user_agent=meta.get("HTTP_USER_AGENT", "")[:300], channel=(getattr(request, "path", "") or "")[:100],
        organisation_id=organisation_id, target=target[:300],
    )


def _logged_in(sender, request, user, **kwargs):
    record(AuditEvent.Kind.LOGIN, request, user=user)


def _login_failed(sender, credentials, request=None, **kwargs):
    username = str((credentials or {}).get("username", ""))
    user = User.objects.filter(username=username).first() if username else None
    locked = getattr(request, "axes_locked_out", False)
    record(AuditEvent.Kind.LOCKED_OUT if locked else AuditEvent.Kind.LOGIN_FAILED, request, user=user,
           username=username)


def _no_history_for_last_login(sender, instance, update_fields=None, **kwargs):
    # Each sign-in saves `last_login` alone; that is the audit log's business, not a change to the
    # person, so django-simple-history skips it (it honours skip_history_when_saving).
    if update_fields and set(update_fields) <= {"last_login"}:
        instance.skip_history_when_saving = True


def _after_save(sender, instance, **kwargs):
    instance.__dict__.pop("skip_history_when_saving", None)


def connect() -> None:
    pre_save.connect(_no_history_for_last_login, sender=User, dispatch_uid="accounts.audit.no_history_last_login")
    # Connected after simple-history's own post_save receiver, so it runs after that has looked.
    post_save.connect(_after_save, sender=User, dispatch_uid="accounts.audit.after_save")
    user_logged_in.connect(_logged_in, dispatch_uid="accounts.audit.logged_in")
    user_login_failed.connect(_login_failed, dispatch_uid="accounts.audit.login_failed")
