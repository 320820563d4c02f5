"""Putting people on duty: scope, shifts across midnight, the same shift twice, double bookings."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from epigrid.core.models import AuditEvent
from epigrid.volunteers.duties import conflicts_for, duty_assign, duty_remove
from epigrid.volunteers.errors import VolunteerInvalid
from epigrid.volunteers.models import Duty, Volunteer
from epigrid.volunteers.services import VolunteerInput, volunteer_save
from tests.volunteers.conftest import shift

DAY = dt.date(2026, 2, 10)


@pytest.fixture(autouse=True)
def ten_in_the_morning():
    with time_machine.travel("2026-02-10 10:00 +0800", tick=False):
        yield


def test_a_unit_shift_carries_its_chain_moments_and_the_members_phone(world):
    result = duty_assign(
        actor=world.village_leader, data=shift(DAY, region=world.village_a, volunteer=world.volunteer_a)
    )
    duty = result.duty
    assert result.created and result.conflicts == []
    assert (duty.district_id, duty.town_id, duty.village_id, duty.grid_id) == (
        world.district.pk,
        world.town.pk,
        world.village_a.pk,
        None,
    )
    assert duty.phone == "13700001111" and duty.person_key == f"v:{world.volunteer_a.pk}"
    assert duty.end_at - duty.start_at == dt.timedelta(hours=12)
    event = AuditEvent.objects.get(object_type="duty", action=AuditEvent.Action.CREATE)
    assert "13700001111" not in str(event.detail)


def test_a_night_shift_ends_the_next_morning_and_equal_times_are_24_hours(world):
    night = duty_assign(
        actor=world.town_officer,
        data=shift(DAY, 20, 8, region=world.town, staff=world.town_officer, phone="13900000001"),
    ).duty
    assert night.end_at - night.start_at == dt.timedelta(hours=12) and night.crosses_midnight
    assert timezone.localtime(night.end_at).replace(tzinfo=None) == dt.datetime(2026, 2, 11, 8, 0)  # noqa: DTZ001 - the local wall clock
    whole = duty_assign(
        actor=world.hq, data=shift(DAY, 8, 8, region=world.district, staff=world.hq, phone="13900000002")
    ).duty
    assert whole.end_at - whole.start_at == dt.timedelta(hours=24)


def test_the_same_shift_twice_is_stored_once(world):
    data = shift(DAY, region=world.village_a, volunteer=world.volunteer_a)
    first = duty_assign(actor=world.village_leader, data=data)
    again = duty_assign(actor=world.village_leader, data=data)
    assert again.duty == first.duty and not again.created and Duty.objects.count() == 1
    with pytest.raises(VolunteerInvalid) as caught:
        duty_assign(
            actor=world.village_leader,
            data=shift(DAY, 8, 18, region=world.village_a, volunteer=world.volunteer_a),
        )
    assert list(caught.value.by_field) == ["ends_at"]


def test_a_double_booking_is_accepted_and_reported_on_both_shifts(world, gate):
    first = duty_assign(
        actor=world.village_leader, data=shift(DAY, region=world.village_a, volunteer=world.volunteer_a)
    ).duty
    second = duty_assign(
        actor=world.town_officer, data=shift(DAY, 12, 16, checkpoint=gate, volunteer=world.volunteer_a)
    )
    assert second.created and second.conflicts == [first]
    flags = conflicts_for([first, second.duty])
    assert flags == {first.pk: [second.duty], second.duty.pk: [first]}


def test_back_to_back_shifts_are_no_double_booking(world, gate):
    duty_assign(
        actor=world.village_leader, data=shift(DAY, region=world.village_a, volunteer=world.volunteer_a)
    )
    result = duty_assign(
        actor=world.town_officer, data=shift(DAY, 20, 8, checkpoint=gate, volunteer=world.volunteer_a)
    )
    assert result.conflicts == []


def test_a_volunteer_who_is_also_staff_is_one_person(world, gate):
    staff_shift = duty_assign(
        actor=world.town_officer,
        data=shift(DAY, region=world.town, staff=world.village_leader, phone="13900000003"),
    ).duty
    member = world.volunteer_a
    volunteer_save(
        actor=world.village_leader,
        volunteer=member,
        data=VolunteerInput(
            name=member.name,
            phone=member.phone,
            kind=member.kind,
            region=member.region,
            user=world.village_leader,
        ),
    )
    result = duty_assign(actor=world.town_officer, data=shift(DAY, 9, 11, checkpoint=gate, volunteer=member))
    assert result.conflicts == [staff_shift]


def test_linking_a_member_later_re_keys_their_shifts(world):
    duty = duty_assign(
        actor=world.village_leader, data=shift(DAY, region=world.village_a, volunteer=world.volunteer_a)
    ).duty
    member = world.volunteer_a
    volunteer_save(
        actor=world.village_leader,
        volunteer=member,
        data=VolunteerInput(
            name=member.name,
            phone=member.phone,
            kind=member.kind,
            region=member.region,
            user=world.grid_worker_a,
        ),
    )
    duty.refresh_from_db()
    assert duty.person_key == f"u:{world.grid_worker_a.pk}"


@pytest.mark.parametrize("persona", ["grid_worker_a", "department", "checkpoint", "outsider"])
def test_only_managers_put_people_on_duty(world, persona):
    with pytest.raises(PermissionDenied):
        duty_assign(
            actor=getattr(world, persona),
            data=shift(DAY, region=world.village_a, volunteer=world.volunteer_a),
        )


def test_a_village_leader_cannot_roster_another_village(world):
    with pytest.raises(PermissionDenied):
        duty_assign(
            actor=world.village_leader,
            data=shift(DAY, region=world.village_b, staff=world.village_leader, phone="13900000004"),
        )


def test_bad_shifts_are_refused_by_field(world):
    outsider_member = Volunteer.objects.create(
        name="外人",
        phone="13700009999",
        kind="volunteer",
        region=world.other_grid,
        district=world.other_district,
    )
    with pytest.raises(VolunteerInvalid) as caught:
        duty_assign(
            actor=world.hq,
            data=shift(
                DAY + dt.timedelta(days=90),
                region=world.village_a,
                volunteer=outsider_member,
                duty_role="boss",
            ),
        )
    assert set(caught.value.by_field) == {"person", "day", "duty_role"}
    with pytest.raises(VolunteerInvalid) as caught:
        duty_assign(
            actor=world.hq, data=shift(DAY, region=world.village_a, staff=world.hq)
        )  # no phone anywhere
    assert caught.value.by_field == {"phone": ["请填写值班联系电话。"]}
    with pytest.raises(VolunteerInvalid) as caught:
        duty_assign(actor=world.hq, data=shift(DAY, region=world.village_a, staff=world.outsider, phone="1"))
    assert set(caught.value.by_field) == {"person", "phone"}
    assert not Duty.objects.exists()


def test_an_inactive_member_or_checkpoint_is_refused(world, gate):
    member = world.volunteer_a
    member.active = False
    member.save(update_fields=["active"])
    gate.active = False
    gate.save(update_fields=["active"])
    with pytest.raises(VolunteerInvalid) as caught:
        duty_assign(actor=world.town_officer, data=shift(DAY, checkpoint=gate, volunteer=member))
    assert set(caught.value.by_field) == {"person", "place"}


def test_removing_a_shift_is_for_managers_in_scope_and_audited(world):
    duty = world.duty_a
    with pytest.raises(PermissionDenied):
        duty_remove(actor=world.grid_worker_a, duty=duty)
    with pytest.raises(PermissionDenied):
        duty_remove(actor=world.outsider, duty=duty)
    duty_remove(actor=world.town_officer, duty=duty)
    assert not Duty.objects.exists()
    assert AuditEvent.objects.filter(object_type="duty", action=AuditEvent.Action.DELETE).count() == 1
