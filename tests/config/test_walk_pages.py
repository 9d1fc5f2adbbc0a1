"""What the newcomer's walk through every page found at the edges of the site: the password-change
pages in the site's look and reachable from every page, the admin's own words not taken over by a
page's string, the browsable API named after the site, and the group bots' summary in Chinese."""

from __future__ import annotations

import datetime
import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from tests import factories

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
PASSWORD = "pw-test-123"


@pytest.mark.parametrize("name", ["password_change", "password_change_done"])
def test_password_change_pages_are_the_sites_not_the_admins(client, staff, name):
    client.force_login(staff)
    html = client.get(reverse(name), **ZH).content.decode()
    assert "Django" not in html
    assert 'class="site-header"' in html
    assert re.search(r"<h1>[^<]*密码[^<]*</h1>", html), html


def test_it_changes_the_password_and_says_so(client, staff):
    client.force_login(staff)
    response = client.post(reverse("password_change"), {"old_password": PASSWORD, "new_password1": "Qinghe-2026-new",
                                                         "new_password2": "Qinghe-2026-new"}, **ZH, follow=True)
    assert response.redirect_chain[-1][0] == reverse("password_change_done")
    assert "密码修改成功" in response.content.decode()
    staff.refresh_from_db()
    assert staff.check_password("Qinghe-2026-new")


def test_a_wrong_old_password_is_said_beside_its_field_in_the_interface_language(client, staff):
    client.force_login(staff)
    response = client.post(reverse("password_change"), {"old_password": "wrong", "new_password1": "Qinghe-2026-new",
                                                         "new_password2": "Qinghe-2026-new"}, **ZH)
    assert response.status_code == 200
    errors = re.findall(r'<p class="field-error">([^<]+)</p>', response.content.decode())
    assert errors and all(re.search(r"[\u4e00-\u9fff]", e) for e in errors), errors
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)


@pytest.mark.parametrize("headers, words", [(ZH, ["修改密码", "API 令牌", "API 文档"]),
                                            (EN, ["Change password", "API tokens", "API documentation"])])
def test_every_page_links_to_the_account_pages(client, staff, headers, words):
    client.force_login(staff)
    html = client.get(reverse("cases:my-items"), **headers).content.decode()
    footer = re.search(r'<nav class="footer-links"[^>]*>(.*?)</nav>', html, re.S).group(1)
    links = dict((text.strip(), href) for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', footer))
    assert links == {words[0]: reverse("password_change"), words[1]: reverse("my-tokens"),
                     words[2]: reverse("api-docs")}


def test_the_footer_offers_no_account_links_to_someone_signed_out(client, db):
    assert "footer-links" not in client.get(reverse("login"), **ZH).content.decode()


def test_the_admin_index_says_change_as_the_admin_does_not_as_the_report_column(client, db):
    # The periodic report's column "Change" (a difference, 变化) once took over the admin's "Change" (修改).
    admin = factories.UserFactory(role="admin", is_superuser=True)
    client.force_login(admin)
    html = client.get(reverse("admin:index"), **ZH).content.decode()
    links = re.findall(r'class="changelink"[^>]*>([^<]+)</a>', html)
    assert links and set(links) == {"修改"}
    with translation.override("zh-hans"):
        assert translation.pgettext("difference between the start and the end of a period", "Change") == "变化"


def test_the_browsable_api_is_named_after_the_site(client, staff):
    client.force_login(staff)
    html = client.get("/api/v1/", HTTP_ACCEPT="text/html", **ZH).content.decode()
    assert "Django REST framework" not in html and "Api Root" not in html
    assert re.search(r'<a class="navbar-brand"[^>]*href="/"[^>]*>整改台账管理 · API</a>', html), html
    assert re.search(r"<h1>\s*整改台账 API\(第 1 版\)\s*</h1>", html), html


def test_the_api_root_still_answers_json_links(client, staff):
    client.force_login(staff)
    body = client.get("/api/v1/", HTTP_ACCEPT="application/json").json()
    assert body["measures"].endswith("/api/v1/measures")


def test_the_bots_summary_is_in_chinese(db):
    measure = factories.MeasureFactory(deadline=datetime.date(2026, 11, 1))
    context = {"units": None, "on": datetime.date(2026, 12, 3), "item_total": 6, "overdue_total": 5,
               "worst": [{"measure": measure, "days_overdue": 32}], "url": "https://zg.example.gov.cn/my/"}
    with translation.override("zh-hans"):
        text = render_to_string("emails/_summary.md", context)
        units_text = render_to_string("emails/_summary.md", {
            "overview": True, "head": {"ongoing": 9, "overdue": 3},
            "rows": [{"row": {"label": "县财政局", "overdue": 3}, "longest": 40}], "url": "https://zg.example.gov.cn/"})
    assert "截至 2026-12-03:**6** 项整改事项需关注,已逾期 **5** 项" in text
    assert "逾期32天" in text and "As of" not in text
    assert "未完成 **9** 项,已逾期 **3** 项" in units_text and "ongoing" not in units_text
    assert "县财政局: 逾期 3 项,最长 40 天" in units_text
