"""Objects of the core app in the shared test world (the URL and API walks name them): a personal API
token of 甲网格's worker."""

from __future__ import annotations

from functools import cached_property

from tests.conftest import World


def _api_token(world: World):
    from epigrid.core.tokens import api_token_create

    return api_token_create(actor=world.grid_worker_a, user=world.grid_worker_a, name="网格员手机").token


for _name, _make in (("api_token_a", _api_token),):
    if not hasattr(World, _name):
        _prop = cached_property(_make)
        _prop.__set_name__(World, _name)
        setattr(World, _name, _prop)
