"""django-axes' admin pages (login attempts, failures, logs) in the interface language.

axes ships no zh-hans catalogue, so its strings are named here with gettext_noop: `make messages`
then keeps them in our catalogue (locale/security), where they are translated like our own. Two
of its columns (status, expiration) are methods without a label, so Django would show their
names in English whatever the language: the admin classes are re-registered with labels. The
rows' own names (axes writes them as English f-strings, shown in the admin's titles, breadcrumbs
and recent actions) are replaced by names in the interface language.
"""

from __future__ import annotations

import axes.admin  # noqa: F401  (registers axes' admin first, so that it can be replaced here)
from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.utils import formats, timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

# The literals axes passes to gettext in axes/admin.py and axes/models.py
# (tests/accounts/test_lockout_admin.py reads them from axes and checks each is translated).
AXES_STRINGS = (
    gettext_noop("Access Attempt"),
    gettext_noop("Access lock out"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Attempt Time"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Expires At"),
    gettext_noop("Failed Logins"),
    gettext_noop("Form Data"),
    gettext_noop("GET Data"),
    gettext_noop("HTTP Accept"),
    gettext_noop("IP Address"),
    gettext_noop("Locked Out"),
    gettext_noop("Logout Time"),
    gettext_noop("Meta Data"),
    gettext_noop("Not set"),
    gettext_noop("POST Data"),
    gettext_noop("Path"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("User Agent"),
    gettext_noop("access attempt"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
)


def _when(moment) -> str:
    if moment is None:
        return ""
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _attempt_name(self: AccessAttempt) -> str:
    return gettext("Login attempts of %(username)s since %(time)s") % {
        "username": self.username or "-", "time": _when(self.attempt_time)}


def _failure_name(self: AccessFailureLog) -> str:
    if self.locked_out:
        text = gettext("Failed login of %(username)s at %(time)s from %(address)s (locked out)")
    else:
        text = gettext("Failed login of %(username)s at %(time)s from %(address)s")
    return text % {"username": self.username or "-", "time": _when(self.attempt_time),
                   "address": self.ip_address or "-"}


def _log_name(self: AccessLog) -> str:
    return gettext("Sign-in of %(username)s at %(time)s") % {
        "username": self.username or "-", "time": _when(self.attempt_time)}


AccessAttempt.__str__ = _attempt_name
AccessFailureLog.__str__ = _failure_name
AccessLog.__str__ = _log_name


class LabelledAccessAttemptAdmin(AccessAttemptAdmin):
    @admin.display(description=_("Expires At"))
    def expiration(self, obj: AccessAttempt):
        return super().expiration(obj)

    @admin.display(description=_("Status"))
    def status(self, obj: AccessAttempt):
        return super().status(obj)


admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, LabelledAccessAttemptAdmin)
