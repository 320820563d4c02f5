"""The demo's towns come out low and medium risk (the issue asks for a medium-risk town), and the
placement gives a high town too when the district has a third town."""

from __future__ import annotations

import pytest

from epigrid.core.clock import local_today
from epigrid.core.models import User
from epigrid.demo.accounts import demo_accounts_ensure
from epigrid.demo.cases import demo_cases_load
from epigrid.demo.epidemic import CAPPED, OPEN, QUIET, demo_epidemic_load, town_roles
from epigrid.demo.generator import generate
from epigrid.demo.outbreak import demo_outbreak_load
from epigrid.demo.risk import DemoRisk, demo_risk_load
from epigrid.regions.models import Level, Region
from epigrid.risk.selectors import region_risk, risk_levels


@pytest.mark.django_db(transaction=True)
def test_the_demo_has_a_low_and_a_medium_town():
    generate(size="small")
    demo_accounts_ensure()
    demo_outbreak_load(staff=User.objects.get(username="village"))
    hq = User.objects.get(username="hq")
    demo_cases_load(actor=hq)
    epidemic = demo_epidemic_load(actor=hq)
    assert epidemic.cases > 100 and epidemic.unplaced == 0
    assert demo_risk_load() == DemoRisk(towns=2, low=1, medium=1, high=0)
    district = Region.objects.get(level=Level.DISTRICT)
    levels = risk_levels(district=district, day=local_today())
    low = next(a for a in levels.values() if a.level == "low")
    medium = next(a for a in levels.values() if a.level == "medium")
    assert low.new_confirmed == 0 and low.cumulative_confirmed > 50  # the epidemic's early weeks
    assert 0 < medium.new_confirmed and medium.cumulative_confirmed <= 50 and medium.clusters >= 1
    assert "不超过50例），为中风险地区" in medium.reason
    assert region_risk(region=district, day=local_today()).level == "medium"
    assert demo_epidemic_load(actor=hq).cases == 0  # once
    assert demo_risk_load() == DemoRisk(towns=2, low=1, medium=1, high=0)


def test_town_roles_give_each_level_a_town():
    assert town_roles([1, 2], cluster_town=2) == {1: QUIET, 2: CAPPED}
    assert town_roles([1, 2, 3, 4], cluster_town=3) == {1: QUIET, 2: OPEN, 3: OPEN, 4: CAPPED}
    assert town_roles([5], cluster_town=5) == {5: OPEN}
    assert town_roles([1, 2, 3], cluster_town=None) == {1: QUIET, 2: OPEN, 3: CAPPED}
