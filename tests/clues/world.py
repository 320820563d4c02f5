"""Objects of the clues app in the shared test world, made on first use (the URL and API walks name
them in PARAMETER_OBJECTS): a clue at 甲村, 甲村's community page and a resident's entry through it."""

from __future__ import annotations

from functools import cached_property

from tests.conftest import World


def _clue(world: World):
    from epigrid.clues.services import ClueInput, clue_report

    return clue_report(
        actor=world.village_leader,
        data=ClueInput(
            kind="gathering", region=world.village_a, description="三组有人家办酒席，来了二十多人"
        ),
    ).clue


def _link(world: World):
    from epigrid.clues.entries import link_create

    return link_create(actor=world.village_leader, village=world.village_a, label="村委会公告栏")[0]


def _entry(world: World):
    from epigrid.clues.entries import EntryInput, entry_submit

    data = EntryInput(kind="returnee", name="孙红", phone="13911112222", origin="湖北武汉")
    return entry_submit(link=world.community_link_a, data=data, address="10.9.9.9").entry


for _name, _make in (("clue_a", _clue), ("community_link_a", _link), ("resident_entry_a", _entry)):
    if not hasattr(World, _name):
        _prop = cached_property(_make)
        _prop.__set_name__(World, _name)
        setattr(World, _name, _prop)
