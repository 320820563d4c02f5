"""The URL conf as (name, route, methods), and each route filled with objects of 甲镇 and 测试区: inside
the scope of every persona of the matrix (tests/security/test_matrix.py) but the outsider's."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from functools import cache

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.checkpoints import world as _checkpoints_world  # noqa: F401 - World.hub_station_a, hub_stay_a
from tests.clues import world as _clues_world  # noqa: F401 - World.clue_a, resident_entry_a …
from tests.core.test_url_scope_walk import PARAMETER_OBJECTS
from tests.followups import world as _followups_world  # noqa: F401 - World.followup_task
from tests.measurelog import world as _measurelog_world  # noqa: F401 - World.measure_entry_a …
from tests.publicinfo import world as _publicinfo_world  # noqa: F401 - World.bulletin_a, public_notice_a
from tests.triage import world as _triage_world  # noqa: F401 - World.clinic, fever_room_a, fever_visit_a
from tests.volunteers import world as _volunteers_world  # noqa: F401 - World.volunteer_team_a …

API_PREFIX = "api/v1/"
PAGE_METHODS = frozenset({"GET", "POST"})

# A page or operation whose region must be of a given level: the region the matrix passes (URL name ->
# World attribute); every other region parameter is grid 甲村第1网格.
REGION_OF = {
    "reports:unit": "village_a",
    "api:reports_of_unit": "village_a",
    "reports:status": "town",
    "reports:completeness": "town",
    "api:completeness_of": "town",
    "reports:document:page": "town",
    "reports:document:save": "town",
    "reports:document:issue": "town",
    "reports:document:discard": "town",
    "reports:document:docx": "town",
    "measurelog:table": "town",
    "api:table": "town",
    "resources:depot_open": "town",
    "publicinfo:manage": "district",
    "publicinfo:bulletin_new": "district",
    "publicinfo:notice_new": "district",
    "publicinfo:notice_edit": "district",
    "api:bulletin_list": "district",
    "api:notice_list": "district",
    "api:allocation_get": "district",
    "api:coverage": "district",
    "checkpoints:road_map": "district",
    "api:rt": "town",
}
# Query parameters a page or an operation needs besides its region (URL name -> values).
EXTRA_QUERY: dict[str, dict[str, object]] = {
    "screenings:lookup": {"row": "n00a0b1"},
    "api:form_export_xlsx": {"purpose": "核对返乡人员名单"},
}
# Pages of a transport hub (observation room, handovers to other districts): 甲镇's railway station.
HUB_PAGES = frozenset(
    {
        "checkpoints:room",
        "checkpoints:outside",
        "checkpoints:outside_print",
        "checkpoints:outside_xlsx",
        "api:room_detail",
        "api:outside_list",
        "api:room_outcome",
    }
)
# API operations that take the region in the query rather than in the path.
QUERY_REGION = re.compile(r"^\{?region_id\}?$")


@cache
def api_methods() -> dict[str, frozenset[str]]:
    """URL name of each API operation -> the HTTP methods of that operation."""
    from epigrid.api.api import api

    methods: dict[str, frozenset[str]] = {}
    for bound in api._get_bound_routers():
        for path_view in bound.path_operations.values():
            for operation in path_view.operations:
                name = getattr(operation, "url_name", "") or api.get_operation_url_name(
                    operation, router=bound.template
                )
                methods[f"api:{name}"] = frozenset(m.upper() for m in operation.methods)
    return methods


@cache
def api_query_names() -> dict[str, frozenset[str]]:
    """URL name of each API GET operation -> the names of its query parameters."""
    from epigrid.api.api import api

    schema = api.get_openapi_schema()
    by_id: dict[str, frozenset[str]] = {}
    for item in schema["paths"].values():
        for method, operation in item.items():
            if method == "get":
                names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
                by_id[operation["operationId"]] = frozenset(names)
    found: dict[str, frozenset[str]] = {}
    for bound in api._get_bound_routers():
        for path_view in bound.path_operations.values():
            for operation in path_view.operations:
                name = getattr(operation, "url_name", "") or api.get_operation_url_name(
                    operation, router=bound.template
                )
                operation_id = operation.operation_id or api.get_openapi_operation_id(operation)
                found[f"api:{name}"] = by_id.get(operation_id, frozenset())
    return found


def _walk(resolver: URLResolver, prefix: str = "", ns: str = "") -> Iterator[tuple[str, str, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = ns + (f"{entry.namespace}:" if entry.namespace else "")
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        else:
            yield ns + (entry.name or ""), prefix + str(entry.pattern), entry


@cache
def walk_all() -> tuple[tuple[str, str, frozenset[str]], ...]:
    """(URL name, route, methods) of every pattern but the static files; pages take GET and POST."""
    rows = []
    for name, route, _pattern in _walk(get_resolver()):
        if route.startswith("static/"):
            continue
        methods = (
            api_methods().get(name, frozenset({"GET"})) if route.startswith(API_PREFIX) else PAGE_METHODS
        )
        rows.append((name, route, methods))
    # ninja names two operations alike when two routers have handlers of one name (entry_detail of the
    # measures and of the clues): such names are keyed "name@route" here.
    counts = Counter(name for name, _route, _methods in rows)
    return tuple(
        (f"{name}@{route}" if counts[name] > 1 else name, route, methods) for name, route, methods in rows
    )


def uses_object(name: str, route: str) -> bool:
    """Whether the matrix fills the URL with an object of 测试区 (an id in the path or a region query)."""
    return "<int:" in route or "region_id" in api_query_names().get(name.partition("@")[0], frozenset())


def matrix_url(name: str, route: str, world) -> tuple[str, dict[str, object]]:
    """The route filled with objects of 甲镇 / 测试区, and the query string an API GET needs."""
    name = name.partition("@")[0]
    region = getattr(world, REGION_OF.get(name, "grid_a"))

    def fill(match: re.Match[str]) -> str:
        parameter = match.group(1)
        if parameter == "region_id":
            return str(region.pk)
        if parameter == "checkpoint_id" and name in HUB_PAGES:
            return str(world.hub_station_a.pk)
        if parameter in PARAMETER_OBJECTS:
            return str(getattr(world, PARAMETER_OBJECTS[parameter]).pk)
        if parameter == "token":
            return world_token(world, route)
        if parameter == "code":
            return world.district.code
        if parameter == "day":
            return str(world.bulletin_a.day)
        if parameter == "item_code":
            return "surgical-mask"
        if parameter == "name":
            return "returnee-register"  # a built-in department form (data migration): every district has it
        raise AssertionError(
            f"add the parameter {parameter!r} of {route!r} to tests/security/matrix_support.py"
        )

    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", fill, route)
    query: dict[str, object] = {}
    wanted = api_query_names().get(name, frozenset())
    if "region_id" in wanted:
        query["region_id"] = region.pk
    if "item" in wanted:
        query["item"] = "surgical-mask"
    return path, {**query, **EXTRA_QUERY.get(name, {})}


# A square district boundary and a road across it (the road map and its coverage need a network).
BOUNDARY = json.dumps(
    {
        "type": "Polygon",
        "coordinates": [[[114.0, 30.0], [114.1, 30.0], [114.1, 30.1], [114.0, 30.1], [114.0, 30.0]]],
    }
).encode()
ROADS = json.dumps(
    {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "测试路"},
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[113.95, 30.05], [114.05, 30.05], [114.15, 30.05]],
                },
            }
        ],
    }
).encode()


def prepare(world) -> None:
    """Make what some pages show only once it exists: 张伟 a confirmed case (his cluster), the bulletin
    published (its public page), the hub and its stay, every object of PARAMETER_OBJECTS."""
    from epigrid.cases.models import Classification
    from epigrid.cases.services import classification_set
    from epigrid.checkpoints import roads
    from epigrid.publicinfo.services import bulletin_publish

    for attribute in PARAMETER_OBJECTS.values():
        getattr(world, attribute)
    assert world.hub_station_a.pk
    classification_set(
        actor=world.town_officer, person=world.zhang, to=Classification.CONFIRMED, reason="核酸检测阳性"
    )
    bulletin_publish(actor=world.hq, bulletin=world.bulletin_a)
    roads.network_import(
        actor=world.hq, district=world.district, name="测试路网", roads=ROADS, boundary=BOUNDARY
    )


def world_token(world, route: str) -> str:
    """A live token: 甲村's community page for ``clues/p/``, 张伟's self-report link otherwise."""
    if route.startswith("clues/"):
        if "community_token" not in world.__dict__:
            from epigrid.clues.entries import link_create

            world.__dict__["community_token"] = link_create(
                actor=world.village_leader, village=world.village_a
            )[1]
        return world.__dict__["community_token"]
    if "report_token" not in world.__dict__:
        from epigrid.monitoring.checks import link_create as report_link_create

        world.__dict__["report_token"] = report_link_create(
            actor=world.grid_worker_a, episode=world.episode_zhang
        )[1]
    return world.__dict__["report_token"]


def login(world, persona: str) -> Client:
    client = Client(raise_request_exception=False)
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    return client
