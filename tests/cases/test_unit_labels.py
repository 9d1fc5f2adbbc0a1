"""Each county has its own 县财政局: where a view spans several organisations, a unit is named
with its organisation, on the live path and on the rollups alike, and in the unit filter."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation
from cases import figures, selectors, services
from cases.models import Measure
from tests import factories


@pytest.fixture
def two_counties(db):
    province = Organisation.objects.create(name="某省", kind=Organisation.Kind.PROVINCE)
    counties = [Organisation.objects.create(name=n, parent=province) for n in ("甲县", "乙县")]
    for county in counties:
        unit = factories.UnitFactory(organisation=county, name="县财政局")
        case = factories.CaseFactory(organisation=county)
        issue = factories.IssueFactory(case=case)
        services.create_measure(issue=issue, text="整改", lead_unit=unit,
                                deadline=timezone.localdate() - datetime.timedelta(days=3))
    return province, counties


def test_units_of_several_organisations_are_named_with_them(two_counties):
    province, _counties = two_counties
    reader = factories.UserFactory(role="supervisor", organisations=[province])
    measures = Measure.objects.restrict(reader)
    live = {row.label for row in selectors.by_unit(measures, on=timezone.localdate())}
    assert live == {"县财政局（甲县）", "县财政局（乙县）"}
    figures.refresh_all()
    client = Client()
    client.force_login(reader)
    html = client.get(reverse("cases:dashboard")).content.decode()
    assert "县财政局（甲县）" in html and "县财政局（乙县）" in html
    select = html[html.index('<select name="unit"'):]
    select = select[: select.index("</select>")]
    assert "县财政局（甲县）" in select and "县财政局（乙县）" in select


def test_one_organisation_keeps_bare_names(two_counties):
    _province, (a, _b) = two_counties
    reader = factories.UserFactory(role="supervisor", organisations=[a])
    rows = selectors.by_unit(Measure.objects.restrict(reader), on=timezone.localdate())
    assert [row.label for row in rows] == ["县财政局"]
