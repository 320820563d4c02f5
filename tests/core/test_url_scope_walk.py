"""Walk every URL pattern: each view declares its access, and an outsider gets 403/404 on personal data.

A new view added later is picked up here automatically; if it takes an id, the walk fills it with an
object from another district and demands a refusal.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from epigrid.core.access import ACCESS_ATTR, PUBLIC, SCOPED
from tests.checkpoints import world as _checkpoints_world  # noqa: F401 - World.hub_station_a, hub_stay_a
from tests.clues import world as _clues_world  # noqa: F401 - World.clue_a, resident_entry_a …
from tests.core import world as _core_world  # noqa: F401 - World.api_token_a
from tests.followups import world as _followups_world  # noqa: F401 - World.followup_task
from tests.measurelog import world as _measurelog_world  # noqa: F401 - World.measure_entry_a …
from tests.publicinfo import world as _publicinfo_world  # noqa: F401 - World.bulletin_a, public_notice_a
from tests.triage import world as _triage_world  # noqa: F401 - World.clinic, fever_room_a, fever_visit_a
from tests.volunteers import world as _volunteers_world  # noqa: F401 - World.volunteer_team_a …

# URL parameter name -> attribute of the World fixture holding an object OUTSIDE the outsider's scope.
PARAMETER_OBJECTS = {
    "region_id": "grid_a",
    "household_id": "hh_a1",
    "person_id": "zhang",
    "import_id": "hq_import",
    "staff_id": "grid_worker_a",
    "batch_id": "hq_batch",
    "row_id": "hq_review_row",
    "screening_id": "screening_a1",
    "merge_id": "hq_merge",
    "episode_id": "episode_zhang",
    "report_id": "unit_report_a",
    "checkpoint_id": "checkpoint_a",
    "handover_id": "handover_b",
    "facility_id": "facility_a",
    "site_id": "site_a",
    "depot_id": "depot_a",
    "request_id": "supply_request_a",
    "clue_id": "clue_a",  # these three: added to World by tests/clues/world.py
    "entry_id": "resident_entry_a",
    "link_id": "community_link_a",
    "task_id": "followup_task",  # added to World by tests/followups/world.py
    "measure_id": "measure_entry_a",  # these two: added to World by tests/measurelog/world.py
    "compound_id": "sealed_compound_a",
    "team_id": "volunteer_team_a",  # these three: added to World by tests/volunteers/world.py
    "volunteer_id": "volunteer_a",
    "duty_id": "duty_a",
    "stay_id": "hub_stay_a",  # added to World by tests/checkpoints/world.py
    "visit_id": "fever_visit_a",  # added to World by tests/triage/world.py
    "bulletin_id": "bulletin_a",  # these two: added to World by tests/publicinfo/world.py
    "notice_id": "public_notice_a",
    "token_id": "api_token_a",  # grid_worker_a's API token: added to World by tests/core/world.py
}
# Parameters that are not ids: the walk fills them with a value that opens nothing.
PARAMETER_VALUES = {
    "<str:token>": "forged-token-opens-nothing",
    "<slug:name>": "no-such-form",
    "<slug:item_code>": "surgical-mask",  # an item, not a place: the district decides (HQ only)
    "<str:code>": "000000000",  # a public page of a region code that does not exist
    "<str:day>": "2026-01-01",  # the report document of a day: the region decides
}
# The JSON API answers 401 instead of redirecting to the log-in page, and 405 to a GET of a path that
# only takes POST; tests/api/test_walk.py walks every API operation with its own method.
API_PREFIX = "api/v1/"

# Names of people in the test world that the outsider must never see on any page.
FOREIGN_NAMES = ("张伟", "王芳", "曾强", "李娜")


def _walk(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


def _patterns() -> list[tuple[str, URLPattern]]:
    return [(route, p) for route, p in _walk(get_resolver()) if not route.startswith("static/")]


def test_every_view_declares_public_or_scoped():
    undeclared = [
        route for route, p in _patterns() if getattr(p.callback, ACCESS_ATTR, None) not in (PUBLIC, SCOPED)
    ]
    assert undeclared == []


def _url(route: str, world) -> str:
    path = route
    for name, attribute in PARAMETER_OBJECTS.items():
        path = path.replace(f"<int:{name}>", str(getattr(world, attribute).pk))
    for parameter, value in PARAMETER_VALUES.items():
        path = path.replace(parameter, value)
    assert "<" not in path, f"add the parameter of {route!r} to PARAMETER_OBJECTS"
    return "/" + path


@pytest.mark.parametrize("route", [route for route, _ in _patterns()])
def test_outsider_gets_nothing_personal(world, route):
    pattern = dict(_patterns())[route]
    client = Client()
    client.force_login(world.outsider)
    response = client.get(_url(route, world))
    if getattr(pattern.callback, ACCESS_ATTR, None) == SCOPED and "<" in route:
        assert response.status_code in ((403, 404, 405) if route.startswith(API_PREFIX) else (403, 404))
    elif route.startswith(API_PREFIX):
        # An API listing without its required query (a region) is a 422 naming the parameter; the
        # API's own walk (tests/api/test_walk.py) calls those with a region of the other district.
        assert response.status_code in (200, 403, 404, 405, 422)
    else:
        assert response.status_code in (200, 302, 403, 404, 405)
    body = response.content.decode(errors="replace")
    for name in FOREIGN_NAMES:
        assert name not in body


@pytest.mark.parametrize(
    "route", [route for route, p in _patterns() if getattr(p.callback, ACCESS_ATTR, None) == SCOPED]
)
def test_anonymous_is_sent_to_log_in(world, route):
    response = Client().get(_url(route, world))
    if route.startswith(API_PREFIX):
        assert response.status_code in (401, 405)
        return
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
