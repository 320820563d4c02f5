"""A checkpoint at the entrance of 甲村 (甲镇), run by the town's checkpoint staff; 甲镇's railway station
screening point with a two-place observation room (``tests.checkpoints.world``)."""

from __future__ import annotations

import pytest

from epigrid.checkpoints.models import Checkpoint
from epigrid.checkpoints.services import CheckpointInput, checkpoint_save
from tests.checkpoints import world as _checkpoints_world  # noqa: F401 - World.hub_station_a, hub_stay_a


@pytest.fixture
def gate(world) -> Checkpoint:
    return checkpoint_save(
        actor=world.town_officer,
        data=CheckpointInput(
            name="甲村村口卡点", kind=Checkpoint.Kind.VILLAGE_ENTRANCE, region=world.village_a,
            road_name="X101县道", unit="甲村村委会", person_in_charge="周主任", phone="13912345678",
        ),
    )  # fmt: skip


@pytest.fixture
def station(world) -> Checkpoint:
    return world.hub_station_a
