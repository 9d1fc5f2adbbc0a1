"""The urging ladder (cases/urging/levels.py): levels in working days over an imported 2027 calendar."""

import datetime

import pytest

from cases import holidays
from cases.calendar import importer
from cases.calendar.parser import parse_notice
from cases.models import Ladder, LadderLevel, Measure
from cases.urging import levels
from tests import factories

from .holiday_notices import NOTICE_2027

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def calendar_2027():
    importer.apply(parse_notice(NOTICE_2027))
    holidays.clear_process_cache()
    yield
    holidays.clear_process_cache()


def default_levels():
    return {lv.name: lv for lv in levels.default_ladder().levels.all()}


def level_on(measure, on):
    levels.refresh(on=on)
    measure.refresh_from_db()
    return measure.urging_level.name if measure.urging_level else None


def test_default_ladder_is_three_colours_and_a_supervision_letter():
    found = [(lv.rank, lv.name, lv.threshold_days, lv.colour, lv.document)
             for lv in levels.default_ladder().levels.order_by("rank")]
    assert found == [(1, "绿色提醒", -20, "green", "reminder"), (2, "黄色预警", -10, "yellow", "reminder"),
                     (3, "红色警示", 0, "red", "reminder"), (4, "督办函", 10, "red", "supervision")]
    by_name = default_levels()
    assert not by_name["绿色提醒"].to_lead_leader and by_name["黄色预警"].to_lead_leader
    assert by_name["红色警示"].to_principal_leader and by_name["红色警示"].to_unit_head


def test_the_spring_festival_does_not_count_towards_the_days_before_a_deadline(calendar_2027):
    # 2027-02-01 → 2027-02-19: 18 calendar days, but 2-5 … 2-13 is the Spring Festival: 8 working days.
    item = factories.MeasureFactory(deadline=D(2027, 2, 19))
    assert holidays.working_days_between(D(2027, 2, 1), D(2027, 2, 19)) == 8
    assert level_on(item, D(2027, 2, 1)) == "黄色预警"


def test_without_the_imported_notice_the_same_item_would_only_be_green():
    # Monday to Friday only (no data for 2027): 14 working days, outside the yellow 10.
    item = factories.MeasureFactory(deadline=D(2027, 2, 19))
    assert level_on(item, D(2027, 2, 1)) == "绿色提醒"


def test_overdue_days_are_counted_in_working_days_with_the_adjusted_saturday(calendar_2027):
    # Deadline Thu 2-4; by Mon 2-22 it is overdue by 2-15…2-19, Sat 2-20 (调休上班) and 2-22: 7 working days.
    item = factories.MeasureFactory(deadline=D(2027, 2, 4))
    assert level_on(item, D(2027, 2, 22)) == "红色警示"
    assert level_on(item, D(2027, 2, 24)) == "红色警示"  # 9
    assert level_on(item, D(2027, 2, 25)) == "督办函"  # 10: the letter level


def test_items_climb_by_themselves_and_record_since_when(calendar_2027):
    item = factories.MeasureFactory(deadline=D(2027, 3, 31))
    seen = []
    for day in (D(2027, 2, 22), D(2027, 3, 3), D(2027, 3, 17), D(2027, 4, 1), D(2027, 4, 15)):
        seen.append(level_on(item, day))
    assert seen == [None, "绿色提醒", "黄色预警", "红色警示", "督办函"]
    assert item.urging_level_since == D(2027, 4, 15)


def test_a_completed_item_or_one_without_deadline_has_no_level(calendar_2027):
    done = factories.MeasureFactory(deadline=D(2027, 1, 4))
    levels.refresh(on=D(2027, 3, 1))
    Measure.objects.filter(pk=done.pk).update(state="completed", completed_at="2027-03-01T10:00:00+08:00")
    long_term = factories.MeasureFactory(deadline=None, kind=Measure.Kind.LONG_TERM)
    levels.refresh(on=D(2027, 3, 1))
    assert Measure.objects.get(pk=done.pk).urging_level is None
    assert Measure.objects.get(pk=long_term.pk).urging_level is None


