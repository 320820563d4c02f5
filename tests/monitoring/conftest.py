"""Monitoring fixtures on top of the ``world`` of tests/conftest.py: the policy and open episodes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from epigrid.monitoring.models import Episode, Policy
from epigrid.monitoring.policy import current_policy


@pytest.fixture
def policy(db: None) -> Policy:
    """Version 1 of the protocol, as migration 0002 creates it."""
    return current_policy()


@pytest.fixture
def open_episode(world, policy):
    """Return a function that puts a person under home observation from ``days_ago`` (default 3)."""

    def make(person, *, days_ago: int = 3, kind: str = Episode.Kind.HOME) -> Episode:
        started = timezone.localdate() - dt.timedelta(days=days_ago)
        return Episode.objects.create(
            person=person,
            district_id=person.district_id,
            town_id=person.town_id,
            village_id=person.village_id,
            grid_id=person.grid_id,
            household_id=person.household_id,
            kind=kind,
            basis=Episode.Basis.OUTBREAK_RETURN,
            policy=policy,
            started_on=started,
            last_exposure=started,
            planned_end=started + dt.timedelta(days=policy.observation_days),
        )

    return make
