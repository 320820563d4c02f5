"""The demo's outbreak scenario: returnees and households under observation, with real states."""

from __future__ import annotations

import pytest

from epigrid.core.models import User
from epigrid.demo.accounts import demo_accounts_ensure
from epigrid.demo.generator import generate
from epigrid.demo.outbreak import demo_outbreak_load
from epigrid.monitoring.models import AlertAck, Episode, HealthCheck


@pytest.mark.django_db(transaction=True)
def test_outbreak_scenario_puts_returnees_and_households_under_observation_once():
    generate(size="small")
    demo_accounts_ensure()
    staff = User.objects.get(username="village")
    result = demo_outbreak_load(staff=staff)
    assert result.episodes > 20 and result.checks > result.episodes
    kinds = set(Episode.objects.values_list("kind", flat=True))
    assert Episode.Kind.HOME in kinds
    assert Episode.objects.filter(basis=Episode.Basis.OTHER).exists()  # the households
    assert HealthCheck.objects.count() == result.checks
    # Every episode is open or due: none starts before the observation period.
    assert all(e.planned_end >= e.started_on for e in Episode.objects.all())
    assert AlertAck.objects.exists()
    assert demo_outbreak_load(staff=staff).episodes == 0  # once
