"""API tokens (DRF's authtoken, one per person): they expire, and a password change revokes them.

- `API_TOKEN_TTL_DAYS` (default 30): a token older than that is refused (401 `token_expired`);
  asking `POST /api/v1/auth/token/` again issues a fresh one. 0 = tokens never expire.
- Changing a password (admin, password reset, `set_password` anywhere) deletes the person's
  token, so a leaked token dies with the password it was obtained with.
- `GET /api/v1/auth/token/` and the page /accounts/tokens/ list one's token (only its first
  characters), `DELETE` / the page's button revoke it.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

SHOWN_CHARACTERS = 6


class TokenExpired(exceptions.AuthenticationFailed):
    default_code = "token_expired"


def expires_at(token: Token) -> datetime.datetime | None:
    days = settings.API_TOKEN_TTL_DAYS
    return token.created + datetime.timedelta(days=days) if days > 0 else None


def is_expired(token: Token) -> bool:
    end = expires_at(token)
    return end is not None and end <= timezone.now()


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's `Authorization: Token <key>`, refusing a token past API_TOKEN_TTL_DAYS."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if is_expired(token):
            raise TokenExpired(_("This API token has expired; sign in again for a new one."))
        return user, token


def issue_token(user) -> Token:
    """The person's valid token, a new one if theirs has expired."""
    token = Token.objects.filter(user=user).first()
    if token is not None and is_expired(token):
        token.delete()
        token = None
    return token or Token.objects.create(user=user)


def describe(token: Token, current_key: str | None = None) -> dict:
    return {"key_start": token.key[:SHOWN_CHARACTERS], "created": token.created, "expires": expires_at(token),
            "expired": is_expired(token), "current": token.key == current_key}


def revoke_tokens(user) -> int:
    return Token.objects.filter(user=user).delete()[0]


def _remember_password(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    stored = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._rectify_password_changed = stored is not None and stored != instance.password


def _revoke_on_password_change(sender, instance, created=False, raw=False, **kwargs):
    if not raw and getattr(instance, "_rectify_password_changed", False):
        revoke_tokens(instance)
        instance._rectify_password_changed = False


def connect() -> None:
    user_model = settings.AUTH_USER_MODEL
    pre_save.connect(_remember_password, sender=user_model, dispatch_uid="accounts.tokens.remember_password")
    post_save.connect(_revoke_on_password_change, sender=user_model, dispatch_uid="accounts.tokens.revoke")
