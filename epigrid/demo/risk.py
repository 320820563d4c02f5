"""The demo's risk levels: nothing to load (levels are read from the cases, never stored), so this
step reports how the demo's towns come out today under the rules in force, for ``epigrid demo`` to
print. ``demo.epidemic`` places the cases so that there is a low and a medium town (and a high one
when the district has a third town)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from epigrid.core.clock import local_today
from epigrid.regions.models import Level, Region
from epigrid.risk.selectors import risk_levels


@dataclass(frozen=True)
class DemoRisk:
    towns: int = 0
    low: int = 0
    medium: int = 0
    high: int = 0


def demo_risk_load() -> DemoRisk:
    """Count the first district's towns at each level today (reads only; safe to run again)."""
    district = Region.objects.filter(level=Level.DISTRICT).order_by("code").first()
    if district is None:
        return DemoRisk()
    levels = Counter(a.level for a in risk_levels(district=district, day=local_today()).values())
    return DemoRisk(
        towns=sum(levels.values()), low=levels["low"], medium=levels["medium"], high=levels["high"]
    )
