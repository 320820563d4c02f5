"""Walk every API operation from the OpenAPI schema: anonymous callers get 401, callers from another
district get 403 or 404 on every id of this one, and nobody sees a foreign name or changes anything.

A new operation is picked up automatically; one whose path parameter is unknown here fails loudly.
"""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from epigrid.api.api import EpiGridAPI
from epigrid.checkpoints.models import Checkpoint, Handover, Passage
from epigrid.core.access import ACCESS_ATTR, PUBLIC, SCOPED
from epigrid.core.roles import Role
from epigrid.lists.models import ListBatch, ListRow
from epigrid.measurelog.models import MeasureEntry, SealedCompound
from epigrid.monitoring.models import AlertAck, Episode, HealthCheck
from epigrid.people.models import Person, Screening
from epigrid.regions.models import Household
from epigrid.reports.models import UnitReport
from epigrid.resources.items import builtin_items_ensure
from epigrid.resources.models import Facility, Staffing, StockMovement, SupplyRequest
from tests import factories as f
from tests.api.conftest import API, session_client, token_client
from tests.core.test_url_scope_walk import FOREIGN_NAMES, PARAMETER_OBJECTS

# Operations that take no id: they answer a caller from elsewhere with that caller's own (empty) data.
LISTINGS = {
    "/api/v1/triage/visits",
    "/api/v1/regions",
    "/api/v1/persons",
    "/api/v1/households",
    "/api/v1/lists/sources",
    "/api/v1/lists/batches",
    "/api/v1/lists/review",
    "/api/v1/alerts",
    "/api/v1/forms",
    "/api/v1/checkpoints",
    "/api/v1/handovers",
    "/api/v1/supplies/items",
    "/api/v1/supplies/requests",
    "/api/v1/facilities",
    "/api/v1/sites",
    "/api/v1/clues",
    "/api/v1/clues/entries",
    "/api/v1/clues/links",
    "/api/v1/followups",
    "/api/v1/measures/entries",
    "/api/v1/measures/sealed",
    "/api/v1/volunteer-teams",
    "/api/v1/volunteers",
    "/api/v1/duties",
    "/api/v1/tokens",
}
# Operations on the caller's own account: a caller from elsewhere issues its own token (by session; a
# token may not issue tokens), which touches nothing of this district.
OWN_ACCOUNT = {("POST", "/api/v1/tokens"): {"session": 201, "token": 403}}


def _operations() -> list[tuple[str, str]]:
    from epigrid.api.api import api

    schema = api.get_openapi_schema()
    return [(method.upper(), route) for route, item in schema["paths"].items() for method in item]


# Parameters that are not ids: filled with a value that opens nothing (as the URL walk does).
API_PARAMETER_VALUES = {"name": "no-such-form"}


def _url(route: str, world) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in API_PARAMETER_VALUES:
            return API_PARAMETER_VALUES[name]
        assert name in PARAMETER_OBJECTS, (
            f"add {name!r} to PARAMETER_OBJECTS in tests/core/test_url_scope_walk.py"
        )
        return str(getattr(world, PARAMETER_OBJECTS[name]).pk)

    return re.sub(r"\{(\w+)\}", fill, route)


# Operations that need a region in the query: the walk asks about a region of this district.
REGION_QUERY = {
    "/api/v1/screenings",
    "/api/v1/counts/returnees",
    "/api/v1/episodes",
    "/api/v1/alerts/not-reported",
    "/api/v1/clusters",
    "/api/v1/curve",
    "/api/v1/cases",
    "/api/v1/cases/counts",
    "/api/v1/indicators",
    "/api/v1/reports",
    "/api/v1/reports/below",
    "/api/v1/completeness",
    "/api/v1/checkpoints/figures",
    "/api/v1/roads/coverage",
    "/api/v1/supplies/depots",
    "/api/v1/followups/assignees",
    "/api/v1/measures/day",
    "/api/v1/measures/table",
    "/api/v1/bulletins",
    "/api/v1/public-notices",
}


def _supply_request(world) -> SupplyRequest:
    """甲镇's open request for masks (made once, before the state is taken)."""
    found = SupplyRequest.objects.filter(depot=world.depot_a).first()
    if found is not None:
        return found
    mask = next(i for i in builtin_items_ensure() if i.code == "surgical-mask")
    return SupplyRequest.objects.create(
        depot=world.depot_a, item=mask, quantity=100, district=world.district, town=world.town,
        requested_by=world.town_officer,
    )  # fmt: skip


