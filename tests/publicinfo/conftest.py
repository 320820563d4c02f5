"""Public information tests: the shared world at a fixed clock (the public figures are those of the last
daily cut-off, 18:00 in the tests' settings), and helpers to put cases and observations into it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.publicinfo import world as _publicinfo_world  # noqa: F401 - World.bulletin_a, public_notice_a

DAY = dt.date(2020, 2, 10)


def at(day: dt.date, hour: int, minute: int = 0) -> str:
    return f"{day.isoformat()} {hour:02d}:{minute:02d} +0800"


@pytest.fixture
def morning():
    """10:00 on DAY: the world is made and the cases are classified then, before the day's cut-off."""
    with time_machine.travel(at(DAY, 10), tick=False) as traveller:
        yield traveller


@pytest.fixture
def classify(world):
    from epigrid.cases.services import classification_set

    def do(person, to: str):
        return classification_set(actor=world.hq, person=person, to=to, reason="流调判定")

    return do
