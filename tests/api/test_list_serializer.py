"""The fast page builder of the measure list (`MeasureRowsSerializer`) must give exactly the JSON
of the plain `MeasureListSerializer`, row by row: same keys, order and values, in both languages."""

from __future__ import annotations

import datetime
import json

import pytest
import time_machine
from django.utils import timezone, translation
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from cases import services
from cases.api.serializers import MeasureListSerializer, MeasureRowsSerializer
from cases.models import Measure
from cases.states import State
from tests import factories


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2026, 3, 4, 10, 30, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def rows(unit, other_unit, case, staff):
    today = timezone.localdate()
    leader = factories.UserFactory(name="赵明")
    overdue = factories.MeasureFactory(lead_unit=unit, issue__case=case, lead_leader=leader, label="一是",
                                       deadline=today - datetime.timedelta(days=12), state=State.IN_PROGRESS,
                                       text="建立“整改台账”制度 <b>&</b>", responsible_person="张伟（综合科）")
    overdue.supporting_units.add(other_unit, factories.UnitFactory(name="县审计局"))
    services.log_progress(measure=overdue, by=staff, note="本周进展")
    long_term = factories.MeasureFactory(lead_unit=unit, issue__case=case, deadline=None, original_deadline=None,
                                         kind=Measure.Kind.LONG_TERM, state=State.PLANNED)
    done = factories.MeasureFactory(lead_unit=other_unit, issue__case=case, state=State.COMPLETED,
                                    deadline=today - datetime.timedelta(days=40), completed_at=timezone.now(),
                                    kind=Measure.Kind.IMMEDIATE)
    soon = factories.MeasureFactory(lead_unit=other_unit, issue__case=factories.CaseFactory(),
                                    deadline=today + datetime.timedelta(days=2), state=State.SUBMITTED)
    return [overdue, long_term, done, soon]


def _context(user):
    request = APIRequestFactory().get("/api/v1/measures/")
    request.user = user
    return {"request": request}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("loader", ["for_list", "with_related"])
def test_the_fast_page_is_the_plain_serializers_json(rows, supervisor, language, loader):
    queryset = getattr(Measure.objects.restrict(supervisor), loader)().order_by("pk")
    with translation.override(language):
        fast = MeasureListSerializer(queryset, many=True, context=_context(supervisor))
        assert isinstance(fast, MeasureRowsSerializer)
        fast_json = JSONRenderer().render(fast.data)
        plain_json = JSONRenderer().render([MeasureListSerializer(m, context=_context(supervisor)).data
                                            for m in queryset])
    assert fast_json == plain_json
    decoded = json.loads(fast_json)
    assert len(decoded) == 4
    assert [list(row) for row in decoded] == [list(MeasureListSerializer.Meta.fields)] * 4
    # The data really varies where the two could differ.
    assert {row["is_overdue"] for row in decoded} == {True, False}
    assert any(row["lead_leader"] is None for row in decoded) and any(row["lead_leader"] for row in decoded)
    assert any(row["deadline"] is None for row in decoded)
    assert any(len(row["supporting_units"]) == 2 for row in decoded)
    assert any(row["completed_at"] for row in decoded) and any(row["last_progress_at"] for row in decoded)


def test_the_api_list_is_the_plain_serializers_json(client, rows, supervisor):
    client.force_login(supervisor)
    response = client.get("/api/v1/measures/?ordering=deadline&page_size=10", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    results = response.json()["results"]
    by_id = {m.pk: m for m in Measure.objects.with_related()}
    with translation.override("zh-hans"):
        plain = [json.loads(JSONRenderer().render(MeasureListSerializer(by_id[row["id"]],
                                                                        context=_context(supervisor)).data))
                 for row in results]
    assert results == plain
