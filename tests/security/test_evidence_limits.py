"""Evidence limits: files and bytes per update, a quota per item; one check, in the service,
with its messages shown beside the file field of the API, the item page and the admin."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from cases import evidence, services
from cases.models import Evidence, ProgressUpdate
from tests.api.conftest import error_of
from tests.cases.test_admin import change_url, form_data

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdfs(n, size=None):
    padding = b"0" * ((size or len(PDF)) - len(PDF))
    return [SimpleUploadedFile(f"材料{i}.pdf", PDF + padding, content_type="application/pdf")
            for i in range(n)]


@pytest.fixture
def checks(monkeypatch):
    """Counts how often each file is checked (the real check still runs)."""
    seen: list[str] = []
    original = evidence.validate_evidence_file

    def counting(upload):
        seen.append(upload.name)
        return original(upload)

    monkeypatch.setattr(evidence, "validate_evidence_file", counting)
    return seen


def _nothing_written():
    return not ProgressUpdate.objects.exists() and not Evidence.objects.exists()


def test_files_per_update_are_limited(client_for, staff, measure, settings):
    settings.EVIDENCE_MAX_FILES_PER_REQUEST = 3
    response = client_for(staff).post(f"/api/v1/measures/{measure.pk}/progress/", {"note": "x", "files": pdfs(4)})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "too_many_files"
    assert error["fields"]["files"] == ["一次提交了 4 个文件；每次更新最多可附 3 个。"]
    assert _nothing_written()


def test_bytes_per_update_are_limited(client_for, staff, measure, settings):
    settings.EVIDENCE_MAX_REQUEST_BYTES = 5000
    response = client_for(staff, "en").post(f"/api/v1/measures/{measure.pk}/progress/",
                                            {"note": "x", "files": pdfs(3, size=2000)})
    error = error_of(response)
    assert response.status_code == 400 and error["code"] == "request_too_large"
    assert "one update may attach at most 4.9\xa0KB" in error["fields"]["files"][0]
    assert _nothing_written()


def test_the_item_quota_counts_files(staff, measure, settings):
    settings.EVIDENCE_QUOTA_FILES = 3
    services.log_progress(measure=measure, by=staff, note="第一批", files=pdfs(2))
    with pytest.raises(services.ValidationError) as exc, translation.override("zh-hans"):
        services.log_progress(measure=measure, by=staff, note="第二批", files=pdfs(2))
    assert exc.value.error_dict["files"][0].code == "quota_files"
    assert "最多 3 个" in exc.value.error_dict["files"][0].messages[0]
    assert ProgressUpdate.objects.count() == 1 and Evidence.objects.count() == 2
    measure.refresh_from_db()
    assert measure.version == 2  # the refused update changed nothing
    services.log_progress(measure=measure, by=staff, note="第三批", files=pdfs(1))
    assert Evidence.objects.count() == 3


def test_the_item_quota_counts_bytes(client_for, staff, measure, settings):
    settings.EVIDENCE_QUOTA_BYTES = 3000
    client = client_for(staff)
    assert client.post(f"/api/v1/measures/{measure.pk}/progress/",
                       {"note": "a", "files": pdfs(1, size=2000)}).status_code == 201
    response = client.post(f"/api/v1/measures/{measure.pk}/progress/", {"note": "b", "files": pdfs(1, size=2000)})
    error = error_of(response)
    assert response.status_code == 400 and error["code"] == "quota_bytes"
    assert "合计 3.9\xa0KB" in error["fields"]["files"][0] and "最多 2.9\xa0KB" in error["fields"]["files"][0]
    assert Evidence.objects.count() == 1


def test_a_state_change_with_files_respects_the_quota(staff, measure, settings):
    settings.EVIDENCE_QUOTA_FILES = 1
    with pytest.raises(services.ValidationError):
        services.transition_measure(measure=measure, to_state="in_progress", by=staff, note="x", files=pdfs(2))
    measure.refresh_from_db()
    assert measure.state == "planned" and _nothing_written()


def test_the_api_checks_each_file_once(client_for, staff, measure, checks):
    response = client_for(staff).post(f"/api/v1/measures/{measure.pk}/progress/", {"note": "x", "files": pdfs(2)})
    assert response.status_code == 201
    assert sorted(checks) == ["材料0.pdf", "材料1.pdf"]


def test_the_item_page_checks_once_and_shows_the_error_beside_the_files(client, staff, measure, checks, settings):
    settings.EVIDENCE_QUOTA_FILES = 1
    client.force_login(staff)
    prefix = f"m{measure.pk}"
    response = client.post(reverse("cases:measure-detail", args=[measure.pk]), {
        f"{prefix}-note": "本周完成情况", f"{prefix}-version": measure.version, f"{prefix}-files": pdfs(2),
    }, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    form = response.context["form"]
    assert "最多 1 个" in " ".join(form.errors["files"])
    assert "本周完成情况" in response.content.decode()  # what was typed is kept
    assert sorted(checks) == ["材料0.pdf", "材料1.pdf"]
    assert _nothing_written()


def test_the_admin_checks_once_and_shows_the_error_beside_the_files(client, staff, measure, checks, settings):
    settings.EVIDENCE_MAX_FILES_PER_REQUEST = 1
    client.force_login(staff)
    data = form_data(client, measure, progress_note="管理后台的进展", progress_state="in_progress",
                     progress_files=pdfs(2))
    response = client.post(change_url(measure), data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "最多可附 1 个" in " ".join(form.errors["progress_files"])
    assert form["progress_note"].value() == "管理后台的进展"
    measure.refresh_from_db()
    assert measure.state == "planned" and _nothing_written()
    assert checks == []  # refused on the count, before any file was read

    settings.EVIDENCE_MAX_FILES_PER_REQUEST = 10
    data["progress_files"] = pdfs(1)
    response = client.post(change_url(measure), data)
    assert response.status_code == 302
    assert checks == ["材料0.pdf"]
