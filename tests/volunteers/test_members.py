"""Teams and members: who may keep them, what is refused (by field), phones normalised, links checked."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from epigrid.core.models import AuditEvent
from epigrid.volunteers.errors import VolunteerInvalid
from epigrid.volunteers.models import Volunteer, VolunteerTeam
from epigrid.volunteers.services import TeamInput, VolunteerInput, team_save, volunteer_save


def _member(world, **changes) -> VolunteerInput:
    data = {
        "name": "刘芳",
        "phone": "+86 137-0000-2222",
        "kind": Volunteer.Kind.BUILDING_LEADER,
        "region": world.village_b,
        "grids": [world.grid_b],
    }
    data.update(changes)
    return VolunteerInput(**data)


def test_a_team_carries_its_region_chain_and_is_audited(world):
    team = world.volunteer_team_a
    assert (team.district_id, team.town_id, team.village_id, team.grid_id) == (
        world.district.pk,
        world.town.pk,
        world.village_a.pk,
        None,
    )
    event = AuditEvent.objects.get(object_type="volunteer_team", object_id=str(team.pk))
    assert event.action == AuditEvent.Action.CREATE and event.user == world.village_leader


def test_a_team_needs_a_name_unique_in_its_region_and_a_town_village_or_grid(world):
    team = world.volunteer_team_a
    with pytest.raises(VolunteerInvalid) as caught:
        team_save(actor=world.hq, data=TeamInput(name=team.name, kind="service", region=world.village_a))
    assert caught.value.by_field == {"name": ["该区域已有同名队伍。"]}
    with pytest.raises(VolunteerInvalid) as caught:
        team_save(actor=world.hq, data=TeamInput(name=" ", kind="nope", region=world.district))
    assert set(caught.value.by_field) == {"name", "kind", "region"}
    assert VolunteerTeam.objects.count() == 1


@pytest.mark.parametrize("persona", ["grid_worker_a", "department", "checkpoint", "outsider", "admin"])
def test_only_hq_towns_and_village_leaders_keep_teams(world, persona):
    with pytest.raises(PermissionDenied):
        team_save(
            actor=getattr(world, persona), data=TeamInput(name="队", kind="service", region=world.village_a)
        )


def test_a_village_leader_cannot_keep_another_villages_team(world):
    with pytest.raises(PermissionDenied):
        team_save(
            actor=world.village_leader, data=TeamInput(name="队", kind="service", region=world.village_b)
        )


def test_the_leader_must_be_a_member_of_the_team(world):
    team = world.volunteer_team_a
    other = volunteer_save(actor=world.hq, data=_member(world))
    with pytest.raises(VolunteerInvalid) as caught:
        team_save(
            actor=world.hq,
            team=team,
            data=TeamInput(name=team.name, kind=team.kind, region=team.region, leader=other),
        )
    assert list(caught.value.by_field) == ["leader"]
    saved = team_save(
        actor=world.hq,
        team=team,
        data=TeamInput(name=team.name, kind=team.kind, region=team.region, leader=world.volunteer_a),
    )
    assert saved.leader == world.volunteer_a


def test_a_member_phone_is_normalised_and_not_logged(world):
    member = volunteer_save(actor=world.hq, data=_member(world))
    assert member.phone == "13700002222"
    assert list(member.grids.all()) == [world.grid_b]
    assert (member.village_id, member.grid_id) == (world.village_b.pk, None)
    event = AuditEvent.objects.get(object_type="volunteer", object_id=str(member.pk))
    assert "13700002222" not in str(event.detail) and "刘芳" not in str(event.detail)


def test_a_bad_member_is_refused_field_by_field_and_nothing_is_saved(world):
    with pytest.raises(VolunteerInvalid) as caught:
        volunteer_save(
            actor=world.hq,
            data=_member(
                world, name="", phone="1234", kind="x", grids=[world.grid_a], team=world.volunteer_team_a
            ),
        )
    errors = caught.value.by_field
    assert set(errors) == {"name", "phone", "kind", "grids", "team"}
    assert "1234" not in errors["phone"][0]
    assert not Volunteer.objects.filter(name="刘芳").exists()


def test_a_member_may_be_linked_to_a_resident_and_an_account_once(world):
    member = volunteer_save(actor=world.hq, data=_member(world, person=world.li, user=world.grid_worker_b))
    assert member.person_key == f"u:{world.grid_worker_b.pk}"
    with pytest.raises(VolunteerInvalid) as caught:
        volunteer_save(
            actor=world.hq, data=_member(world, name="李娜", person=world.li, user=world.grid_worker_b)
        )
    assert set(caught.value.by_field) == {"person", "user"}


def test_links_outside_the_scope_or_district_are_refused(world):
    with pytest.raises(VolunteerInvalid) as caught:
        volunteer_save(
            actor=world.village_leader,
            data=_member(world, region=world.village_a, grids=[], person=world.li, user=world.outsider),
        )
    assert caught.value.by_field == {"person": ["未找到该登记人员。"], "user": ["该工作人员账号不在本区。"]}


def test_a_leader_who_leaves_the_team_no_longer_leads_it(world):
    team = world.volunteer_team_a
    member = world.volunteer_a
    team_save(
        actor=world.hq,
        team=team,
        data=TeamInput(name=team.name, kind=team.kind, region=team.region, leader=member),
    )
    volunteer_save(
        actor=world.hq,
        volunteer=member,
        data=VolunteerInput(name=member.name, phone=member.phone, kind=member.kind, region=member.region),
    )
    team.refresh_from_db()
    assert team.leader is None


def test_a_team_or_member_sent_twice_is_stored_once(world):
    team = world.volunteer_team_a
    again = team_save(
        actor=world.village_leader, data=TeamInput(name=team.name, kind=team.kind, region=team.region)
    )
    assert again == team and VolunteerTeam.objects.count() == 1
    first = volunteer_save(actor=world.hq, data=_member(world))
    assert volunteer_save(actor=world.hq, data=_member(world, phone="13700002222")) == first
    assert Volunteer.objects.filter(name="刘芳").count() == 1
