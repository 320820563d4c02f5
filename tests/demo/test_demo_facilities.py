"""The demo's hospitals, fever clinics and family rooms, on top of the observation demo."""

from __future__ import annotations

import pytest

from epigrid.demo.accounts import demo_accounts_ensure
from epigrid.demo.facilities import demo_facilities_load
from epigrid.demo.generator import generate
from epigrid.demo.outbreak import demo_outbreak_load
from epigrid.monitoring.models import Episode, Room
from epigrid.regions.models import Level, Region
from epigrid.resources.facilities import site_table
from epigrid.resources.models import Facility


@pytest.mark.django_db(transaction=True)
def test_demo_facilities_and_one_person_per_single_room():
    generate(size="small")
    demo_accounts_ensure()
    demo_outbreak_load()
    result = demo_facilities_load()
    assert (result.hospitals, result.clinics, result.family_rooms) == (3, 5, 2)
    assert Facility.objects.filter(kind=Facility.Kind.DESIGNATED_HOSPITAL).count() == 3
    assert all(f.occupied <= f.beds and f.occupied_on for f in Facility.objects.all())
    assert Room.objects.filter(capacity=2).count() == 2
    central = Episode.objects.filter(kind=Episode.Kind.CENTRAL, status=Episode.Status.OPEN)
    rooms = list(central.values_list("room_id", flat=True))
    assert len(rooms) == len(set(rooms))  # 单人单间: nobody shares a single room
    _rows, total = site_table(Region.objects.get(level=Level.DISTRICT))
    assert total.occupied == central.count() and total.free_rooms == total.rooms - len(set(rooms))
    assert demo_facilities_load().hospitals == 0  # once
