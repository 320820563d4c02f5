"""Indicators: each figure from individual records as of the cut-off, per subtree, in bounded queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from epigrid.cases.models import Classification as C
from epigrid.cases.services import classification_set
from epigrid.checkpoints.models import Disposition
from epigrid.checkpoints.services import PassageInput, PersonInput, passage_register
from epigrid.lists.models import ListBatch
from epigrid.monitoring.checks import check_record
from epigrid.monitoring.episodes import episode_release, episode_start
from epigrid.monitoring.models import Episode, HealthCheck, Room, Site
from epigrid.people.models import Person, TravelRecord
from epigrid.reports.indicators import (
    INDICATORS,
    indicator_table,
    indicator_values,
    report_cutoff,
    report_day,
)
from tests import factories as f

DAY = dt.date(2020, 1, 28)
SHANGHAI = ZoneInfo("Asia/Shanghai")
TZ = "+0800"


def at(day: dt.date, clock: str) -> str:
    return f"{day.isoformat()} {clock} {TZ}"


def _classify(world, person, *steps):
    for to in steps:
        classification_set(actor=world.hq, person=person, to=to, reason="测试")


@pytest.fixture
def scene(world):
    """Records of 甲镇 and 乙街道 on 28 January 2020, each made at its own moment."""
    people = {name: Person.objects.get(name=name) for name in ("王芳", "曾强")}
    extra = {
        name: f.person(world.hh_a2, name) for name in ("临床", "无症状", "院发热", "社发热", "集中", "监测")
    }
    released = f.person(world.hh_b1, "期满")
    with time_machine.travel(at(DAY - dt.timedelta(days=20), "09:00"), tick=False):
        old = episode_start(
            actor=world.hq, person=released, kind=Episode.Kind.HOME, basis=Episode.Basis.OTHER,
            last_exposure=DAY - dt.timedelta(days=20),
        )  # fmt: skip
    ListBatch.objects.filter(pk=world.hq_batch.pk).update(
        created_at=dt.datetime(2020, 1, 28, 8, tzinfo=SHANGHAI)
    )
    with time_machine.travel(at(DAY, "09:00"), tick=False):
        TravelRecord.objects.create(
            person=world.zhang, origin="武汉", from_outbreak_area=True, arrived_on=DAY - dt.timedelta(days=1)
        )
        TravelRecord.objects.create(
            person=people["王芳"], origin="广州（途经武汉）", via_outbreak_area=True, arrived_on=DAY
        )
        TravelRecord.objects.create(person=people["曾强"], origin="浙江温州", arrived_on=DAY)
        home = episode_start(
            actor=world.hq, person=world.zhang, kind=Episode.Kind.HOME, basis=Episode.Basis.OUTBREAK_RETURN,
            arrival=DAY - dt.timedelta(days=1),
        )  # fmt: skip
        site = Site.objects.create(district=world.district, name="区宾馆")
        room = Room.objects.create(site=site, number="101")
        episode_start(
            actor=world.hq, person=extra["集中"], kind=Episode.Kind.CENTRAL,
            basis=Episode.Basis.CLOSE_CONTACT, last_exposure=DAY, room=room,
        )  # fmt: skip
        episode_start(
            actor=world.hq, person=extra["监测"], kind=Episode.Kind.MONITORING, basis=Episode.Basis.OTHER,
            last_exposure=DAY,
        )  # fmt: skip
        _classify(world, world.li, C.CONFIRMED)
        _classify(world, people["曾强"], C.SUSPECTED)
        _classify(world, people["王芳"], C.CLOSE_CONTACT)
        _classify(world, extra["临床"], C.SUSPECTED, C.CLINICAL)
        _classify(world, extra["无症状"], C.ASYMPTOMATIC)
        _classify(world, extra["院发热"], C.FEVER_HOSPITAL)
        _classify(world, extra["社发热"], C.FEVER_COMMUNITY)
        world.screening_a1  # noqa: B018 (a visit of household 甲1, made now)
        passage_register(
            actor=world.checkpoint, checkpoint=world.checkpoint_a,
            data=PassageInput(
                vehicle_type="car", plate="鄂A54321", disposition=Disposition.TURNED_BACK,
                people=[
                    PersonInput(name="过客", temperature="36.6"), PersonInput(name="发热", temperature="38.0")
                ],
            ),
        )  # fmt: skip
    with time_machine.travel(at(DAY, "10:00"), tick=False):
        episode_release(actor=world.hq, episode=old)
        check_record(
            actor=world.hq, episode=home, day=DAY, slot="am", temperature=Decimal("36.5"),
            channel=HealthCheck.Channel.PHONE, recorded_at=timezone.now(),
        )  # fmt: skip
    return world


EXPECTED_DISTRICT = {
    "confirmed": 2,  # 李娜 confirmed, 临床 clinically diagnosed
    "clinical": 1,
    "suspected": 1,
    "asymptomatic": 1,
    "fever_hospital": 1,
    "fever_community": 1,
    "fever_clinic_visits": 0,  # no visit in this scene (tests/triage/test_indicator.py covers the figure)
    "close_contacts": 1,
    "home_observation": 1,
    "centralized_observation": 1,
    "home_monitoring": 1,
    "observation_total": 3,
    "new_observation_today": 3,
    "released_today": 1,
    "new_confirmed_today": 2,
    "new_suspected_today": 2,  # 曾强, and 临床 before their clinical diagnosis
    "returnees_outbreak": 2,
    "returnees_transit": 1,
    "controlled": 1,
    "not_controlled": 1,
    "returnees_other_provinces": 1,
    "list_batches": 1,
    "list_people": 1,
    "households_visited": 1,
    "people_screened": 1,
    "checks_due_today": 3,  # the morning slot of the three open episodes (the evening's is at 20:00)
    "checks_missed_today": 2,
    "checkpoint_vehicles": 1,  # one car at 甲村's entrance: one person turned back, one to the fever clinic
    "checkpoint_people": 2,
    "checkpoint_turned_back": 1,
    "checkpoint_handed_over": 0,
    "checkpoint_fever_clinic": 1,
    "checkpoint_observation": 0,
    "supplies_short": 0,  # no unit keeps supplies in this scene (tests/resources covers the figures)
    "supplies_out": 0,
    "clues_received": 0,  # no clue in this scene (tests/clues/test_report_figures.py covers the figures)
    "clues_verified": 0,
    "rumours": 0,
}


def test_every_indicator_of_the_district_as_of_the_cutoff(scene, django_assert_max_num_queries):
    cutoff = report_cutoff(DAY)
    with django_assert_max_num_queries(22):  # + the fever visits (triage)
        values = indicator_values(scene.district, cutoff)
    assert list(values) == list(INDICATORS)
    assert values == EXPECTED_DISTRICT


def test_the_subtrees_split_the_figures(scene):
    cutoff = report_cutoff(DAY)
    town = indicator_values(scene.town, cutoff)
    street = indicator_values(scene.street, cutoff)
    assert (town["confirmed"], street["confirmed"]) == (1, 1)
    assert (town["released_today"], street["released_today"]) == (0, 1)
    assert (town["returnees_outbreak"], street["returnees_outbreak"]) == (2, 0)
    assert indicator_values(scene.other_district, cutoff) == dict.fromkeys(INDICATORS, 0)
    assert indicator_values(scene.grid_a, cutoff)["households_visited"] == 1


def test_the_table_of_children_equals_one_call_per_child_in_the_same_queries(
    scene, django_assert_max_num_queries
):
    cutoff = report_cutoff(DAY)
    children = [scene.town, scene.street]
    with django_assert_max_num_queries(20):  # + the fever visits (triage)
        table = indicator_table(children, cutoff, None)
    assert table == {c.pk: indicator_values(c, cutoff) for c in children}
    with django_assert_max_num_queries(3):
        only = indicator_table(children, cutoff, ["confirmed", "suspected"])
    assert only[scene.street.pk] == {"confirmed": 1, "suspected": 0}


def test_a_record_after_the_cutoff_is_not_counted(scene):
    cutoff = report_cutoff(DAY)
    late = f.person(scene.hh_a1, "晚到")
    with time_machine.travel(at(DAY, "19:00"), tick=False):
        _classify(scene, scene.li, C.RECOVERED)  # confirmed at 18:00, recovered after
        _classify(scene, late, C.CONFIRMED)
        TravelRecord.objects.create(person=late, origin="武汉", from_outbreak_area=True, arrived_on=DAY)
        episode_start(
            actor=scene.hq, person=Person.objects.get(name="曾强"), kind=Episode.Kind.HOME,
            basis=Episode.Basis.OTHER, last_exposure=DAY,
        )  # fmt: skip
    values = indicator_values(scene.district, cutoff)
    assert values == EXPECTED_DISTRICT
    next_day = indicator_values(scene.district, report_cutoff(DAY + dt.timedelta(days=1)))
    assert next_day["confirmed"] == 2  # 李娜 recovered, 晚到 confirmed
    assert next_day["new_confirmed_today"] == 1
    assert next_day["returnees_outbreak"] == 3
    assert next_day["home_observation"] == 2
    assert next_day["released_today"] == 0


def test_a_classification_not_yet_made_at_the_cutoff_is_left_out(scene):
    with time_machine.travel(at(DAY, "08:00"), tick=False):
        morning = indicator_values(
            scene.district, timezone.now(), ["confirmed", "suspected", "home_observation"]
        )
    # Only 期满, released at 10:00, was under home observation at 08:00.
    assert morning == {"confirmed": 0, "suspected": 0, "home_observation": 1}


def test_a_merged_record_is_left_out(scene):
    from epigrid.people.services import person_register_unplaced

    twin = person_register_unplaced(
        actor=None, region=scene.district, name="李娜", source=Person.Source.SENT_DOWN
    )
    with time_machine.travel(at(DAY, "11:00"), tick=False):
        _classify(scene, twin, C.SUSPECTED)
        TravelRecord.objects.create(person=twin, origin="武汉", from_outbreak_area=True, arrived_on=DAY)
    before = indicator_values(scene.district, report_cutoff(DAY))
    assert (before["suspected"], before["returnees_outbreak"]) == (2, 3)
    # What person_merge leaves behind: the absorbed record points at the kept one.
    Person.objects.filter(pk=twin.pk).update(merged_into=scene.li)
    after = indicator_values(scene.district, report_cutoff(DAY))
    assert (after["suspected"], after["returnees_outbreak"]) == (1, 2)


@override_settings(EPIGRID_REPORT_CUTOFF="24:00")
def test_a_midnight_cutoff_closes_the_day_at_its_end():
    cutoff = report_cutoff(DAY)
    assert cutoff == dt.datetime(2020, 1, 29, 0, 0, tzinfo=SHANGHAI)
    assert report_day(cutoff) == DAY


def test_the_default_cutoff_is_six_in_the_evening():
    assert report_cutoff(DAY) == dt.datetime(2020, 1, 28, 18, 0, tzinfo=SHANGHAI)


def test_an_unknown_key_is_refused(world):
    with pytest.raises(KeyError):
        indicator_values(world.district, report_cutoff(DAY), ["nonsense"])


def test_every_indicator_has_a_chinese_label_a_unit_and_a_group():
    from epigrid.reports.indicators import GROUP_LABELS

    for key, indicator in INDICATORS.items():
        assert indicator.key == key
        assert indicator.unit in ("人", "例", "户", "批", "人次", "辆", "项", "条")
        assert indicator.group in GROUP_LABELS
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(indicator.label))


def test_today_runs_from_the_last_cutoff(scene):
    # Asked at 10:00 the next day: since 28 January 18:00, so the day's new observations are not counted.
    with time_machine.travel(at(DAY + dt.timedelta(days=1), "10:00"), tick=False):
        values = indicator_values(
            scene.district, timezone.now(), ["new_observation_today", "home_observation"]
        )
    assert values == {"new_observation_today": 0, "home_observation": 1}
