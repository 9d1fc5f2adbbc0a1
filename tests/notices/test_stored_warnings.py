"""Stored import warnings are message ids and parameters: each reader sees them in their own language."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from notices.importer import import_notice
from notices.models import Notice
from notices.parser import parse_text
from tests import factories

pytestmark = pytest.mark.django_db

# No signing date, and a feedback date that is no date: one plain warning, one whose
# parameter is itself a phrase to translate ("The date the feedback was given").
TEXT = """青禾县关于县委第一巡察组巡察反馈意见整改进展情况的通报

2023年3月1日至4月30日，县委第一巡察组对青禾县进行了巡察，2023年13月40日反馈了巡察意见。

一、存在的问题
（一）干部作风不实问题
1.部分干部担当不够。
整改情况：建立干部履职台账，正在推进。
"""

ZH = {"no_signature": "通报末尾未找到落款日期。"}
EN = {"no_signature": "No signing date was found at the end of the notice."}


def _import_in(language: str) -> Notice:
    organisation = factories.OrganisationFactory(name="青禾县")
    unit = factories.UnitFactory(organisation=organisation, name="县委办公室")
    with translation.override(language):
        return import_notice(parse_text(TEXT), organisation=organisation, unit=unit).notice


def _by_code(messages: list[dict]) -> dict[str, str]:
    return {m["code"]: m["message"] for m in messages}


@pytest.mark.parametrize("imported_in, read_in, expected", [("zh-hans", "en", EN), ("en", "zh-hans", ZH)])
def test_warnings_read_in_the_readers_language(imported_in, read_in, expected):
    notice = _import_in(imported_in)
    stored = {w["code"]: w for w in notice.warnings}
    assert stored["no_signature"]["template"] == EN["no_signature"]  # the message id, not a rendered text

    with translation.override(read_in):
        shown = _by_code(notice.warning_messages())
    assert shown["no_signature"] == expected["no_signature"]
    # A translated parameter follows the reader's language as well.
    if read_in == "en":
        assert shown["date_invalid"].startswith("The date the feedback was given")
    else:
        assert shown["date_invalid"].startswith("反馈") and "The date" not in shown["date_invalid"]


@pytest.mark.parametrize("imported_in, read_in, expected", [("zh-hans", "en", EN), ("en", "zh-hans", ZH)])
def test_the_api_and_the_admin_show_them_in_the_request_language(imported_in, read_in, expected):
    notice = _import_in(imported_in)
    admin = factories.UserFactory(role="admin", organisations=[notice.case.organisation])
    api = APIClient()
    api.force_authenticate(admin)
    detail = api.get(f"/api/v1/notices/{notice.pk}/", HTTP_ACCEPT_LANGUAGE=read_in)
    assert detail.status_code == 200
    assert _by_code(detail.json()["warnings"])["no_signature"] == expected["no_signature"]

    from django.test import Client

    browser = Client()
    browser.force_login(admin)
    page = browser.get(reverse("admin:notices_notice_change", args=[notice.pk]), HTTP_ACCEPT_LANGUAGE=read_in)
    html = page.content.decode()
    assert page.status_code == 200 and expected["no_signature"] in html
    other = ZH if expected is EN else EN
    assert other["no_signature"] not in html


def test_warnings_stored_before_as_text_are_still_shown():
    notice = _import_in("en")
    notice.warnings = [{"code": "no_title", "message": "旧的警告文字", "line": None}]
    assert notice.warning_messages() == [{"code": "no_title", "line": None, "message": "旧的警告文字"}]
