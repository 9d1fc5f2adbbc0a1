"""`POST /api/v1/notices/plans/` and `GET /api/v1/import-jobs/{id}/` with a token, as a client would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from accounts.models import OrganisationMembership, Unit
from cases.models import Case, Measure
from tests import factories

pytestmark = pytest.mark.django_db
PLANS = Path(__file__).resolve().parent.parent / "notices" / "plans"
URL = reverse("api-plan-import")


@pytest.fixture
def county(supervisor):
    organisation = factories.OrganisationFactory(name="青石县")
    OrganisationMembership.objects.create(user=supervisor, organisation=organisation,
                                          role=OrganisationMembership.OrgRole.SUPERVISOR)
    for name in ("县发展改革局", "县财政局", "县审计局", "县委办公室", "县委巡察办"):
        factories.UnitFactory(name=name, organisation=organisation)
    return organisation


def _post(api, county, name="word_merged.docx", **fields):
    upload = SimpleUploadedFile(name, (PLANS / name).read_bytes())
    return api.post(URL, {"file": upload, "organisation": county.pk, **fields}, format="multipart")


def _defaults(county):
    return {"unit": Unit.objects.get(name="县委巡察办", organisation=county).pk, "default_deadline": "2026-03-31"}


def test_a_dry_run_answers_the_preview_and_writes_nothing(supervisor_api, county):
    answer = _post(supervisor_api, county, dry_run="true", **_defaults(county))
    assert answer.status_code == 200 and not Case.objects.exists()
    preview = answer.json()["preview"]
    assert preview["counts"]["measures"] == 5 and not preview["ok"]
    assert {e["code"] for e in preview["errors"]} == {"unknown_leader"}  # 李明, 王芳, 赵强


def test_a_refused_plan_answers_400_with_its_report(supervisor_api, county):
    answer = _post(supervisor_api, county)
    assert answer.status_code == 400 and answer.json()["code"] == "plan_rejected"
    assert any(e["row"] == 7 for e in answer.json()["preview"]["errors"])
    assert not Measure.objects.exists()


def test_an_import_answers_201_and_a_second_one_adds_nothing(supervisor_api, county):
    first = _post(supervisor_api, county, create_missing="true", **_defaults(county))
    assert first.status_code == 201 and first.json()["measures_created"] == 5
    case = first.json()["case"]
    again = _post(supervisor_api, county, create_missing="true", case=case, **_defaults(county))
    assert again.status_code == 201, again.json()
    assert again.json()["measures_created"] == 0 and again.json()["measures_existing"] == 5
    assert Measure.objects.filter(case_id=case).count() == 5


def test_the_mapping_places_headers(supervisor_api, county):
    data = "序号,巡视指出的不足,落实办法,牵头单位,完成时限\n1,调研不深入,建立调研制度,县委办公室,2026-06-30\n"
    upload = SimpleUploadedFile("plan.csv", data.encode())
    answer = supervisor_api.post(URL, {"file": upload, "organisation": county.pk, "mapping": json.dumps(
        {"巡视指出的不足": "problem", "落实办法": "measure"}, ensure_ascii=False)}, format="multipart")
    assert answer.status_code == 201 and answer.json()["measures_created"] == 1


@override_settings(IMPORT_BACKGROUND_ROWS=3)
def test_a_large_plan_answers_202_with_a_job_to_poll(supervisor_api, county, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answer = _post(supervisor_api, county, create_missing="true", **_defaults(county))
    assert answer.status_code == 202
    status = supervisor_api.get(answer.json()["status"])
    assert status.status_code == 200
    job = status.json()
    assert job["state"] == "done" and job["progress"] == 100 and job["kind"] == "plan"
    assert Measure.objects.filter(case_id=job["case"]).count() == 5


def test_another_organisations_supervisor_cannot_read_the_job(client_for, supervisor_api, county,
                                                             django_capture_on_commit_callbacks):
    with override_settings(IMPORT_BACKGROUND_ROWS=3), django_capture_on_commit_callbacks(execute=True):
        answer = _post(supervisor_api, county, create_missing="true", **_defaults(county))
    stranger = factories.UserFactory(role="supervisor", organisations=[factories.OrganisationFactory()])
    assert client_for(stranger).get(answer.json()["status"]).status_code == 404


def test_staff_cannot_import_plans(staff_api, county):
    assert _post(staff_api, county).status_code == 403
