"""django-axes' admin pages (login attempts, failures, logs) speak the interface language: axes
ships no zh-hans catalogue, so ours carries its strings, and the two columns it names after
methods get labels."""

from __future__ import annotations

import re
from pathlib import Path

import axes
import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.urls import reverse
from django.utils import translation

AXES_DIR = Path(axes.__file__).parent
# Every literal axes passes to gettext in the modules behind its admin (an f-string cannot be
# translated by anyone, so "Cleaned up {count} …" is left out).
AXES_STRINGS = sorted({
    text
    for module in ("admin.py", "models.py")
    for text in re.findall(r'(?<![\w])_\(\s*"([^"{}]+)"', (AXES_DIR / module).read_text(encoding="utf-8"))
})


def test_the_strings_of_axes_were_found():
    assert {"Attempt Time", "Locked Out", "access attempts", "Meta Data"} <= set(AXES_STRINGS)


@pytest.mark.parametrize("text", AXES_STRINGS)
def test_every_string_of_axes_has_a_chinese_translation(text):
    with translation.override("zh-hans"):
        assert translation.gettext(text) != text


@pytest.fixture
def attempts(db):
    common = {"user_agent": "Mozilla/5.0", "ip_address": "10.0.0.9", "username": "staff",
              "http_accept": "text/html", "path_info": "/accounts/login/"}
    AccessAttempt.objects.create(**common, get_data="", post_data="username=staff", failures_since_start=2)
    AccessFailureLog.objects.create(**common, locked_out=False)
    AccessLog.objects.create(**common)


# English an axes page shows when nothing translates it: app name, model names, column headers,
# filter titles, the status column's words.
ENGLISH = re.compile(r"\b(Axes|Access (attempts?|failures?|logs?|lock out)|Attempt Time|Logout Time|"
                     r"IP Address|User Agent|Path|Failed Logins|Status|Locked Out|Attempt Remaining|"
                     r"Form Data|Meta Data|GET Data|POST Data|HTTP Accept|"
                     r"Attempted Access|Failed access|Access Log for)\b", re.IGNORECASE)


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    html = re.sub(r'<[^>]+>', " ", html)
    return re.sub(r"\s+", " ", html)


@pytest.mark.parametrize("model", [AccessAttempt, AccessFailureLog, AccessLog])
def test_the_lockout_pages_of_the_admin_show_no_english(admin_client, attempts, model):
    admin_client.cookies["django_language"] = "zh-hans"
    info = model._meta.app_label, model._meta.model_name
    obj = model.objects.filter(username="staff").get()
    for url in (reverse("admin:index"), reverse("admin:app_list", args=["axes"]),
                reverse("admin:{}_{}_changelist".format(*info)),
                reverse("admin:{}_{}_change".format(*info), args=[obj.pk])):
        response = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, url
        found = ENGLISH.findall(_visible_text(response.content.decode()))
        assert not found, (url, found)


def test_a_row_is_named_in_the_interface_language(attempts):
    with translation.override("zh-hans"):
        assert str(AccessFailureLog.objects.get()).startswith("staff 登录失败")
    with translation.override("en"):
        assert str(AccessLog.objects.get()).startswith("Sign-in of staff at ")


def test_the_lockout_pages_still_read_in_english(admin_client, attempts):
    admin_client.cookies["django_language"] = "en"
    response = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    text = _visible_text(response.content.decode())
    assert "Attempt Time" in text and "Status" in text and "Login lockout" in text


def test_accounts_keeps_its_own_app_config():
    """A second app config in accounts/apps.py once made Django fall back to a bare one for
    `accounts`: no role sync after migrate, no audit or token signals."""
    from django.apps import apps

    from accounts.apps import AccountsConfig
    from accounts.lockout_app import LockoutConfig

    assert type(apps.get_app_config("accounts")) is AccountsConfig
    assert type(apps.get_app_config("axes")) is LockoutConfig
