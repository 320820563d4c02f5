"""The clues tests use the shared world, with the clue objects the walks use too; rate-limit counters
kept in the process cache start empty for each test."""

from __future__ import annotations

import pytest
from django.core.cache import caches

from tests.clues import world as _clues_world  # noqa: F401 - World.clue_a, community_link_a, resident_entry_a


@pytest.fixture(autouse=True)
def _empty_rate_counters():
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture
def link_a(world):
    """甲村's community page and its token (the token is known only here, as on the poster)."""
    from epigrid.clues.entries import link_create

    return link_create(actor=world.village_leader, village=world.village_a, label="村委会公告栏")
