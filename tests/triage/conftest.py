"""The triage tests use the shared world with the triage objects (``tests/triage/world.py``)."""

from __future__ import annotations

from tests.triage import world as _triage_world  # noqa: F401 - World.clinic, fever_room_a, fever_visit_a
