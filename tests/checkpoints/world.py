"""Objects of the transport hubs in the shared test world, made on first use (the URL and API walks
name them in PARAMETER_OBJECTS): 甲镇's railway station screening point with a two-place observation
room, and the stay of a traveller with fever in it (``hub_stay_a``, for the ``stay_id`` parameter)."""

from __future__ import annotations

from functools import cached_property

from tests.conftest import World


def _station(world: World):
    from epigrid.checkpoints.models import Checkpoint
    from epigrid.checkpoints.services import CheckpointInput, checkpoint_save

    return checkpoint_save(
        actor=world.town_officer,
        data=CheckpointInput(
            name="甲镇火车站体温检测点", kind=Checkpoint.Kind.RAILWAY, region=world.town,
            unit="甲镇人民政府", observation_places=2,
        ),
    )  # fmt: skip


def _stay(world: World):
    from epigrid.checkpoints.services import PassageInput, PersonInput, passage_register

    result = passage_register(
        actor=world.checkpoint,
        checkpoint=world.hub_station_a,
        data=PassageInput(
            vehicle_type="", disposition="through", service_no="K1234", origin="西安",
            people=[PersonInput(name="周敏", phone="13900001111", temperature="38.1")],
        ),
    )  # fmt: skip
    return result.passage.people.get().observation


for _name, _make in (("hub_station_a", _station), ("hub_stay_a", _stay)):
    if not hasattr(World, _name):
        _prop = cached_property(_make)
        _prop.__set_name__(World, _name)
        setattr(World, _name, _prop)
