"""A notice that names units and leaders per item assigns them; only unnamed items fall back.

The names are matched by `notices.matching`, the matcher the plan import uses too: width and
spaces do not count, a name not found stops the import with "did you mean" until it is
corrected or its creation confirmed, and nothing is dropped on the way.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from accounts.models import OrganisationMembership, Unit, User
from cases.models import Case, Measure
from notices.importer import NoticeImportError, import_notice, preview_notice
from notices.matching import match_leaders, match_units
from notices.models import Notice
from notices.parser import parse_text
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 1, 10)

NOTICE = """中共青禾县委关于县委第一巡察组巡察反馈意见整改进展情况的通报

根据县委统一部署，2023年3月1日至4月30日，县委第一巡察组对青禾县进行了巡察，2023年5月20日反馈了巡察意见。

一、存在的问题
（一）干部作风不实问题（牵头单位：县委组织部；责任领导：{leader}）
1.部分干部担当不够。
整改情况：建立干部履职台账（责任单位：{unit}；配合单位:县审计局，完成时限：2024年6月底前），正在推进。
2.会议多文件多。
整改情况：开展文山会海专项整治，正在推进。
（二）资金管理不规范问题
1.专项资金闲置。
整改情况：清理闲置资金，正在推进。

中共青禾县委
2024年1月5日
"""


def _notice(unit: str = "县财政局", leader: str = "王强"):
    return parse_text(NOTICE.format(unit=unit, leader=leader))


@pytest.fixture
def organisation():
    return factories.OrganisationFactory(name="青禾县")


@pytest.fixture
def units(organisation):
    return {name: factories.UnitFactory(organisation=organisation, name=name)
            for name in ("县委组织部", "县财政局", "县审计局", "县委办公室")}


@pytest.fixture
def leader(organisation):
    person = factories.UserFactory(name="王强", username="wangqiang")
    OrganisationMembership.objects.create(user=person, organisation=organisation,
                                          role=OrganisationMembership.OrgRole.LEADER)
    return person


def test_it_assigns_the_named_units_and_leader_and_falls_back_for_the_rest(organisation, units, leader):
    fallback = units["县委办公室"]
    result = import_notice(_notice(), organisation=organisation, unit=fallback, today=TODAY)

    first, second, third = Measure.objects.filter(case=result.case).order_by("position", "pk") \
        .select_related("lead_unit", "lead_leader").prefetch_related("supporting_units")
    assert first.lead_unit == units["县财政局"]
    assert list(first.supporting_units.all()) == [units["县审计局"]]
    assert first.lead_leader == leader
    assert first.deadline == datetime.date(2024, 6, 30)
    # The category's 牵头单位 and 责任领导 hold for its items that name none of their own.
    assert second.lead_unit == units["县委组织部"] and second.lead_leader == leader
    # Only the item that names no unit falls back to the chosen unit.
    assert third.lead_unit == fallback and third.lead_leader is None
    assert not result.unit_created


def test_names_compare_ignoring_width_and_spaces(organisation, units, leader):
    result = import_notice(_notice(unit="县 财政局"), organisation=organisation, unit=units["县委办公室"],
                           today=TODAY)
    assert Measure.objects.filter(case=result.case, lead_unit=units["县财政局"]).count() == 1
    assert Unit.objects.filter(organisation=organisation).count() == 4  # nothing created


def test_an_unknown_unit_blocks_with_did_you_mean_and_writes_nothing(organisation, units, leader):
    parsed = _notice(unit="县财政厅")
    plan = preview_notice(parsed, organisation=organisation, unit=units["县委办公室"], today=TODAY)

    assert plan.names.missing_units == {"县财政厅": ["县财政局"]}
    assert plan.name_blockers and "县财政厅" in plan.name_blockers[0] and "县财政局" in plan.name_blockers[0]
    assert plan.as_dict()["names"]["missing_units"] == [{"name": "县财政厅", "did_you_mean": ["县财政局"]}]
    with pytest.raises(NoticeImportError, match="县财政厅"):
        import_notice(parsed, organisation=organisation, unit=units["县委办公室"], today=TODAY)
    assert not Case.objects.exists() and not Notice.objects.exists()
    assert not Unit.objects.filter(name="县财政厅").exists()


def test_confirming_creates_the_missing_unit_and_leader(organisation, units):
    parsed = _notice(unit="县乡村振兴局", leader="李卫东")
    plan = preview_notice(parsed, organisation=organisation, unit=units["县委办公室"], today=TODAY)
    assert set(plan.names.missing_units) == {"县乡村振兴局"} and set(plan.names.missing_leaders) == {"李卫东"}

    result = import_notice(parsed, organisation=organisation, unit=units["县委办公室"], today=TODAY,
                           create_missing=True)

    created = Unit.objects.get(organisation=organisation, name="县乡村振兴局")
    person = User.objects.get(name="李卫东")
    assert not person.has_usable_password()
    # The new leader belongs to the organisation, so its offices see them and the next import finds them.
    assert OrganisationMembership.objects.filter(user=person, organisation=organisation,
                                                 role=OrganisationMembership.OrgRole.LEADER).exists()
    first = Measure.objects.filter(case=result.case).order_by("position", "pk").first()
    assert first.lead_unit == created and first.lead_leader == person
    again, _missing, _ambiguous = match_leaders(["李卫东"], organisation)
    assert again == {"李卫东": person}


def test_a_leader_name_borne_by_two_people_prefers_the_organisations_own(organisation, leader):
    factories.UserFactory(name="王强", username="wangqiang-elsewhere")  # someone of another body
    found, missing, ambiguous = match_leaders(["王强"], organisation)
    assert found == {"王强": leader} and not missing and not ambiguous


def test_a_leader_name_borne_by_two_of_the_organisation_is_reported(organisation, units, leader):
    twin = factories.UserFactory(name="王强", username="wangqiang-2")
    OrganisationMembership.objects.create(user=twin, organisation=organisation)
    plan = preview_notice(_notice(), organisation=organisation, unit=units["县委办公室"], today=TODAY)
    assert plan.names.ambiguous_leaders == {"王强": 2}
    with pytest.raises(NoticeImportError, match="王强"):
        import_notice(_notice(), organisation=organisation, unit=units["县委办公室"], today=TODAY,
                      create_missing=True)


def test_units_are_matched_in_the_organisation_only(organisation, units):
    other = factories.OrganisationFactory(name="白溪县")
    factories.UnitFactory(organisation=other, name="县乡村振兴局")
    found, missing = match_units(["县乡村振兴局", "县财政局"], organisation)
    assert found == {"县财政局": units["县财政局"]} and set(missing) == {"县乡村振兴局"}


def test_a_notice_whose_every_item_names_its_unit_makes_no_fallback_unit(organisation, units, leader):
    text = NOTICE.format(unit="县财政局", leader="王强").replace(
        "（二）资金管理不规范问题\n", "（二）资金管理不规范问题（责任单位：县财政局）\n")
    result = import_notice(parse_text(text), organisation=organisation, today=TODAY)
    assert not result.unit_created
    assert Unit.objects.filter(organisation=organisation).count() == 4


# --- The admin preview --------------------------------------------------------------------

IMPORT_URL = reverse("admin:notices_notice_import")


@pytest.mark.parametrize("language, words", [("zh-hans", ("不存在", "是否指")), ("en", ("does not have",
                                                                                        "did you mean"))])
def test_the_admin_preview_lists_missing_names_and_creates_them_on_confirm(client, organisation, units, language,
                                                                          words):
    admin = factories.UserFactory(role="admin", organisations=[organisation])
    client.force_login(admin)
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    text = NOTICE.format(unit="县财政厅", leader="王强")
    preview = client.post(IMPORT_URL, {"text": text, "unit": units["县委办公室"].pk,
                                       "organisation": organisation.pk, "default_deadline": "2030-12-31",
                                       "_preview": "1"}, **headers)
    html = preview.content.decode()
    assert preview.status_code == 200 and 'id="np-names"' in html
    assert all(word in html for word in words), html[html.find('id="np-names"') - 20:][:1500]
    assert '<span class="np-suggestion">县财政局</span>' in html
    plan = preview.context["plan"]

    # Confirming without the box is refused, the preview shown again, nothing written.
    asked = client.post(IMPORT_URL, {"_confirm": "1", "content_hash": plan.content_hash,
                                     "unit": units["县委办公室"].pk, "organisation": organisation.pk,
                                     "default_deadline": "2030-12-31"}, **headers)
    assert asked.status_code == 200 and not Case.objects.exists()
    assert asked.context["confirm"].errors["create_missing"]

    done = client.post(IMPORT_URL, {"_confirm": "1", "content_hash": plan.content_hash,
                                    "unit": units["县委办公室"].pk, "organisation": organisation.pk,
                                    "default_deadline": "2030-12-31", "create_missing": "on",
                                    "accept_overdue": "on"}, **headers)
    assert done.status_code == 302
    case = Case.objects.get()
    assert Measure.objects.filter(case=case, lead_unit__name="县财政厅").count() == 1
    assert User.objects.get(name="王强").organisation_memberships.filter(organisation=organisation).exists()


def test_a_namesake_in_another_organisation_is_never_assigned(organisation):
    """The only 赵敏 of the deployment works in a sibling county: for 青禾县 the name is unknown
    (created on confirmation), not matched to someone its office cannot see."""
    elsewhere = factories.OrganisationFactory(name="白溪县")
    namesake = factories.UserFactory(name="赵敏", username="zhaomin-baixi")
    OrganisationMembership.objects.create(user=namesake, organisation=elsewhere,
                                          role=OrganisationMembership.OrgRole.LEADER)
    found, missing, ambiguous = match_leaders(["赵敏"], organisation)
    assert not found and "赵敏" in missing and not ambiguous
    assert match_leaders(["赵敏"], elsewhere)[0] == {"赵敏": namesake}


def test_a_leader_of_the_body_above_leads_a_county_item():
    province = factories.OrganisationFactory(name="青岚省")
    county = factories.OrganisationFactory(name="青禾县", parent=province)
    provincial = factories.UserFactory(name="钱进", username="qianjin")
    OrganisationMembership.objects.create(user=provincial, organisation=province,
                                          role=OrganisationMembership.OrgRole.LEADER)
    assert match_leaders(["钱进"], county)[0] == {"钱进": provincial}
