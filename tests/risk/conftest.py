"""The risk tests use the shared world; ``cases`` makes confirmed people in a grid on given days."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable

import pytest
from django.utils import timezone

from epigrid.cases.models import Classification, Contact
from epigrid.cases.services import classification_set
from epigrid.people.models import Person
from epigrid.regions.models import Region
from tests import factories as f
from tests.risk import world as _risk_world  # noqa: F401 - World.risk_policy_a

DAY = dt.date(2026, 3, 20)  # the day the tests assess, far after the national version 1 (2020-02-01)
_numbers = itertools.count(1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def confirm(world) -> Callable[..., list[Person]]:
    """Make ``n`` confirmed people in ``grid`` (default 甲村第1网格), confirmed on ``day``."""

    def make(
        n: int, day: dt.date, *, grid: Region | None = None, to: str = Classification.CONFIRMED
    ) -> list[Person]:
        household = f.household(grid or world.grid_a, f"风险测试{next(_numbers)}号")
        people = []
        for _ in range(n):
            person = f.person(household, "病例")
            classification_set(actor=world.hq, person=person, to=to, reason="核酸阳性", at=at(day))
            people.append(person)
        return people

    return make


def link(a: Person, b: Person, day: dt.date) -> Contact:
    """Record that ``b`` was exposed to ``a`` (as the register would), last on ``day``."""
    return Contact.objects.create(case=a, contact=b, setting=Contact.Setting.HOUSEHOLD, last_exposure=day)