def _call(client: Client, method: str, url: str, world):
    if method == "GET" and url.endswith("/supplies/allocation"):
        return client.get(url, {"item": "surgical-mask", "region_id": world.district.pk})
    if method == "GET":
        return client.get(url, {"region_id": world.grid_a.pk} if url in REGION_QUERY else None)
    if url.endswith("/screenings"):
        visit = {"household_id": world.hh_a1.pk, "entries": [{"person_id": world.zhang.pk}]}
        return client.post(url, data=json.dumps(visit), content_type="application/json")
    if url.endswith("/lists/batches"):
        data = {
            "source": "区卫健局",
            "region_id": world.district.pk,
            "file": SimpleUploadedFile("a.csv", "姓名\n张三\n".encode()),
        }
        return client.post(url, data)
    if url.endswith("/roads"):
        roads = b'{"type": "LineString", "coordinates": [[114.0, 30.0], [114.1, 30.1]]}'
        data = {"region_id": world.district.pk, "roads_file": SimpleUploadedFile("r.geojson", roads)}
        return client.post(url, data)
    body = {"person_id": world.zhang.pk} if url.endswith(("/link", "/episodes")) else {}
    body = {"reason": "fever_clinic"} if url.endswith("/convert") else body
    body = {"exposure_date": "2020-02-01"} if url.endswith("/extend") else body
    body = {"temperature": "36.5"} if url.endswith("/checks") else body
    if url.endswith("/classification"):
        body = {"to": "suspected", "reason": "发热"}
    if url.endswith("/measures"):
        body = {"kind": "home_monitoring"}
    if url.endswith("/contacts"):
        body = {"contact_id": world.li.pk, "setting": "meal", "last_exposure": "2020-02-01"}
    if url.endswith("/reports"):
        body = {"region_id": world.village_a.pk, "day": "2020-02-01", "measures": {"leaflets": 3}}
    if re.search(r"/checkpoints(/\d+)?$", url):
        body = {"name": "卡点", "kind": "village", "region_id": world.village_a.pk}
    if url.endswith("/passages"):
        body = {"vehicle_type": "foot", "people": [{"name": "孙红"}]}
    if "/handovers/" in url:
        body = {"status": "received"}
    if url.endswith("/households"):
        body = {"region_id": world.grid_a.pk, "number": "外区登记", "address": "甲村一组9号"}
    if re.search(r"/households/\d+/persons$", url):
        body = {"name": "孙红", "sex": "F"}
    if method == "PATCH" and re.search(r"/persons/\d+$", url):
        body = {"name": "改名"}
    if url.endswith("/acks"):
        body = {"kind": "missed", "day": "2020-02-01", "slot": "am", "action": "phoned"}
    supply = {"item": "surgical-mask", "quantity": 1}
    if url.endswith(("/receipts", "/issues")):
        body = {**supply, "recipient": "甲村卡口值守人员"}
    if url.endswith("/transfers"):
        body = {**supply, "target_depot_id": world.depot_a.pk}
    if url.endswith("/staffing"):
        body = {"staff_on_duty": 3}
    if url.endswith("/supplies/requests"):
        body = {**supply, "depot_id": world.depot_a.pk}
    if url.endswith("/close"):
        body = {"status": "withdrawn"}
    if url.endswith("/supplies/allocation"):
        body = {"item": "surgical-mask", "decisions": {str(_supply_request(world).pk): 1}}
    if url.endswith("/facilities"):
        body = {"kind": "fever_clinic", "name": "外区发热门诊", "beds": 10, "district_id": world.district.pk}
    if url.endswith("/occupancy"):
        body = {"occupied": 1}
    if url.endswith("/followups"):
        body = {"region_id": world.grid_a.pk, "kind": "visit", "title": "走访", "due_at": "2030-01-01T10:00",
                "assignee_id": world.grid_worker_a.pk}  # fmt: skip
    if url.endswith("/measures/entries"):
        body = {"region_id": world.village_a.pk, "day": "2020-02-01", "kind": "leaflets", "count": 3}
    if url.endswith("/correction"):
        body = {"kind": "leaflets", "count": 4}
    if url.endswith("/measures/sealed"):
        body = {"region_id": world.village_a.pk, "name": "外区来的封闭登记"}
    if url.endswith("/api/v1/tokens"):
        body = {"name": "外区脚本", "days": 30}
    if url.endswith("/bulletins"):
        body = {"region_id": world.district.pk}
    if re.search(r"/bulletins/\d+$", url):
        body = {"title": "通报", "text": "正文"}
    if url.endswith("/withdraw"):
        body = {"reason": "更正"}
    if "/public-notices" in url:
        body = {"kind": "hotline", "title": "热线", "phone": "12345"}
        body = {**body, "region_id": world.district.pk} if url.endswith("/public-notices") else body
    return client.generic(method, url, data=json.dumps(body), content_type="application/json")


