"""甲村's team and member (``world.volunteer_team_a``, ``world.volunteer_a``) and helpers for shifts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from epigrid.volunteers.duties import DutyInput
from tests.volunteers import world as _world  # noqa: F401 - adds volunteer_team_a … to World


def shift(day: dt.date | None = None, start: int = 8, end: int = 20, **place_and_person: object) -> DutyInput:
    """A shift from ``start`` to ``end`` o'clock (an end at or before the start: the next day)."""
    return DutyInput(
        day=day or timezone.localdate(), starts_at=dt.time(start), ends_at=dt.time(end),
        **place_and_person,  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.fixture
def gate(world):
    """甲村's entrance checkpoint, open around the clock."""
    return world.checkpoint_a
