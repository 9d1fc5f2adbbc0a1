"""The audit log: sign-ins (site, admin, API token), failures and lockouts, evidence downloads;
supervisors filter it in the admin and see only their organisations' events."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent, Organisation
from cases import services
from tests import factories

PASSWORD = "pw-test-123"


def _kinds():
    return list(AuditEvent.objects.order_by("pk").values_list("kind", "username"))


def test_site_sign_in_and_failure(staff):
    client = Client(REMOTE_ADDR="10.1.2.3")
    client.post("/accounts/login/", {"username": staff.username, "password": "wrong"})
    client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})
    client.post("/accounts/login/", {"username": staff.username, "password": PASSWORD})
    assert _kinds() == [("login_failed", staff.username), ("login_failed", "nobody"), ("login", staff.username)]
    failed, unknown, ok = AuditEvent.objects.order_by("pk")
    assert failed.user == staff and unknown.user is None and ok.user == staff
    assert ok.ip_address == "10.1.2.3" and ok.channel == "/accounts/login/"
    assert ok.organisation_id == staff.memberships.get().unit.organisation_id


def test_a_sign_in_is_no_change_in_the_persons_history(staff):
    from accounts.models import User

    before = User.history.filter(id=staff.pk).count()
    Client().post("/accounts/login/", {"username": staff.username, "password": PASSWORD})
    staff.refresh_from_db()
    assert staff.last_login is not None
    assert User.history.filter(id=staff.pk).count() == before
    staff.name = "改名"
    staff.save()
    assert User.history.filter(id=staff.pk).count() == before + 1


def test_admin_and_api_token_sign_ins(staff):
    client = Client()
    client.post(f"/{settings.ADMIN_URL}login/", {"username": staff.username, "password": "wrong"})
    client.post("/api/v1/auth/token/", {"username": staff.username, "password": "wrong"})
    client.post("/api/v1/auth/token/", {"username": staff.username, "password": PASSWORD})
    events = list(AuditEvent.objects.order_by("pk").values_list("kind", "channel"))
    assert events == [("login_failed", f"/{settings.ADMIN_URL}login/"), ("login_failed", "/api/v1/auth/token/"),
                      ("login", "/api/v1/auth/token/")]


def test_a_lockout_is_recorded(staff):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        client.post("/accounts/login/", {"username": staff.username, "password": "wrong"})
    kinds = [k for k, _u in _kinds()]
    # The attempt that reaches the limit locks the login; later ones are refused as locked out.
    limit = settings.AXES_FAILURE_LIMIT
    assert kinds == ["login_failed"] * (limit - 1) + ["locked_out"] * 2


def test_an_evidence_download_is_recorded_with_its_item(client, staff, measure):
    progress = services.log_progress(measure=measure, by=staff, note="附件",
                                     files=[SimpleUploadedFile("会议纪要.pdf", b"%PDF-1.4\n%%EOF\n")])
    client.force_login(staff)
    AuditEvent.objects.all().delete()
    response = client.get(reverse("evidence-download", args=[progress.evidence.get().pk]))
    assert response.status_code == 200
    event = AuditEvent.objects.get()
    assert (event.kind, event.user) == ("evidence_download", staff)
    assert "会议纪要.pdf" in event.target and event.organisation_id == measure.case.organisation_id
    # A refused download (another unit's) records nothing.
    other = factories.UserFactory(role="staff", units=[factories.UnitFactory()])
    client.force_login(other)
    AuditEvent.objects.all().delete()
    assert client.get(reverse("evidence-download", args=[progress.evidence.get().pk])).status_code == 404
    assert not AuditEvent.objects.filter(kind="evidence_download").exists()


@pytest.fixture
def two_counties(db):
    a = Organisation.objects.create(name="甲县")
    b = Organisation.objects.create(name="乙县")
    AuditEvent.objects.create(kind="login_failed", username="甲县某人", organisation=a)
    AuditEvent.objects.create(kind="login", username="甲县登录", organisation=a)
    AuditEvent.objects.create(kind="login_failed", username="乙县某人", organisation=b)
    return a, b


def test_supervisors_filter_their_organisations_events_in_the_admin(client, two_counties):
    a, _b = two_counties
    supervisor = factories.UserFactory(role="supervisor", organisations=[a])
    client.force_login(supervisor)
    url = reverse("admin:accounts_auditevent_changelist")
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "甲县某人" in page and "甲县登录" in page and "乙县某人" not in page
    page = client.get(url, {"kind__exact": "login_failed"}).content.decode()
    assert "甲县某人" in page and "甲县登录" not in page
    hidden = AuditEvent.objects.get(username="乙县某人")
    assert client.get(reverse("admin:accounts_auditevent_change", args=[hidden.pk])).status_code in (302, 404)


def test_staff_do_not_read_the_audit_log(client, staff, two_counties):
    client.force_login(staff)
    assert client.get(reverse("admin:accounts_auditevent_changelist")).status_code == 403
    assert AuditEvent.objects.restrict(staff).count() == 0
