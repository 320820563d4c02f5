"""Clues: reported by staff, routed to the police station of the area, its outcome seen by the reporter's
unit, and the counts the daily report can read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from epigrid.clues.errors import ClueInvalid
from epigrid.clues.models import Clue
from epigrid.clues.selectors import (
    clue_contact,
    clue_counts,
    clue_get_for_user,
    clues_for_user,
    police_for_regions,
)
from epigrid.clues.services import ClueInput, clue_outcome, clue_report
from epigrid.core.models import AuditEvent
from epigrid.core.roles import Role
from tests import factories as f


def _report(world, actor=None, region=None, **extra):
    data = {"kind": "returnee", "description": "二组李家来了外地亲戚，没有登记", **extra}
    return clue_report(
        actor=actor or world.grid_worker_a, data=ClueInput(region=region or world.grid_a, **data)
    )


def test_a_clue_is_routed_to_the_police_station_of_its_area(world):
    clue = _report(world, contact_name="王五", contact_phone="13700002222").clue
    assert (clue.district_id, clue.town_id, clue.village_id, clue.grid_id) == (
        world.district.pk, world.town.pk, world.village_a.pk, world.grid_a.pk,
    )  # fmt: skip
    assert police_for_regions([clue.region])[clue.region_id] == [world.police]
    assert list(clues_for_user(user=world.police)) == [clue]
    assert clue_contact(world.police, clue) == ("王五", "13700002222")
    event = AuditEvent.objects.get(object_type="clue")
    assert "13700002222" not in str(event.detail) and "王五" not in str(event.detail)


def test_a_police_station_sees_only_its_area(world):
    _report(world, actor=world.grid_worker_b, region=world.grid_b)
    assert not clues_for_user(user=world.police).exists()  # 乙街道 has no police account yet
    other_police = f.user("police_b", Role.POLICE, world.street)
    assert clues_for_user(user=other_police).count() == 1
    foreign_police = f.user("police_o", Role.POLICE, world.other_district)
    clue = Clue.objects.get()
    with pytest.raises(Http404):
        clue_get_for_user(user=foreign_police, clue_id=clue.pk)
    with pytest.raises(PermissionDenied):
        clue_outcome(actor=world.police, clue=clue, status="verified", note="")


def test_the_police_record_the_outcome_and_the_reporter_sees_it(world):
    clue = _report(world).clue
    with pytest.raises(ClueInvalid) as exc:
        clue_outcome(actor=world.police, clue=clue, status="false", note="")
    assert exc.value.by_field == {"note": ["请写明核实或处置情况。"]}
    clue_outcome(actor=world.police, clue=clue, status="checking")
    done = clue_outcome(
        actor=world.police, clue=clue, status="handled", note="已劝导居家观察，移交村委会登记"
    )
    assert done.status == "handled" and done.verified_at is not None and done.outcome_by == world.police
    seen = clue_get_for_user(user=world.grid_worker_a, clue_id=clue.pk)
    assert seen.get_status_display() == "已处置" and seen.outcome_note.startswith("已劝导")
    with pytest.raises(PermissionDenied):
        clue_outcome(actor=world.town_officer, clue=clue, status="verified", note="")


def test_the_reporters_unit_sees_a_clue_placed_above_it(world):
    clue = _report(world, actor=world.grid_worker_a, region=world.village_a).clue
    assert clue.reporter_unit == world.grid_a
    assert clue_get_for_user(user=world.grid_worker_a, clue_id=clue.pk) == clue
    with pytest.raises(Http404):
        clue_get_for_user(user=world.grid_worker_b, clue_id=clue.pk)


def test_bad_input_names_every_field_and_writes_nothing(world):
    with pytest.raises(ClueInvalid) as exc:
        _report(world, kind="x", description=" ", contact_phone="12")
    assert set(exc.value.by_field) == {"kind", "description", "contact_phone"}
    assert not Clue.objects.exists()


def test_the_same_key_reports_once_and_departments_only_read(world):
    first = _report(world, idempotency_key="k1")
    again = _report(world, idempotency_key="k1")
    assert first.created and not again.created and Clue.objects.count() == 1
    with pytest.raises(PermissionDenied):
        _report(world, actor=world.department, region=world.grid_a)
    with pytest.raises(PermissionDenied):
        _report(world, actor=world.grid_worker_a, region=world.grid_b)


def test_counts_per_region_and_period(world):
    _report(world)
    rumour = _report(world, kind="rumour", description="听说喝白酒能防病毒").clue
    _report(world, actor=world.grid_worker_b, region=world.grid_b, kind="rumour", description="谣言")
    clue_outcome(actor=world.police, clue=rumour, status="false", note="已辟谣")
    start = timezone.now() - dt.timedelta(hours=1)
    end = timezone.now() + dt.timedelta(minutes=1)
    town = clue_counts(world.town, start, end)
    assert (town.received, town.rumours, town.false, town.verified) == (2, 1, 1, 0)
    district = clue_counts(world.district, start, end)
    assert (district.received, district.rumours) == (3, 2)
    assert clue_counts(world.grid_b, start, end).received == 1
    assert clue_counts(world.town, end, end + dt.timedelta(hours=1)).received == 0
