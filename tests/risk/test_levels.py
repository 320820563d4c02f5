"""Risk levels from the register: what counts as confirmed, the window's edges, clusters through
recorded contacts, policy versions by day, the district and village answers, and the query count."""

from __future__ import annotations

import datetime as dt

import pytest

from epigrid.cases.models import Classification
from epigrid.cases.services import classification_set
from epigrid.regions.models import Level
from epigrid.risk.models import RiskPolicy
from epigrid.risk.selectors import NoRiskLevel, region_risk, risk_levels, town_history
from tests import factories as f
from tests.risk.conftest import DAY, at, link

pytestmark = pytest.mark.django_db


def _town(world, day=DAY):
    return risk_levels(district=world.district, day=day)[world.town.pk]


def test_every_town_is_graded_and_nothing_is_low_without_cases(world):
    levels = risk_levels(district=world.district, day=DAY)
    assert set(levels) == {world.town.pk, world.street.pk}
    street = levels[world.street.pk]
    assert (street.level, street.new_confirmed, street.cumulative_confirmed, street.clusters) == (
        "low",
        0,
        0,
        0,
    )
    assert (street.window_start, street.window_end, street.policy_version) == (
        DAY - dt.timedelta(days=13),
        DAY,
        1,
    )
    assert street.reason == "近14天无新增确诊病例（累计确诊0例），为低风险地区"
    assert street.label == "低风险"


@pytest.mark.parametrize(("days_before", "new"), [(13, 1), (14, 0)])
def test_window_edges_day_14_counts_day_15_does_not(world, confirm, days_before, new):
    confirm(1, DAY - dt.timedelta(days=days_before))
    town = _town(world)
    assert (town.new_confirmed, town.cumulative_confirmed) == (new, 1)
    assert town.level == ("medium" if new else "low")


def test_a_case_confirmed_after_the_day_is_not_counted_yet(world, confirm):
    confirm(1, DAY + dt.timedelta(days=1))
    assert _town(world).cumulative_confirmed == 0


def test_clinical_recovered_and_died_count_asymptomatic_and_suspected_do_not(world, confirm):
    old = DAY - dt.timedelta(days=30)
    recovered, died = confirm(2, old)
    classification_set(
        actor=world.hq,
        person=recovered,
        to=Classification.RECOVERED,
        reason="出院",
        at=at(old + dt.timedelta(days=9)),
    )
    classification_set(
        actor=world.hq, person=died, to=Classification.DIED, reason="死亡", at=at(old + dt.timedelta(days=9))
    )
    confirm(1, DAY, to=Classification.CLINICAL)
    confirm(1, DAY, to=Classification.ASYMPTOMATIC)
    confirm(1, DAY, to=Classification.SUSPECTED)
    town = _town(world)
    assert (town.new_confirmed, town.cumulative_confirmed) == (1, 3)


def test_a_confirmed_case_later_excluded_is_not_counted(world, confirm):
    (person,) = confirm(1, DAY - dt.timedelta(days=2), to=Classification.SUSPECTED)
    classification_set(
        actor=world.hq, person=person, to=Classification.EXCLUDED, reason="两次阴性", at=at(DAY)
    )
    assert _town(world).cumulative_confirmed == 0


def test_sixty_cases_long_ago_and_nothing_new_is_low(world, confirm):
    confirm(60, DAY - dt.timedelta(days=40))
    town = _town(world)
    assert (town.level, town.cumulative_confirmed, town.new_confirmed) == ("low", 60, 0)


def test_fifty_is_medium_fifty_one_with_a_cluster_is_high_without_one_medium(world, confirm):
    old = confirm(49, DAY - dt.timedelta(days=40))
    a, b = confirm(2, DAY - dt.timedelta(days=3))
    town = _town(world)
    assert (town.level, town.cumulative_confirmed) == ("medium", 51)
    assert town.clusters == 0 and "无聚集性疫情" in town.reason
    link(a, b, DAY - dt.timedelta(days=5))
    town = _town(world)
    assert (town.level, town.clusters) == ("high", 1)
    assert town.reason == "近14天新增确诊2例，累计确诊51例（超过50例），近14天内有聚集性疫情1起，为高风险地区"
    assert len(old) == 49


def test_exactly_fifty_with_a_cluster_stays_medium(world, confirm):
    confirm(48, DAY - dt.timedelta(days=40))
    a, b = confirm(2, DAY - dt.timedelta(days=3))
    link(a, b, DAY - dt.timedelta(days=5))
    town = _town(world)
    assert (town.level, town.cumulative_confirmed, town.clusters) == ("medium", 50, 1)


