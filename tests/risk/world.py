"""Objects of the risk app in the shared test world, made on first use: a version of the risk rules
added by the HQ of 测试区 (no URL or operation takes its id; the walks reach the app through regions)."""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from tests.conftest import World


def _policy(world: World):
    from epigrid.risk.models import RiskPolicy

    return RiskPolicy.objects.create(
        district=world.district, version=2, name="测试区标准", effective_from=dt.date(2026, 3, 1),
        medium_max_cumulative=5, created_by=world.hq,
    )  # fmt: skip


for _name, _make in (("risk_policy_a", _policy),):
    if not hasattr(World, _name):
        _prop = cached_property(_make)
        _prop.__set_name__(World, _name)
        setattr(World, _name, _prop)
