"""The triage tests use the shared world with the triage objects (``tests/triage/world.py``).

Until the walks import this app's world themselves, the parameter ``visit_id`` and the listing
``/api/v1/triage/visits`` are registered here, so the walks run with this app's pages and endpoints
whenever these tests are collected with them.
"""

from __future__ import annotations

from tests.api import test_walk
from tests.core import test_url_scope_walk
from tests.triage import world as _triage_world  # noqa: F401 - World.clinic, fever_room_a, fever_visit_a

test_url_scope_walk.PARAMETER_OBJECTS.setdefault("visit_id", "fever_visit_a")
test_walk.LISTINGS.add("/api/v1/triage/visits")