def test_a_cluster_links_through_a_contact_who_is_not_a_case_and_counts_in_both_towns(world, confirm):
    (a,) = confirm(1, DAY - dt.timedelta(days=2))
    (b,) = confirm(1, DAY - dt.timedelta(days=20), grid=world.grid_b)
    healthy = f.person(f.household(world.grid_a, "风险测试中间人"), "接触者")
    link(a, healthy, DAY - dt.timedelta(days=4))
    link(b, healthy, DAY - dt.timedelta(days=4))
    levels = risk_levels(district=world.district, day=DAY)
    assert levels[world.town.pk].clusters == 1 and levels[world.street.pk].clusters == 1
    # The street's own case is old: the cluster is active, the street has nothing new, so it is low.
    assert levels[world.street.pk].level == "low"


def test_a_cluster_with_no_case_in_the_window_is_not_active(world, confirm):
    a, b = confirm(2, DAY - dt.timedelta(days=20))
    link(a, b, DAY - dt.timedelta(days=22))
    assert _town(world).clusters == 0


def test_a_link_recorded_with_a_later_exposure_is_not_a_cluster_yet(world, confirm):
    a, b = confirm(2, DAY - dt.timedelta(days=2))
    link(a, b, DAY + dt.timedelta(days=1))
    assert _town(world).clusters == 0
    assert _town(world, DAY + dt.timedelta(days=1)).clusters == 1


def test_an_old_day_uses_the_old_version_and_a_new_one_applies_from_its_date(world, confirm):
    confirm(6, DAY - dt.timedelta(days=3))
    RiskPolicy.objects.create(
        district=world.district, version=2, name="从严", effective_from=DAY, medium_max_cumulative=5,
        high_requires_cluster=False,
    )  # fmt: skip
    before = _town(world, DAY - dt.timedelta(days=1))
    after = _town(world)
    assert (before.policy_version, before.level) == (1, "medium")
    assert (after.policy_version, after.level) == (2, "high")


def test_another_districts_version_does_not_apply(world, confirm):
    confirm(6, DAY - dt.timedelta(days=3))
    RiskPolicy.objects.create(
        district=world.other_district, version=2, name="外区", effective_from=DAY, medium_max_cumulative=5,
        high_requires_cluster=False,
    )  # fmt: skip
    assert (_town(world).policy_version, _town(world).level) == (1, "medium")


def test_before_the_first_version_there_is_no_level(world):
    assert risk_levels(district=world.district, day=dt.date(2020, 1, 31)) == {}
    with pytest.raises(NoRiskLevel):
        region_risk(region=world.district, day=dt.date(2020, 1, 31))


def test_a_district_takes_its_highest_town_and_a_village_its_towns(world, confirm):
    confirm(2, DAY - dt.timedelta(days=1))
    district = region_risk(region=world.district, day=DAY)
    assert (district.region_id, district.level, district.new_confirmed) == (world.district.pk, "medium", 2)
    assert district.reason == "所辖2个镇（街道）中高风险0个、中风险1个、低风险1个，按最高等级为中风险"
    village = region_risk(region=world.grid_a, day=DAY)
    assert (village.region_id, village.level) == (world.grid_a.pk, "medium")
    assert village.reason.startswith("按所在甲镇计：近14天新增确诊2例")
    assert region_risk(region=world.street, day=DAY).level == "low"


def test_history_walks_the_days_with_one_read(world, confirm, django_assert_max_num_queries):
    confirm(1, DAY - dt.timedelta(days=5))
    with django_assert_max_num_queries(5):
        history = town_history(town=world.town, day=DAY, days=30)
    assert len(history) == 30 and history[-1].window_end == DAY
    levels = [a.level for a in history]
    assert levels == ["low"] * 24 + ["medium"] * 6  # confirmed 5 days before: 6 days


def _add_towns(world, first, n):
    for i in range(first, first + n):
        town = f.region(f"420199{200 + i:03d}", f"新镇{i}", Level.TOWN, world.district)
        village = f.region(f"420199{200 + i:03d}001", f"新村{i}", Level.VILLAGE, town)
        yield f.region(f"420199{200 + i:03d}001001", f"新村{i}网格", Level.GRID, village)


def test_query_count_does_not_grow_with_towns(world, confirm, django_assert_max_num_queries):
    grids = list(_add_towns(world, 0, 2))
    for grid in grids:
        confirm(1, DAY, grid=grid)
    with django_assert_max_num_queries(4) as small:
        risk_levels(district=world.district, day=DAY)
    for grid in _add_towns(world, 2, 6):
        confirm(1, DAY, grid=grid)
    with django_assert_max_num_queries(len(small.captured_queries)):
        levels = risk_levels(district=world.district, day=DAY)
    assert len(levels) == 10 and sum(a.level == "medium" for a in levels.values()) == 8


def test_a_database_that_lost_the_national_version_gets_it_back(world, confirm):
    RiskPolicy.objects.all().delete()  # as a flushed test database or a partial restore leaves it
    confirm(1, DAY)
    town = _town(world)
    assert (town.level, town.policy_version) == ("medium", 1)
    national = RiskPolicy.objects.get(district__isnull=True)
    assert (national.version, national.effective_from, national.medium_max_cumulative) == (
        1,
        dt.date(2020, 2, 1),
        50,
    )
