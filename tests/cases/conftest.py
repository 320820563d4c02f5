"""Cases fixtures on top of the ``world`` of tests/conftest.py: the policy, and a confirmed case."""

from __future__ import annotations

import pytest
from django.utils import translation

from epigrid.cases.models import CaseStatus, Classification
from epigrid.cases.services import classification_set
from epigrid.monitoring.models import Policy
from epigrid.monitoring.policy import current_policy


@pytest.fixture
def policy(db: None) -> Policy:
    """Version 1 of the protocol, as migration 0002 creates it."""
    return current_policy()


@pytest.fixture
def confirmed_zhang(world, policy) -> CaseStatus:
    """张伟 (grid A1) reported as a confirmed case by the town."""
    return classification_set(
        actor=world.town_officer,
        person=world.zhang,
        to=Classification.CONFIRMED,
        reason="核酸检测阳性",
    )


@pytest.fixture(autouse=True)
def chinese():
    """Service messages are asserted in Chinese, whatever language an earlier request left active."""
    with translation.override("zh-hans"):
        yield
