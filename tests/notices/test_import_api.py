"""POST /api/v1/notices/import/: preview with dry_run, import, duplicates, errors, permissions."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.models import Case, Measure
from notices.models import Notice
from tests.notices.import_helpers import notice_path, notice_text

pytestmark = pytest.mark.django_db

URL = "/api/v1/notices/import/"


def _client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def admin_api(rectify_admin):
    return _client(rectify_admin)


def test_dry_run_returns_the_preview_and_the_tree_and_writes_nothing(admin_api):
    response = admin_api.post(URL, {"text": notice_text("wanzhi-2024.txt"), "dry_run": True}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["dry_run"] is True
    preview = body["preview"]
    assert preview["case"]["action"] == "create" and preview["unit"] == {"id": None, "name": "中共湾沚区委",
                                                                          "created": True}
    assert preview["counts"]["issues_created"] == 4 + 16 + 39
    assert preview["declared"]["problems"] == 41 and preview["found"]["problems"] == 39
    assert [n["label"] for n in body["parsed"]["issues"]][:1] and body["parsed"]["inspection_team"] == "省委第七巡视组"
    assert not Notice.objects.exists() and not Case.objects.exists()


def test_posting_a_file_imports_it(admin_api, unit):
    upload = SimpleUploadedFile("zhengxiang-2024.txt", notice_path("zhengxiang-2024.txt").read_bytes())

    response = admin_api.post(URL, {"file": upload, "unit": unit.pk}, format="multipart")

    assert response.status_code == 201, response.json()
    body = response.json()
    case = Case.objects.get(pk=body["case"])
    assert body["case_created"] and not body["duplicate"] and body["counts"]["measures_created"] == 70
    assert Notice.objects.get(pk=body["notice"]).source == "zhengxiang-2024.txt"
    assert set(Measure.objects.filter(case=case).values_list("lead_unit", flat=True)) == {unit.pk}


def test_the_same_text_again_answers_200_and_says_it_was_imported(admin_api):
    text = notice_text("zhengxiang-2024.txt")
    first = admin_api.post(URL, {"text": text}, format="json").json()

    again = admin_api.post(URL, {"text": text}, format="json")

    assert again.status_code == 200
    assert again.json()["duplicate"] is True and again.json()["notice"] == first["notice"]
    assert "已导入" in again.json()["message"]
    assert Notice.objects.count() == 1


def test_a_preview_hash_that_does_not_match_the_text_is_refused(admin_api):
    response = admin_api.post(URL, {"text": notice_text("zhengxiang-2024.txt"), "content_hash": "0" * 64},
                              format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_importable"
    assert not Notice.objects.exists()


def test_text_that_is_not_a_notice_gets_a_chinese_error(admin_api):
    response = admin_api.post(URL, {"text": "今天天气很好。" * 3}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "not_a_notice" and "整改通报" in error["message"]


def test_neither_text_nor_file_is_a_clear_error(admin_api):
    response = admin_api.post(URL, {"dry_run": True}, format="json")

    assert response.status_code == 400
    assert "文件" in response.json()["error"]["message"]


def test_staff_and_supervisors_may_not_import(staff, supervisor):
    for user in (staff, supervisor):
        response = _client(user).post(URL, {"text": notice_text("zhengxiang-2024.txt")}, format="json")
        assert response.status_code == 403
    assert APIClient().post(URL, {"text": "x"}, format="json").status_code in (401, 403)
    assert not Notice.objects.exists()
