"""The district warehouse, 甲镇's and 甲村's depots, and the built-in items."""

from __future__ import annotations

import pytest

from epigrid.resources.items import builtin_items_ensure
from epigrid.resources.models import SupplyItem
from epigrid.resources.services import depot_for_region


@pytest.fixture
def items(db) -> dict[str, SupplyItem]:
    return {i.code: i for i in builtin_items_ensure()}


@pytest.fixture
def mask(items) -> SupplyItem:
    return items["surgical-mask"]


@pytest.fixture
def depots(world):
    return {
        "district": depot_for_region(world.district),
        "town": depot_for_region(world.town),
        "street": depot_for_region(world.street),
        "village": depot_for_region(world.village_a),
    }
