"""django-axes under a name in the interface language: its own app config has none, so the
admin index and breadcrumbs showed "Axes". Kept out of accounts/apps.py, where a second app
config would stop Django from choosing AccountsConfig (and its ready()) for `accounts`."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class LockoutConfig(AxesAppConfig):
    verbose_name = _("Login lockout")
