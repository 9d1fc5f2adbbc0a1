"""Who may call which endpoint, before any object is looked up.

Scoping (whose items) is `restrict(user)` in the querysets: another unit's measure is
simply not found. The rules about states and actors are enforced by `cases.services`.
These classes only refuse, up front and for every id alike, the endpoints a role never
uses, so a refusal says nothing about whether an item exists.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission


class HasPermission(BasePermission):
    """Requires one Django permission (from the user's group, see accounts/roles.py)."""

    permission: str = ""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.has_perm(self.permission))


class CanEditLedger(HasPermission):
    permission = "cases.add_measure"
    message = _("Only a supervisor may add measures or edit their ledger columns.")


class CanMoveDeadline(HasPermission):
    permission = "cases.add_deadlinechange"
    message = _("Only a supervisor may move a deadline.")
