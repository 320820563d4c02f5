"""Objects of the publicinfo app in the shared test world (the URL and API walks name them): a draft
bulletin and a hotline of the test district."""

from __future__ import annotations

from functools import cached_property

from tests.conftest import World


def _bulletin(world: World):
    from epigrid.publicinfo.services import bulletin_draft

    return bulletin_draft(actor=world.hq, region=world.district)[0]


def _notice(world: World):
    from epigrid.publicinfo.services import notice_save

    return notice_save(
        actor=world.hq,
        region=world.district,
        kind="hotline",
        title="区疫情防控咨询热线",
        phone="0571-12345678",
    )


for _name, _make in (("bulletin_a", _bulletin), ("public_notice_a", _notice)):
    if not hasattr(World, _name):
        _prop = cached_property(_make)
        _prop.__set_name__(World, _name)
        setattr(World, _name, _prop)
