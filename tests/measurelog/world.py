"""The measures log's objects in the test world for the URL and API walks: ``world.measure_entry_a``
and ``world.sealed_compound_a`` (甲村's, made on first use).

The walks (tests/core/test_url_scope_walk.py, tests/api/test_walk.py) fill ``<measure_id>`` and
``<compound_id>`` with them; this module adds them to ``World`` because the world fixture is not this
app's file.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from django.utils import timezone

from epigrid.measurelog.models import MeasureEntry, SealedCompound
from epigrid.measurelog.sealed_services import sealed_compound_add
from epigrid.measurelog.services import measure_log_add
from tests.conftest import World


def measure_entry_a(world: World) -> MeasureEntry:
    """甲村's 20 leaflets of yesterday, logged by its village leader."""
    return measure_log_add(
        actor=world.village_leader,
        region=world.village_a,
        day=timezone.localdate() - dt.timedelta(days=1),
        kind="leaflets",
        count=20,
    ).entry


def sealed_compound_a(world: World) -> SealedCompound:
    """甲村's 幸福小区, sealed yesterday by the town with two guard posts."""
    return sealed_compound_add(
        actor=world.town_officer,
        region=world.village_a,
        name="幸福小区",
        sealed_on=timezone.localdate() - dt.timedelta(days=1),
        guard_posts=2,
    ).compound


for _function in (measure_entry_a, sealed_compound_a):
    if not hasattr(World, _function.__name__):
        _property = cached_property(_function)
        _property.__set_name__(World, _function.__name__)
        setattr(World, _function.__name__, _property)
