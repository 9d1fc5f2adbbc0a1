"""Letters through the API (签收, 反馈, issue by hand) and the supervisor's page to issue one by hand."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import OrganisationMembership
from cases.models import Letter
from cases.urging import letters
from tests import factories

pytestmark = pytest.mark.django_db
D = datetime.date


def api(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def county():
    organisation = factories.OrganisationFactory(name="青禾县", short_name="青整")
    unit = factories.UnitFactory(organisation=organisation, name="县住建局", email="zjj@example.gov.cn")
    liaison = factories.UserFactory(role="staff", units=[unit], email="liaison@example.gov.cn")
    supervisor = factories.UserFactory(role="supervisor")
    OrganisationMembership.objects.create(user=supervisor, organisation=organisation)
    items = [factories.MeasureFactory(lead_unit=unit, deadline=D(2026, 1, 5), issue__case__organisation=organisation)
             for _ in range(3)]
    other = factories.OrganisationFactory(name="白溪县", short_name="白整")
    other_unit = factories.UnitFactory(organisation=other, name="县财政局")
    foreign = factories.MeasureFactory(lead_unit=other_unit, issue__case__organisation=other)
    return {"unit": unit, "liaison": liaison, "supervisor": supervisor, "items": items,
            "other_unit": other_unit, "foreign": foreign}


def test_a_supervisor_issues_by_hand_through_the_api(county, django_capture_on_commit_callbacks):
    body = {"unit": county["unit"].pk, "measures": [m.pk for m in county["items"][:2]], "document": "warning",
            "reply_days": 3}
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = api(county["supervisor"]).post(reverse("api-letter-list"), body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["number"].startswith("青整预〔") and data["document"] == "warning" and data["state"] == "issued"
    assert sorted(data["measures"]) == sorted(m.pk for m in county["items"][:2])
    assert len(queued) == 1  # the mail goes out after the commit


def test_issuing_refuses_staff_and_items_outside_the_unit_or_scope(county):
    body = {"unit": county["unit"].pk, "measures": [county["items"][0].pk], "document": "supervision"}
    assert api(county["liaison"]).post(reverse("api-letter-list"), body, format="json").status_code == 403
    body["measures"] = [county["items"][0].pk, county["foreign"].pk]
    response = api(county["supervisor"]).post(reverse("api-letter-list"), body, format="json")
    assert response.status_code == 400 and "县住建局" in response.content.decode()
    body = {"unit": county["other_unit"].pk, "measures": [county["foreign"].pk], "document": "supervision"}
    assert api(county["supervisor"]).post(reverse("api-letter-list"), body, format="json").status_code == 400
    assert not Letter.objects.exists()


def test_the_unit_acknowledges_and_answers_through_the_api(county):
    letter = letters.issue(unit=county["unit"], measures=county["items"], level=None, document="supervision",
                           on=D(2026, 3, 2), notify=False)
    client = api(county["liaison"])
    response = client.post(reverse("api-letter-acknowledge", args=[letter.pk]))
    assert response.status_code == 200 and response.json()["state"] == "acknowledged"
    assert client.post(reverse("api-letter-answer", args=[letter.pk]), {"reply": " "}).status_code == 400
    evidence = SimpleUploadedFile("会议纪要.pdf", b"%PDF-1.4 minutes", content_type="application/pdf")
    response = client.post(reverse("api-letter-answer", args=[letter.pk]),
                           {"reply": "已召开专题会议,逐项落实。", "files": [evidence]}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "answered" and response.json()["reply"] == "已召开专题会议,逐项落实。"
    assert letter.evidence.get().original_name == "会议纪要.pdf"


def test_another_unit_and_another_county_cannot_touch_the_letter(county):
    letter = letters.issue(unit=county["unit"], measures=county["items"], level=None, document="supervision",
                           on=D(2026, 3, 2), notify=False)
    outsider = factories.UserFactory(role="staff", units=[county["other_unit"]])
    assert api(outsider).post(reverse("api-letter-acknowledge", args=[letter.pk])).status_code == 404
    assert api(outsider).get(reverse("api-letter-list")).json()["count"] == 0
    # The supervisor reads it but is not the unit: 签收 is the unit's.
    assert api(county["supervisor"]).post(reverse("api-letter-acknowledge", args=[letter.pk])).status_code == 403


def test_the_page_lists_the_units_items_and_issues_the_chosen_ones(county, client):
    client.force_login(county["supervisor"])
    page = client.get(reverse("cases:letter-new"), {"unit": county["unit"].pk})
    assert page.status_code == 200
    html = page.content.decode()
    # Match the checkbox itself: a bare value="5" also appears in the reply-days field.
    def box(measure):
        return f'name="measures" value="{measure.pk}"'
    assert all(box(m) in html for m in county["items"]) and box(county["foreign"]) not in html
    response = client.post(reverse("cases:letter-new"), {
        "unit": county["unit"].pk, "measures": [county["items"][1].pk], "document": "supervision",
        "reply_days": "5"})
    letter = Letter.objects.get()
    assert response.status_code == 302 and response["Location"] == letter.get_absolute_url()
    assert list(letter.measures.all()) == [county["items"][1]] and letter.issued_by == county["supervisor"]


def test_the_page_keeps_the_choice_and_says_what_is_wrong(county, client):
    client.force_login(county["supervisor"])
    response = client.post(reverse("cases:letter-new"), {
        "unit": county["unit"].pk, "measures": [county["items"][0].pk], "document": "supervision",
        "reply_days": "abc"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    html = response.content.decode()
    assert "反馈期限请填写 1 至 60 之间的工作日数" in html and "checked" in html
    response = client.post(reverse("cases:letter-new"), {"unit": county["unit"].pk, "document": "supervision",
                                                          "reply_days": "5"})
    assert response.status_code == 400 and "请至少选择一项整改事项" in response.content.decode()
    assert not Letter.objects.exists()


def test_staff_cannot_open_the_page(county, client):
    client.force_login(county["liaison"])
    assert client.get(reverse("cases:letter-new")).status_code == 403
