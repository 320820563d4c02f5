"""A checkpoint at the entrance of 甲村 (甲镇), run by the town's checkpoint staff."""

from __future__ import annotations

import pytest

from epigrid.checkpoints.models import Checkpoint
from epigrid.checkpoints.services import CheckpointInput, checkpoint_save


@pytest.fixture
def gate(world) -> Checkpoint:
    return checkpoint_save(
        actor=world.town_officer,
        data=CheckpointInput(
            name="甲村村口卡点", kind=Checkpoint.Kind.VILLAGE_ENTRANCE, region=world.village_a,
            road_name="X101县道", unit="甲村村委会", person_in_charge="周主任", phone="13912345678",
        ),
    )  # fmt: skip
