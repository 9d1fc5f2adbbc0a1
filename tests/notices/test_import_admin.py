"""The admin import pages: upload → preview (warnings, counts, what happens) → confirm."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Case, Issue, Measure
from notices.admin_import import SESSION_KEY
from notices.models import Notice
from notices.parser import parse_text
from tests import factories
from tests.notices.import_helpers import notice_path, notice_text

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:notices_notice_import")
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture
def admin_client(client, rectify_admin):
    client.force_login(rectify_admin)
    return client


def _accepting(content_hash: str) -> dict[str, str]:
    """The confirm of an old notice, whose measures start overdue: the preview asks, we agree."""
    return {"content_hash": content_hash, "accept_overdue": "on"}


def _upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, notice_path(name).read_bytes(), content_type="text/plain")


def test_upload_preview_then_confirm_creates_the_case(admin_client):
    page = admin_client.get(IMPORT_URL, **ZH)
    assert page.status_code == 200 and "导入通报" in page.content.decode()

    preview = admin_client.post(IMPORT_URL, {"file": _upload("laishan-2020.txt"), "_preview": "1"}, **ZH)

    html = preview.content.decode()
    assert preview.status_code == 200
    assert not Notice.objects.exists() and not Case.objects.exists()  # the preview writes nothing
    assert 'id="np-warnings"' in html  # laishan lists fewer problems than it declares
    assert "52" in html and "np-differs" in html  # declared 52 against what the tree holds
    assert "新建案件" in html and "中共烟台市莱山区委" in html
    assert "state-completed" in html  # proposed states as badges
    content_hash = preview.context["plan"].content_hash

    # laishan-2020 is an old notice: its measures would start overdue, and the preview asks.
    assert 'id="np-overdue"' in html and "导入后即为逾期" in html
    asked = admin_client.post(IMPORT_URL, {"_confirm": "1", "content_hash": content_hash}, **ZH)
    assert asked.status_code == 200 and not Case.objects.exists()
    assert "请勾选确认" in asked.content.decode()

    done = admin_client.post(IMPORT_URL, {"_confirm": "1", "content_hash": content_hash, "accept_overdue": "on"},
                             **ZH)

    case = Case.objects.get()
    assert done.status_code == 302 and done.url == reverse("admin:cases_case_change", args=[case.pk])
    assert Notice.objects.get().case == case
    assert Measure.objects.filter(case=case).exists()
    assert SESSION_KEY not in admin_client.session
    # The message is shown on the next admin page.
    assert "已新建案件" in admin_client.get(IMPORT_URL, **ZH).content.decode()


def test_pasted_text_with_a_chosen_unit_and_deadline(admin_client, unit):
    preview = admin_client.post(IMPORT_URL, {
        "text": notice_text("zhengxiang-2024.txt"), "unit": unit.pk, "default_deadline": "2024-12-31",
        "_preview": "1",
    }, **ZH)
    assert preview.status_code == 200, preview.content.decode()[:2000]
    html = preview.content.decode()
    assert unit.name in html and "2024-12-31" in html

    admin_client.post(IMPORT_URL, {
        "_confirm": "1", "content_hash": preview.context["plan"].content_hash, "unit": unit.pk, "accept_overdue": "on",
        "default_deadline": "2024-12-31",
    })

    case = Case.objects.get()
    assert set(Measure.objects.filter(case=case).values_list("lead_unit", flat=True)) == {unit.pk}
    assert case.rectification_deadline.isoformat() == "2024-12-31"
    assert Notice.objects.get().raw_text == notice_text("zhengxiang-2024.txt")


def test_a_later_notice_preview_names_the_case_it_updates(admin_client):
    text = notice_text("zhengxiang-2024.txt")
    admin_client.post(IMPORT_URL, {"text": text, "_preview": "1"})
    admin_client.post(IMPORT_URL, {"_confirm": "1", **_accepting(parse_text(text).content_hash)})
    case = Case.objects.get()

    later = text.replace("1个问题正按计划推进", "1个问题已完成整改", 1)
    preview = admin_client.post(IMPORT_URL, {"text": later, "_preview": "1"}, **ZH)

    html = preview.content.decode()
    assert "更新已有案件" in html and reverse("admin:cases_case_change", args=[case.pk]) in html
    admin_client.post(IMPORT_URL, {"_confirm": "1", **_accepting(preview.context["plan"].content_hash)})
    assert Case.objects.count() == 1 and Notice.objects.count() == 2


def test_the_same_text_again_is_shown_as_already_imported(admin_client):
    text = notice_text("zhengxiang-2024.txt")
    admin_client.post(IMPORT_URL, {"text": text, "_preview": "1"})
    admin_client.post(IMPORT_URL, {"_confirm": "1", **_accepting(parse_text(text).content_hash)})
    issues = Issue.objects.count()

    preview = admin_client.post(IMPORT_URL, {"text": text, "_preview": "1"}, **ZH)
    admin_client.post(IMPORT_URL, {"_confirm": "1", **_accepting(parse_text(text).content_hash)}, **ZH)

    assert 'id="np-duplicate"' in preview.content.decode() and "已经导入" in preview.content.decode()
    assert "已导入" in admin_client.get(IMPORT_URL, **ZH).content.decode()
    assert Issue.objects.count() == issues and Notice.objects.count() == 1


def test_bad_input_gets_a_chinese_error_and_keeps_the_text(admin_client):
    nonsense = "今天天气很好。" * 3

    page = admin_client.post(IMPORT_URL, {"text": nonsense, "_preview": "1"}, **ZH)

    html = page.content.decode()
    assert page.status_code == 200 and "不能导入" in html
    assert nonsense in html  # the pasted text is still in the box
    assert not Notice.objects.exists()


def test_nothing_given_or_a_wrong_file_type_is_refused(admin_client):
    empty = admin_client.post(IMPORT_URL, {"_preview": "1"}, **ZH)
    pdf = admin_client.post(IMPORT_URL, {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4"), "_preview": "1"}, **ZH)

    assert "请粘贴通报全文或选择文件" in empty.content.decode()
    assert ".txt" in pdf.content.decode() and "np-tree" not in pdf.content.decode()


def test_a_confirm_without_a_matching_preview_imports_nothing(admin_client):
    page = admin_client.post(IMPORT_URL, {"_confirm": "1", "content_hash": "0" * 64}, follow=True, **ZH)

    assert "预览已失效" in page.content.decode()
    assert not Notice.objects.exists()


def test_staff_and_supervisors_cannot_reach_the_import(client, staff, supervisor):
    for user in (staff, supervisor):
        client.force_login(user)
        assert client.get(IMPORT_URL).status_code == 403
        assert client.post(IMPORT_URL, {"text": notice_text("zhengxiang-2024.txt"), "_preview": "1"}).status_code == 403
    assert not Notice.objects.exists()


def test_the_notice_list_links_to_the_import_for_administrators(admin_client, client, supervisor):
    # The exact link: the plan-table import (…/import/plan/) is offered to supervisors too.
    link = f'href="{IMPORT_URL}"'
    assert link in admin_client.get(reverse("admin:notices_notice_changelist")).content.decode()
    client.force_login(supervisor)
    assert link not in client.get(reverse("admin:notices_notice_changelist")).content.decode()
    assert factories  # factories stay importable for the fixtures above


def _scripts(html: str) -> list[str]:
    import re

    return [src.rsplit("/", 1)[-1] for src in re.findall(r'<script src="([^"]+)"', html)]


@pytest.mark.parametrize("url", [IMPORT_URL, reverse("admin:notices_notice_import_plan")])
def test_the_date_pickers_script_has_the_admins_core_script(admin_client, url):
    """DateTimeShortcuts.js calls quickElement from core.js when the page has loaded: without
    core.js the page raised "quickElement is not defined" and the calendar button never appeared."""
    scripts = _scripts(admin_client.get(url, **ZH).content.decode())
    assert "DateTimeShortcuts.js" in scripts and "core.js" in scripts
