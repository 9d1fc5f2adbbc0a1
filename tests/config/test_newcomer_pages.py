"""Pages a newcomer meets around the edges: /favicon.ico, the password-reset pages in the site's
own look, 404s that look like production with DEBUG on, and one log line (no traceback) per 403."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from config.logfilters import ClientErrorWithoutTraceback

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def test_favicon_is_served_at_the_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")


def test_pages_name_their_icon(client, staff):
    client.force_login(staff)
    html = client.get(reverse("cases:my-items")).content.decode()
    assert re.search(r'<link rel="icon" href="/static/favicon\.svg"', html)
    assert (Path(settings.BASE_DIR) / "static/favicon.svg").exists()


@pytest.mark.parametrize("path", ["/accounts/password_reset/", "/accounts/password_reset/done/",
                                  "/accounts/reset/MQ/set-password/", "/accounts/reset/done/"])
def test_password_reset_pages_are_the_sites_not_the_admins(client, db, path):
    response = client.get(path, **ZH, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Django" not in html
    assert "整改台账" in html and 'class="site-header"' in html
    assert re.search(r"<h1>[^<]*密码[^<]*</h1>", html), html


def test_password_reset_sends_a_mail_and_says_so(client, staff):
    staff.email = "hejun@example.cn"
    staff.save()
    response = client.post(reverse("password_reset"), {"email": staff.email}, **ZH, follow=True)
    assert response.status_code == 200
    assert "Django" not in response.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [staff.email]


def test_login_links_to_the_reset_page(client, db):
    assert reverse("password_reset") in client.get(reverse("login"), **ZH).content.decode()


@override_settings(DEBUG=True)
def test_with_debug_on_another_units_item_is_the_sites_404(client, staff, other_measure):
    client.force_login(staff)
    response = client.get(reverse("cases:measure-detail", args=[other_measure.pk]), **ZH)
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html and "URLconf" not in html and "Using the URLconf" not in html


@override_settings(DEBUG=True)
def test_with_debug_on_an_unknown_url_is_the_sites_404(client, staff):
    client.force_login(staff)
    response = client.get("/no-such-page/", **ZH)
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html and "dashboard/" not in html


@override_settings(DEBUG=True)
def test_with_debug_on_a_missing_slash_still_redirects(client, staff):
    client.force_login(staff)
    response = client.get("/my")
    assert response.status_code == 301 and response["Location"] == "/my/"


@override_settings(DEBUG=True, DEBUG_TECHNICAL_404=True)
def test_the_technical_page_can_be_asked_for(client, staff):
    client.force_login(staff)
    assert "URLconf" in client.get("/no-such-page/").content.decode()


@override_settings(DEBUG=True)
def test_with_debug_on_a_403_is_the_sites_page(client, staff):
    client.force_login(staff)
    response = client.get(reverse("cases:dashboard"), **ZH)
    assert response.status_code == 403 and "无权访问" in response.content.decode()


def test_a_403_is_logged_once_without_a_traceback(client, staff):
    """The console handler gets one record per 403, with no exception attached."""
    records = []

    class Collect(logging.Handler):
        def emit(self, record):
            if ClientErrorWithoutTraceback().filter(record):
                records.append(record)

    root = logging.getLogger()
    handler = Collect()
    root.addHandler(handler)
    try:
        client.force_login(staff)
        assert client.get(reverse("cases:dashboard")).status_code == 403
    finally:
        root.removeHandler(handler)
    forbidden = [r for r in records if r.name == "django.request"]
    assert len(forbidden) == 1
    assert forbidden[0].exc_info is None
    # Django's own "django" logger no longer prints it a second time before it reaches root.
    assert logging.getLogger("django").handlers == []


def test_a_server_error_keeps_its_traceback():
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error", None,
                               (ValueError, ValueError("x"), None))
    record.status_code = 500
    assert ClientErrorWithoutTraceback().filter(record) and record.exc_info is not None


def test_no_emoji_a_plain_intranet_pc_cannot_draw():
    """An office PC without an emoji font draws 📎 as a box: the pages use drawn icons instead."""
    emoji = re.compile("[\U0001F300-\U0001FAFF]")
    root = Path(settings.BASE_DIR)
    found = [str(p.relative_to(root)) for folder in ("templates", "static/css") for p in (root / folder).rglob("*")
             if p.is_file() and p.suffix in (".html", ".css", ".txt") and emoji.search(p.read_text(encoding="utf-8"))]
    assert not found
    assert "paperclip.svg" in (root / "static/css/rectify.css").read_text()
