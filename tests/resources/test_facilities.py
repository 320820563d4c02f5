"""Hospitals, fever clinics and observation sites: HQ's writes and their refusals, the site table."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from epigrid.core.clock import local_today
from epigrid.core.models import AuditEvent
from epigrid.core.roles import Role
from epigrid.monitoring.episodes import episode_convert, episode_start
from epigrid.monitoring.models import Episode, Room, Site
from epigrid.people.models import Person, TravelRecord
from epigrid.resources.facilities import (
    FacilityError,
    FacilityInput,
    facilities_for_user,
    facility_get_for_user,
    facility_occupancy,
    facility_save,
    parse_room_numbers,
    room_occupants,
    rooms_add,
    site_save,
    site_table,
)
from epigrid.resources.models import Facility
from tests import factories as f

CLINIC = Facility.Kind.FEVER_CLINIC


def _clinic(world, **kwargs) -> Facility:
    data = FacilityInput(kind=CLINIC, name="甲镇卫生院发热门诊", beds=20, occupied=5, district=world.district)
    for key, value in kwargs.items():
        data = FacilityInput(**{**data.__dict__, key: value})
    return facility_save(actor=world.hq, data=data)


def test_hq_adds_a_clinic_with_its_occupancy_time_and_an_audit_event(world):
    clinic = _clinic(world)
    assert (clinic.beds, clinic.occupied, clinic.free) == (20, 5, 15)
    assert clinic.occupied_on is not None and clinic.district_id == world.district.pk
    event = AuditEvent.objects.get(object_type="facility", object_id=str(clinic.pk))
    assert event.action == AuditEvent.Action.CREATE and event.detail["beds"] == 20
    assert "甲镇" not in str(event.detail)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"occupied": 21}, "occupied", "不能超过床位数"),
        ({"beds": -1}, "beds", "床位数须在"),
        ({"name": "  "}, "name", "请填写名称"),
        ({"kind": "clinic"}, "kind", "未知的机构类型"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(world, change, field, message):
    with pytest.raises(FacilityError, match=message) as caught:
        _clinic(world, **change)
    assert caught.value.field == field
    assert not Facility.objects.exists()
    assert not AuditEvent.objects.filter(object_type="facility").exists()


def test_a_name_is_unique_in_the_district(world):
    _clinic(world)
    with pytest.raises(FacilityError, match="同名机构"):
        _clinic(world, beds=3, occupied=0)
    assert Facility.objects.count() == 1


def test_only_hq_of_the_district_writes(world):
    with pytest.raises(PermissionDenied):
        facility_save(
            actor=world.town_officer,
            data=FacilityInput(kind=CLINIC, name="x", beds=1, district=world.district),
        )
    other_hq = f.user("other_hq", Role.DISTRICT_HQ, world.other_district)
    with pytest.raises(PermissionDenied):
        facility_save(
            actor=other_hq, data=FacilityInput(kind=CLINIC, name="x", beds=1, district=world.district)
        )
    clinic = _clinic(world)
    with pytest.raises(PermissionDenied):
        facility_occupancy(actor=other_hq, facility=clinic, occupied=1)
    assert not Facility.objects.filter(name="x").exists()


def test_occupancy_update_records_the_time_and_refuses_more_than_the_beds(world):
    clinic = _clinic(world)
    Facility.objects.filter(pk=clinic.pk).update(occupied_on=None)
    updated = facility_occupancy(actor=world.hq, facility=clinic, occupied=18)
    assert updated.occupied == 18 and updated.free == 2 and updated.occupied_on is not None
    for bad, message in ((21, "不能超过床位数（20）"), (-1, "不能为负数"), ("x", "请填写整数")):
        with pytest.raises(FacilityError, match=message):
            facility_occupancy(actor=world.hq, facility=clinic, occupied=bad)
    assert Facility.objects.get(pk=clinic.pk).occupied == 18


def test_reads_stay_in_the_district(world):
    clinic = _clinic(world)
    assert list(facilities_for_user(user=world.grid_worker_a)) == [clinic]
    assert list(facilities_for_user(user=world.outsider)) == []
    with pytest.raises(Http404):
        facility_get_for_user(user=world.outsider, facility_id=clinic.pk)


def test_room_numbers_read_ranges_and_lists():
    assert parse_room_numbers("201-203, 301，305") == ["201", "202", "203", "301", "305"]
    assert parse_room_numbers("08-10") == ["08", "09", "10"]
    with pytest.raises(FacilityError, match="范围有误"):
        parse_room_numbers("210-201")


def test_rooms_add_refuses_existing_numbers_whole(world):
    site = site_save(actor=world.hq, name="城南宾馆", district=world.district)
    rooms_add(actor=world.hq, site=site, numbers=["201", "202"])
    with pytest.raises(FacilityError, match="房间已存在：202"):
        rooms_add(actor=world.hq, site=site, numbers=["203", "202"])
    with pytest.raises(FacilityError, match="1到20"):
        rooms_add(actor=world.hq, site=site, numbers=["204"], capacity=0)
    assert sorted(site.rooms.values_list("number", flat=True)) == ["201", "202"]
    with pytest.raises(PermissionDenied):
        rooms_add(actor=world.village_leader, site=site, numbers=["209"])


def _central(world, person, room, basis=Episode.Basis.OUTBREAK_RETURN) -> Episode:
    return episode_start(
        actor=world.hq, person=person, kind=Episode.Kind.CENTRAL, basis=basis, room=room,
        last_exposure=local_today() - dt.timedelta(days=2),
    )  # fmt: skip


def test_site_table_counts_people_outbreak_returnees_and_free_rooms(world):
    site = site_save(actor=world.hq, name="城南宾馆", district=world.district)
    single = rooms_add(actor=world.hq, site=site, numbers=["201", "202", "203"])
    family = rooms_add(actor=world.hq, site=site, numbers=["301"], capacity=2)[0]
    empty = site_save(actor=world.hq, name="城北宾馆", district=world.district)
    zeng = Person.objects.get(name="曾强")
    wang = Person.objects.get(name="王芳")
    _central(world, world.zhang, single[0])  # returnee by basis
    _central(world, world.li, family, basis=Episode.Basis.CLOSE_CONTACT)
    _central(world, wang, family, basis=Episode.Basis.OTHER)  # back via Wuhan: her journey says so
    TravelRecord.objects.create(person=wang, via_outbreak_area=True, arrived_on=local_today())
    ended = _central(world, zeng, single[1], basis=Episode.Basis.CLOSE_CONTACT)
    episode_convert(actor=world.hq, episode=ended, reason=Episode.EndReason.TRANSFERRED)

    rows, total = site_table(world.district)
    assert [r.name for r in rows] == ["城北宾馆", "城南宾馆"]
    south = rows[1]
    assert (south.rooms, south.capacity, south.occupied, south.occupied_outbreak, south.free_rooms) == (
        4, 5, 3, 2, 2,
    )  # fmt: skip
    assert south.values["free_places"] == 2
    assert rows[0].site == empty and rows[0].occupied == 0
    assert (total.rooms, total.occupied, total.occupied_outbreak, total.free_rooms) == (4, 3, 2, 2)
    # A town's table counts its own people only; rooms stay the site's.
    town_rows, _ = site_table(world.town)
    assert (town_rows[1].occupied, town_rows[1].occupied_outbreak, town_rows[1].free_rooms) == (2, 2, 2)


def test_room_occupants_mask_people_outside_the_users_scope_and_audit(world):
    site = Site.objects.create(district=world.district, name="城南宾馆")
    room = Room.objects.create(site=site, number="301", capacity=2)
    Room.objects.create(site=site, number="302")
    _central(world, world.zhang, room)
    _central(world, world.li, room)
    views = room_occupants(user=world.grid_worker_a, site=site)
    assert [v.room.number for v in views] == ["301", "302"]
    names = {o.name: o.person_id for o in views[0].occupants}
    assert names == {"张伟": world.zhang.pk, "李*": None}
    assert views[0].free == 0 and views[1].free == 1
    event = AuditEvent.objects.filter(object_type="site", action=AuditEvent.Action.READ).latest("id")
    assert sorted(event.detail["persons"]) == sorted([world.zhang.pk, world.li.pk])
    hq_names = {o.name for o in room_occupants(user=world.hq, site=site)[0].occupants}
    assert hq_names == {"张伟", "李娜"}
    with pytest.raises(Http404):
        room_occupants(user=world.outsider, site=site)
