"""A shift's phone is the duty contact, meant to be called: in full for every reader of the roster; a
volunteer's own phone (a shift that gives no other number) stays masked for roles without full phones."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from epigrid.volunteers.duties import duty_assign, duty_phone_for, is_personal_phone
from epigrid.volunteers.roster import roster_for_region
from epigrid.volunteers.selectors import member_lines
from tests.volunteers.conftest import shift

DAY = dt.date(2026, 2, 10)
STAFF_PHONE = "13900000005"
DUTY_LINE = "0710-12345678"


@pytest.fixture(autouse=True)
def ten_in_the_morning():
    with time_machine.travel("2026-02-10 10:00 +0800", tick=False):
        yield


@pytest.fixture
def shifts(world, gate):
    """甲村: the village leader on duty (08-20) and the volunteer at night on her own phone; the gate: the
    volunteer on the checkpoint's duty line."""
    staff = duty_assign(
        actor=world.village_leader,
        data=shift(DAY, 8, 20, region=world.village_a, staff=world.village_leader, phone=STAFF_PHONE),
    ).duty
    own = duty_assign(
        actor=world.village_leader,
        data=shift(DAY, 20, 8, region=world.village_a, volunteer=world.volunteer_a),
    ).duty
    line = duty_assign(
        actor=world.town_officer,
        data=shift(DAY, 8, 20, checkpoint=gate, volunteer=world.volunteer_a, phone=DUTY_LINE),
    ).duty
    return {"staff": staff, "own": own, "line": line}


def _phones(user, world) -> dict[str, str]:
    roster = roster_for_region(user=user, region=world.village_a, day=DAY)
    return {s.duty.phone: s.phone for p in roster.places for s in p.shifts}


def test_only_a_volunteers_own_number_counts_as_personal(world, shifts):
    assert [is_personal_phone(shifts[k]) for k in ("staff", "own", "line")] == [False, True, False]


def test_hq_sees_duty_contacts_in_full_and_the_volunteers_own_phone_masked(world, shifts):
    own = world.volunteer_a.phone
    phones = _phones(world.hq, world)
    assert phones[STAFF_PHONE] == STAFF_PHONE and phones[DUTY_LINE] == DUTY_LINE
    assert phones[own] == f"{own[:3]}****{own[-4:]}"
    assert duty_phone_for(world.hq.caps, shifts["own"]) == phones[own]


def test_a_role_with_full_phones_sees_every_number(world, shifts):
    phones = _phones(world.village_leader, world)
    assert phones == {STAFF_PHONE: STAFF_PHONE, world.volunteer_a.phone: world.volunteer_a.phone,
                      DUTY_LINE: DUTY_LINE}  # fmt: skip


def test_the_roster_page_offers_the_duty_number_to_call_and_hides_the_personal_one(world, shifts):
    client = Client()
    client.force_login(world.hq)
    body = client.get(reverse("volunteers:roster", args=[world.village_a.pk]), {"day": DAY.isoformat()})
    text = body.content.decode()
    assert body.status_code == 200
    assert f'href="tel:{STAFF_PHONE}"' in text
    assert world.volunteer_a.phone not in text


def test_the_volunteers_member_list_still_masks_their_phones(world, shifts):
    [line] = member_lines(user=world.hq, members=[world.volunteer_a])
    assert line.phone != world.volunteer_a.phone and "*" in line.phone
