"""Journeys from department-list rows: origin, outbreak area, transit, dates and transport."""

from __future__ import annotations

from datetime import date

from epigrid.lists.models import ListRow
from epigrid.lists.travel import journey_of, journeys_from_batch, transport_kind
from epigrid.people.models import TravelRecord


def test_journey_from_wuhan_with_dates_and_train():
    j = journey_of(
        {"origin": "湖北省武汉市", "arrival_date": "1月20日", "left_date": "2020/1/19", "transport": "高铁",
         "transport_no": "G1234", "companions": "妻子、儿子"},
        person_id=1,
        year=2020,
    )  # fmt: skip
    assert j is not None
    assert (j.from_outbreak_area, j.via_outbreak_area) == (True, False)
    assert (j.left_on, j.arrived_on) == (date(2020, 1, 19), date(2020, 1, 20))
    assert (j.transport, j.transport_no, j.companions) == ("train", "G1234", "妻子、儿子")


def test_transit_and_other_provinces():
    via = journey_of({"origin": "长沙", "via_outbreak": "是"}, person_id=1, year=2020)
    assert via is not None and (via.from_outbreak_area, via.via_outbreak_area) == (False, True)
    said = journey_of({"origin": "广州（途经武汉）"}, person_id=1, year=2020)
    assert said is not None and (said.from_outbreak_area, said.via_outbreak_area) == (False, True)
    other = journey_of({"origin": "深圳", "via_outbreak": "否"}, person_id=1, year=2020)
    assert other is not None and not other.from_outbreak_area and not other.via_outbreak_area
    assert journey_of({"name": "张三"}, person_id=1, year=2020) is None


def test_transport_kinds():
    assert transport_kind("飞机 CZ3456") == "plane"
    assert transport_kind("自驾") == "car"
    assert transport_kind("步行") == "other"
    assert transport_kind("") == ""


def test_batch_journeys_are_added_once(world):
    ListRow.objects.create(
        batch=world.hq_batch,
        row_number=8,
        name="张伟",
        person=world.zhang,
        decision="matched",
        fields={"name": "张伟", "origin": "武汉", "arrival_date": "2020-01-21"},
    )
    ListRow.objects.create(
        batch=world.hq_batch,
        row_number=9,
        name="张伟",
        person=world.zhang,
        decision="matched",
        fields={"name": "张伟", "origin": "武汉", "arrival_date": "2020-01-21"},
    )
    assert journeys_from_batch(batch_id=world.hq_batch.pk, year=2020) == 1
    assert journeys_from_batch(batch_id=world.hq_batch.pk, year=2020) == 0
    trip = TravelRecord.objects.get(person=world.zhang)
    assert trip.from_outbreak_area and trip.arrived_on == date(2020, 1, 21)
