"""责任人 (Measure.responsible_person): written by the plan import, edited as a ledger column, shown."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases import services
from cases.models import Measure

pytestmark = pytest.mark.django_db


def test_it_is_edited_through_the_service_with_history(supervisor, measure):
    services.update_measure(measure=measure, by=supervisor, responsible_person="张伟（综合科科长）")
    measure.refresh_from_db()
    assert measure.responsible_person == "张伟（综合科科长）"
    assert measure.history.first().responsible_person == "张伟（综合科科长）"


def test_the_item_page_shows_it(client, staff, measure):
    Measure.objects.filter(pk=measure.pk).update(responsible_person="李娜")
    client.force_login(staff)
    page = client.get(reverse("cases:measure-detail", args=[measure.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "责任人" in page.content.decode() and "李娜" in page.content.decode()


def test_the_admin_form_has_it_for_supervisors(client, supervisor, measure):
    client.force_login(supervisor)
    page = client.get(reverse("admin:cases_measure_change", args=[measure.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert 'name="responsible_person"' in page.content.decode()
