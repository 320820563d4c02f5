"""A task may be given to one of the district's volunteer teams: of the unit, above it or inside it."""

from __future__ import annotations

import datetime as dt

import pytest

from epigrid.core.clock import now
from epigrid.followups.errors import TaskInvalid
from epigrid.followups.selectors import teams_for
from epigrid.followups.services import task_assign
from epigrid.volunteers.models import VolunteerTeam
from epigrid.volunteers.services import TeamInput, team_save
from tests.api.conftest import API, session_client
from tests.followups.conftest import task_input


@pytest.fixture
def teams(world):
    village = team_save(
        actor=world.village_leader,
        data=TeamInput(name="甲村党员突击队", kind=VolunteerTeam.Kind.PARTY_COMMANDO, region=world.village_a),
    )
    street = team_save(
        actor=world.hq,
        data=TeamInput(name="乙社区志愿服务队", kind=VolunteerTeam.Kind.SERVICE, region=world.village_b),
    )
    return village, street


def test_a_grids_task_may_go_to_its_villages_team_whose_name_it_carries(world, teams, give):
    village_team, street_team = teams
    assert teams_for(region=world.grid_a) == [village_team]
    task = give(volunteer_team=village_team)
    assert task.volunteer_team == village_team and task.team == "甲村党员突击队"
    with pytest.raises(TaskInvalid) as exc:
        task_assign(actor=world.village_leader, data=task_input(world, volunteer_team=street_team))
    assert exc.value.by_field == {"volunteer_team": ["所选志愿服务队不在任务所属单位，也不在其上级或下级。"]}


def test_a_disbanded_team_is_refused(world, teams):
    village_team, _street = teams
    VolunteerTeam.objects.filter(pk=village_team.pk).update(active=False)
    village_team.refresh_from_db()
    with pytest.raises(TaskInvalid) as exc:
        task_assign(actor=world.village_leader, data=task_input(world, volunteer_team=village_team))
    assert exc.value.by_field == {"volunteer_team": ["所选志愿服务队已解散。"]}


def test_the_api_takes_a_volunteer_team_id(world, teams):
    village_team, street_team = teams
    body = {
        "region_id": world.grid_a.pk, "kind": "deliver", "title": "送口罩到甲村一组1号",
        "assignee_id": world.grid_worker_a.pk, "due_at": (now() + dt.timedelta(hours=2)).isoformat(),
        "volunteer_team_id": village_team.pk,
    }  # fmt: skip
    client = session_client(world.village_leader)
    created = client.post(f"{API}/followups", data=body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["team"] == "甲村党员突击队"
    other = {**body, "volunteer_team_id": street_team.pk}
    refused = client.post(f"{API}/followups", data=other, content_type="application/json")
    assert refused.status_code == 422 and "volunteer_team" in refused.content.decode()
