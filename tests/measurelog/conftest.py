"""The measures log in the test world: a fixed afternoon to log in, and helpers to log and seal.

甲镇 (town) ── 甲村 (village A) ── 甲村第1网格 (grid A1); 乙街道 ── 乙社区 ── 乙社区第1网格; the outsider
works in 外区. Personas: hq (district), town_officer (甲镇), village_leader (甲村), grid_worker_a (grid
A1), grid_worker_b (乙社区's grid), department and checkpoint (read only here), outsider.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from epigrid.measurelog.models import MeasureEntry, SealedCompound
from epigrid.measurelog.sealed_services import sealed_compound_add
from epigrid.measurelog.services import measure_log_add
from tests.measurelog import world as _world  # noqa: F401 - adds World.measure_entry_a, sealed_compound_a

DAY = dt.date(2020, 2, 5)  # 2020-02-05, a Wednesday of the outbreak


@pytest.fixture
def afternoon():
    """Stand still at 16:00 of ``DAY`` (Asia/Shanghai): today is DAY, the report's cut-off still ahead."""
    with time_machine.travel(f"{DAY.isoformat()} 16:00 +0800", tick=False) as traveller:
        yield traveller


@pytest.fixture
def log(world, afternoon):
    """Log an entry: ``log(kind, count, region=village A, actor=its leader, day=DAY, **rest)``."""

    def make(
        kind: str, count: object, *, region=None, actor=None, day: dt.date = DAY, **rest
    ) -> MeasureEntry:
        return measure_log_add(
            actor=actor or world.village_leader,
            region=region or world.village_a,
            day=day,
            kind=kind,
            count=count,
            **rest,
        ).entry

    return make


@pytest.fixture
def seal(world, afternoon):
    """Seal a compound: ``seal(name, region=village A, actor=the town, sealed_on=DAY - 3, guard_posts=2)``."""

    def make(
        name: str, *, region=None, actor=None, sealed_on: dt.date | None = None, **rest
    ) -> SealedCompound:
        rest.setdefault("guard_posts", 2)
        return sealed_compound_add(
            actor=actor or world.town_officer,
            region=region or world.village_a,
            name=name,
            sealed_on=sealed_on or DAY - dt.timedelta(days=3),
            **rest,
        ).compound

    return make
