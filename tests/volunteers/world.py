"""Objects of the volunteers app in the shared test world, made on first use (the URL and API walks
name them in PARAMETER_OBJECTS): 甲村's party-member team, one member, and a shift at 甲村."""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from django.utils import timezone

from tests.conftest import World


def _team(world: World):
    from epigrid.volunteers.models import VolunteerTeam
    from epigrid.volunteers.services import TeamInput, team_save

    return team_save(
        actor=world.village_leader,
        data=TeamInput(name="甲村党员突击队", kind=VolunteerTeam.Kind.PARTY_COMMANDO, region=world.village_a),
    )


def _volunteer(world: World):
    from epigrid.volunteers.models import Volunteer
    from epigrid.volunteers.services import VolunteerInput, volunteer_save

    return volunteer_save(
        actor=world.village_leader,
        data=VolunteerInput(
            name="周建国", phone="13700001111", kind=Volunteer.Kind.PARTY_MEMBER, region=world.village_a,
            team=world.volunteer_team_a, grids=[world.grid_a],
        ),
    )  # fmt: skip


def _duty(world: World):
    from epigrid.volunteers.duties import DutyInput, duty_assign

    return duty_assign(
        actor=world.village_leader,
        data=DutyInput(
            day=timezone.localdate(), starts_at=dt.time(8), ends_at=dt.time(20), region=world.village_a,
            volunteer=world.volunteer_a,
        ),
    ).duty  # fmt: skip


for _name, _make in (("volunteer_team_a", _team), ("volunteer_a", _volunteer), ("duty_a", _duty)):
    if not hasattr(World, _name):
        _prop = cached_property(_make)
        _prop.__set_name__(World, _name)
        setattr(World, _name, _prop)