def test_an_organisation_ladder_and_a_case_override_win_over_the_default(calendar_2027):
    county = factories.OrganisationFactory()
    own = Ladder.objects.create(name="县级阶梯", organisation=county)
    LadderLevel.objects.create(ladder=own, rank=1, name="县:临期", threshold_days=-3, colour="orange")
    special = Ladder.objects.create(name="专项", organisation=None)
    LadderLevel.objects.create(ladder=special, rank=1, name="专项:逾期", threshold_days=0, colour="red")
    township = factories.OrganisationFactory(parent=county)
    in_township = factories.MeasureFactory(issue__case__organisation=township, deadline=D(2027, 3, 3),
                                           lead_unit=factories.UnitFactory(organisation=township))
    overridden = factories.MeasureFactory(issue__case__organisation=county, issue__case__urging_ladder=special,
                                          deadline=D(2027, 3, 3), lead_unit=factories.UnitFactory(organisation=county))
    elsewhere = factories.MeasureFactory(deadline=D(2027, 3, 3))
    assert level_on(in_township, D(2027, 3, 1)) == "县:临期"  # the county's ladder reaches its townships
    assert level_on(overridden, D(2027, 3, 1)) is None  # the case's own ladder: not overdue yet
    assert level_on(overridden, D(2027, 3, 4)) == "专项:逾期"
    assert level_on(elsewhere, D(2027, 3, 1)) == "黄色预警"


def test_refresh_is_a_few_statements_whatever_the_number_of_items(calendar_2027, django_assert_max_num_queries):
    for i in range(40):
        factories.MeasureFactory(deadline=D(2027, 1, 4) + datetime.timedelta(days=3 * i))
    levels.refresh(on=D(2027, 2, 22))
    # The level rollups (cases.figures.refresh_levels) are recounted after the move: 20 for 40 or 80 items.
    with django_assert_max_num_queries(20):
        levels.refresh(on=D(2027, 2, 23))


@pytest.mark.parametrize(("threshold", "on", "expected"), [
    (-10, D(2027, 2, 1), D(2027, 2, 22)),  # 2-2…2-4, 2-15…2-19, Sat 2-20, 2-22: the 10th working day
    (0, D(2027, 2, 22), D(2027, 2, 21)),
    (1, D(2027, 2, 15), D(2027, 2, 14)),  # Monday after the festival: one working day overdue for 2-14
    (3, D(2027, 2, 22), D(2027, 2, 18)),  # 2-19, 2-20 (worked Saturday), 2-22
])
def test_cutoff_is_the_latest_deadline_that_reaches_a_threshold(calendar_2027, threshold, on, expected):
    assert levels.cutoff(threshold, on) == expected
    assert levels.reached(threshold, deadline=expected, on=on)
    assert not levels.reached(threshold, deadline=expected + datetime.timedelta(days=1), on=on)


def test_signing_off_and_reopening_move_the_item_off_and_back_onto_the_ladder_at_once(
        calendar_2027, unit, staff, supervisor):
    import time_machine

    from cases import services

    with time_machine.travel(datetime.datetime(2027, 3, 1, 2, tzinfo=datetime.UTC), tick=False):
        m = factories.MeasureFactory(lead_unit=unit, deadline=D(2027, 1, 4), state="in_progress")
        levels.refresh(on=D(2027, 3, 1))
        services.transition_measure(measure=m, to_state="submitted", by=staff, note="申请销号")
        assert Measure.objects.get(pk=m.pk).urging_level is not None
        services.transition_measure(measure=Measure.objects.get(pk=m.pk), to_state="completed", by=supervisor)
        assert Measure.objects.get(pk=m.pk).urging_level is None
        services.transition_measure(measure=Measure.objects.get(pk=m.pk), to_state="relapsed", by=supervisor,
                                    note="回头看发现反弹")
        assert Measure.objects.get(pk=m.pk).urging_level.document == "supervision"