def _state(world) -> tuple[object, ...]:
    return (
        ListRow.objects.get(pk=world.hq_review_row.pk).decision,
        ListBatch.objects.get(pk=world.hq_batch.pk).status,
        ListBatch.objects.count(),
        Household.objects.count(),
        list(Person.objects.values_list("id", "name", "phone", "id_number")),
        Screening.objects.count(),
        AlertAck.objects.count(),
        HealthCheck.objects.count(),
        list(Episode.objects.values_list("id", "status", "planned_end")),
        UnitReport.objects.count(),
        Checkpoint.objects.count(),
        Passage.objects.count(),
        list(Handover.objects.values_list("id", "status")),
        _supply_request(world).pk,
        StockMovement.objects.count(),
        list(SupplyRequest.objects.values_list("id", "status", "allocated")),
        list(Staffing.objects.values_list("id", "staff_on_duty")),
        list(Facility.objects.values_list("id", "name", "beds", "occupied", "occupied_on")),
        list(MeasureEntry.objects.values_list("id", "count", "replaced_by", "withdrawn_at")),
        list(SealedCompound.objects.values_list("id", "reopened_on")),
    )


def test_the_schema_lists_every_operation_with_security():
    from epigrid.api.api import api

    schema = api.get_openapi_schema()
    operations = [op for item in schema["paths"].values() for op in item.values()]
    assert len(operations) >= 14
    assert all(op.get("security") for op in operations)


@pytest.mark.parametrize(("method", "route"), _operations())
def test_anonymous_gets_401(world, method, route):
    response = _call(Client(), method, _url(route, world), world)
    assert response.status_code == 401
    assert all(name not in response.content.decode() for name in FOREIGN_NAMES)


@pytest.mark.parametrize("how", ["session", "token"])
@pytest.mark.parametrize(("method", "route"), _operations())
def test_other_district_gets_nothing(world, method, route, how):
    # An HQ of another district may upload and write, so a write reaches the scope check.
    other_hq = f.user("other_hq", Role.DISTRICT_HQ, world.other_district)
    url = _url(route, world)  # may build the object first (the world makes some on first use)
    before = _state(world)
    for user in (world.outsider, other_hq):
        client = session_client(user) if how == "session" else token_client(user)
        response = _call(client, method, url, world)
        body = response.content.decode()
        if route in LISTINGS and method == "GET":
            assert response.status_code == 200
        elif (method, route) in OWN_ACCOUNT:
            assert response.status_code == OWN_ACCOUNT[method, route][how], (user, body)
        else:
            assert response.status_code in (403, 404), (user, response.status_code, body)
        assert all(name not in body for name in FOREIGN_NAMES), body
    assert _state(world) == before


def test_an_operation_without_auth_is_not_declared_so_the_middleware_refuses_it():
    from ninja import Router

    router = Router()

    @router.get("/open", auth=None)
    def open_view(request):
        return {}

    @router.get("/closed")
    def closed_view(request):
        return {}

    api = EpiGridAPI(urls_namespace="walk-test", auth=lambda request: None)
    api.add_router("", router)
    patterns, _app, _ns = api.urls
    declared = {p.name: getattr(p.callback, ACCESS_ATTR, None) for p in patterns if hasattr(p, "name")}
    assert declared["open_view"] is None
    assert declared["closed_view"] == SCOPED
    assert declared["openapi-json"] == declared["openapi-view"] == PUBLIC


def test_api_views_are_all_declared(world):
    from tests.core.test_url_scope_walk import _patterns

    api_routes = [(route, p) for route, p in _patterns() if route.startswith(API.lstrip("/"))]
    assert len(api_routes) >= 15
    assert all(getattr(p.callback, ACCESS_ATTR, None) in (PUBLIC, SCOPED) for _route, p in api_routes)
