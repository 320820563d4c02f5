"""The supplies API: the ledger's refusals as 422s naming the field, keepers only, nothing across
districts, reads that create nothing, and the district's split of its masks."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from epigrid.core.clock import local_today
from epigrid.core.roles import Role
from epigrid.resources.items import builtin_items_ensure
from epigrid.resources.models import Depot, Stock, StockMovement, SupplyRequest
from epigrid.resources.services import depot_for_region, staffing_set, stock_receive
from tests import factories as f
from tests.api.conftest import API, session_client

MASK = "surgical-mask"


@pytest.fixture
def items(db):
    return {i.code: i for i in builtin_items_ensure()}


def _post(client, url: str, body: dict[str, object], method: str = "post"):
    return getattr(client, method)(API + url, data=json.dumps(body), content_type="application/json")


def _locs(response) -> list[list[object]]:
    return [e["loc"] for e in response.json()["detail"]]


def _ledger(depot) -> list[tuple[int, int]]:
    return list(
        StockMovement.objects.filter(depot=depot).order_by("id").values_list("quantity", "balance_after")
    )


def test_items_are_listed_by_code(world, items):
    response = session_client(world.grid_worker_a).get(API + "/supplies/items")
    assert response.status_code == 200
    codes = [i["code"] for i in response.json()]
    assert codes[:2] == [MASK, "n95-mask"] and len(codes) == 11
    assert response.json()[0]["use_per_shift"] == 1.0


def test_receive_then_issue_and_the_ledger_newest_first(world, items):
    client = session_client(world.town_officer)
    depot = world.depot_a
    got = _post(client, f"/supplies/depots/{depot.pk}/receipts", {"item": MASK, "quantity": 500,
                "kind": "donation", "source": "爱心企业"})  # fmt: skip
    assert got.status_code == 201, got.content
    assert (got.json()["quantity"], got.json()["balance_after"], got.json()["kind"]) == (500, 500, "donation")
    body = {"item": MASK, "quantity": 120, "recipient": "甲村卡口值守人员", "purpose": "卡口值守"}
    issued = _post(client, f"/supplies/depots/{depot.pk}/issues", body)
    assert issued.status_code == 201 and issued.json()["balance_after"] == 380
    page = client.get(API + f"/supplies/depots/{depot.pk}/movements", {"item": MASK, "limit": 1})
    assert page.status_code == 200
    body = page.json()
    assert body["count"] == 2 and [m["quantity"] for m in body["items"]] == [-120]
    assert body["items"][0]["recipient"] == "甲村卡口值守人员"


def test_issue_beyond_the_stock_is_a_422_naming_quantity_and_the_ledger_is_unchanged(world, items):
    client = session_client(world.town_officer)
    depot = world.depot_a
    stock_receive(actor=world.town_officer, depot=depot, item=items[MASK], quantity=100)
    before = _ledger(depot)
    response = _post(client, f"/supplies/depots/{depot.pk}/issues", {"item": MASK, "quantity": 101,
                     "recipient": "镇干部"})  # fmt: skip
    assert response.status_code == 422
    assert _locs(response) == [["body", "payload", "quantity"]]
    assert "库存不足" in response.json()["detail"][0]["msg"]
    assert _ledger(depot) == before and Stock.objects.get(depot=depot, item=items[MASK]).quantity == 100


@pytest.mark.parametrize("quantity", [0, -5])
def test_zero_or_negative_quantities_are_refused(world, items, quantity):
    depot = world.depot_a
    response = _post(session_client(world.town_officer), f"/supplies/depots/{depot.pk}/receipts",
                     {"item": MASK, "quantity": quantity})  # fmt: skip
    assert response.status_code == 422 and _locs(response) == [["body", "payload", "quantity"]]
    assert not StockMovement.objects.exists()


def test_a_fractional_quantity_is_refused_by_the_schema(world, items):
    response = _post(session_client(world.town_officer), f"/supplies/depots/{world.depot_a.pk}/receipts",
                     {"item": MASK, "quantity": 2.5})  # fmt: skip
    assert response.status_code == 422 and ["body", "payload", "quantity"] in _locs(response)
    assert not StockMovement.objects.exists()


def test_a_future_date_is_refused(world, items):
    tomorrow = (local_today() + dt.timedelta(days=1)).isoformat()
    response = _post(session_client(world.town_officer), f"/supplies/depots/{world.depot_a.pk}/receipts",
                     {"item": MASK, "quantity": 5, "occurred_on": tomorrow})  # fmt: skip
    assert response.status_code == 422 and _locs(response) == [["body", "payload", "occurred_on"]]
    assert not StockMovement.objects.exists()


def test_an_unknown_item_is_a_422_naming_item(world, items):
    response = _post(session_client(world.town_officer), f"/supplies/depots/{world.depot_a.pk}/receipts",
                     {"item": "gold-mask", "quantity": 5})  # fmt: skip
    assert response.status_code == 422 and _locs(response) == [["body", "payload", "item"]]


@pytest.mark.parametrize("persona", ["department", "checkpoint"])
def test_roles_without_keeping_rights_get_403(world, items, persona):
    # The department sits at the district, the checkpoint worker at the town: they see, never keep.
    depot = depot_for_region(world.district) if persona == "department" else world.depot_a
    user = getattr(world, persona)
    client = session_client(user)
    receipt = _post(client, f"/supplies/depots/{depot.pk}/receipts", {"item": MASK, "quantity": 5})
    staffing = _post(client, f"/supplies/depots/{depot.pk}/staffing", {"staff_on_duty": 3}, "put")
    assert (receipt.status_code, staffing.status_code) == (403, 403)
    assert not StockMovement.objects.exists()
    # They may still read their depot.
    assert client.get(API + f"/supplies/depots/{depot.pk}").status_code == 200


def test_a_grid_worker_has_no_depot_above_the_grid(world, items):
    client = session_client(world.grid_worker_a)
    village = depot_for_region(world.village_a)
    assert (
        _post(client, f"/supplies/depots/{village.pk}/receipts", {"item": MASK, "quantity": 5}).status_code
        == 404
    )
    assert not StockMovement.objects.exists()


def test_another_districts_hq_gets_404_on_every_depot_operation(world, items):
    other_hq = f.user("other_hq", Role.DISTRICT_HQ, world.other_district)
    client = session_client(other_hq)
    depot = world.depot_a
    stock_receive(actor=world.town_officer, depot=depot, item=items[MASK], quantity=50)
    for response in (
        client.get(API + f"/supplies/depots/{depot.pk}"),
        client.get(API + f"/supplies/depots/{depot.pk}/movements"),
        client.get(API + "/supplies/depots", {"region_id": world.town.pk}),
        _post(client, f"/supplies/depots/{depot.pk}/issues", {"item": MASK, "quantity": 1, "recipient": "x"}),
        _post(client, "/supplies/requests", {"depot_id": depot.pk, "item": MASK, "quantity": 10}),
        client.get(API + "/supplies/allocation", {"item": MASK, "region_id": world.district.pk}),
    ):
        assert response.status_code == 404, response.content
        assert "甲镇" not in response.content.decode()
    # Its own listing is empty, and a transfer from its own warehouse to 甲镇 is refused.
    assert client.get(API + "/supplies/depots").json()["count"] == 0
    own = depot_for_region(world.other_district)
    stock_receive(actor=other_hq, depot=own, item=items[MASK], quantity=10)
    moved = _post(client, f"/supplies/depots/{own.pk}/transfers",
                  {"item": MASK, "quantity": 5, "target_depot_id": depot.pk})  # fmt: skip
    assert moved.status_code == 422 and _locs(moved) == [["body", "payload", "target_depot_id"]]
    assert Stock.objects.get(depot=depot, item=items[MASK]).quantity == 50


def test_the_depot_listing_creates_nothing_and_shows_the_outlook(world, items):
    client = session_client(world.hq)
    assert client.get(API + "/supplies/depots", {"region_id": world.district.pk}).json()["count"] == 0
    assert not Depot.objects.exists()
    depot = world.depot_a
    staffing_set(actor=world.town_officer, depot=depot, staff_on_duty=50, shifts_per_day=2)
    stock_receive(actor=world.town_officer, depot=depot, item=items[MASK], quantity=150)
    body = client.get(API + "/supplies/depots", {"region_id": world.district.pk}).json()
    assert body["count"] == 1 and Depot.objects.count() == 1
    row = body["items"][0]
    assert (row["id"], row["kind"], row["region_name"]) == (depot.pk, "town", "甲镇")
    mask = next(i for i in row["items"] if i["item"] == MASK)
    assert mask == {"item": MASK, "name": "医用外科口罩", "unit": "只", "stock": 150, "per_day": 100.0,
                    "days_left": 1.5, "level": "short"}  # fmt: skip
    n95 = next(i for i in row["items"] if i["item"] == "n95-mask")
    assert (n95["stock"], n95["level"], n95["days_left"]) == (0, "unused", None)
    assert row["warnings"] == 2  # masks short; gloves (used per shift) out


def test_staffing_is_set_and_checked(world, items):
    client = session_client(world.town_officer)
    url = f"/supplies/depots/{world.depot_a.pk}/staffing"
    ok = _post(client, url, {"staff_on_duty": 12, "shifts_per_day": 2}, "put")
    assert ok.status_code == 200
    assert (ok.json()["staffing"]["staff_on_duty"], ok.json()["staffing"]["shifts_per_day"]) == (12, 2)
    bad = _post(client, url, {"staff_on_duty": 12, "shifts_per_day": 5}, "put")
    assert bad.status_code == 422 and _locs(bad) == [["body", "payload", "shifts_per_day"]]
    assert client.get(API + f"/supplies/depots/{world.depot_a.pk}").json()["staffing"]["shifts_per_day"] == 2


def test_a_transfer_is_two_lines(world, items):
    client = session_client(world.hq)
    warehouse = depot_for_region(world.district)
    stock_receive(actor=world.hq, depot=warehouse, item=items[MASK], quantity=1000)
    response = _post(client, f"/supplies/depots/{warehouse.pk}/transfers",
                     {"item": MASK, "quantity": 300, "target_depot_id": world.depot_a.pk})  # fmt: skip
    assert response.status_code == 201
    body = response.json()
    assert (body["out"]["quantity"], body["into"]["quantity"]) == (-300, 300)
    assert (body["out"]["balance_after"], body["into"]["balance_after"]) == (700, 300)
    assert body["out"]["counterpart_name"] == "甲镇"


def test_requests_and_the_allocation_proposal_split_the_warehouse(world, items):
    mask = items[MASK]
    warehouse = depot_for_region(world.district)
    street = depot_for_region(world.street)
    stock_receive(actor=world.hq, depot=warehouse, item=mask, quantity=1000)
    staffing_set(actor=world.hq, depot=world.depot_a, staff_on_duty=100)
    staffing_set(actor=world.hq, depot=street, staff_on_duty=50)
    town = session_client(world.town_officer)
    body = {"depot_id": world.depot_a.pk, "item": MASK, "quantity": 800, "days": 7, "reason": "口罩仅够两天"}
    asked = _post(town, "/supplies/requests", body)
    assert asked.status_code == 201 and asked.json()["status"] == "open"
    hq = session_client(world.hq)
    street_asked = _post(hq, "/supplies/requests",
                         {"depot_id": street.pk, "item": MASK, "quantity": 600, "days": 10})  # fmt: skip
    assert street_asked.status_code == 201
    # The warehouse asks nobody.
    own = _post(hq, "/supplies/requests", {"depot_id": warehouse.pk, "item": MASK, "quantity": 5})
    assert own.status_code == 422 and _locs(own) == [["body", "payload", "depot_id"]]
    # The town sees its own request only; HQ both.
    assert [r["id"] for r in town.get(API + "/supplies/requests").json()["items"]] == [asked.json()["id"]]
    assert hq.get(API + "/supplies/requests", {"status": "open"}).json()["count"] == 2
    # Need 100 x 7 = 700 and 50 x 10 = 500; 1,000 available: 583 and 417 (the larger remainder).
    assert town.get(API + "/supplies/allocation", {"item": MASK}).status_code == 403
    proposal = hq.get(API + "/supplies/allocation", {"item": MASK}).json()
    assert (proposal["available"], proposal["need_total"], proposal["proposed_total"]) == (1000, 1200, 1000)
    shares = [(s["request"]["id"], s["outstanding"], s["need"], s["proposed"]) for s in proposal["shares"]]
    assert shares == [(asked.json()["id"], 800, 700, 583), (street_asked.json()["id"], 600, 500, 417)]
    # More than the warehouse holds in all: refused as a whole.
    decisions = {str(s["request"]["id"]): s["need"] for s in proposal["shares"]}
    too_much = _post(hq, "/supplies/allocation", {"item": MASK, "decisions": decisions})
    assert too_much.status_code == 422 and _locs(too_much) == [["body", "payload", "decisions"]]
    assert Stock.objects.get(depot=warehouse, item=mask).quantity == 1000
    # The proposal, confirmed.
    decisions = {str(s["request"]["id"]): s["proposed"] for s in proposal["shares"]}
    confirmed = _post(hq, "/supplies/allocation", {"item": MASK, "decisions": decisions, "note": "第一批"})
    assert confirmed.status_code == 201, confirmed.content
    assert [(r["allocated"], r["status"]) for r in confirmed.json()["requests"]] == [
        (583, "partly"),
        (417, "partly"),
    ]
    assert Stock.objects.get(depot=warehouse, item=mask).quantity == 0
    assert Stock.objects.get(depot=world.depot_a, item=mask).quantity == 583
    assert SupplyRequest.objects.filter(status="partly").count() == 2


def test_an_allocation_naming_a_request_of_another_district_is_a_404(world, items):
    other_hq = f.user("other_hq", Role.DISTRICT_HQ, world.other_district)
    request = SupplyRequest.objects.create(
        depot=world.depot_a, item=items[MASK], quantity=10, district=world.district, town=world.town,
        requested_by=world.town_officer,
    )  # fmt: skip
    response = _post(session_client(other_hq), "/supplies/allocation",
                     {"item": MASK, "decisions": {str(request.pk): 1}})  # fmt: skip
    assert response.status_code == 404
    assert SupplyRequest.objects.get(pk=request.pk).allocated == 0


def test_a_request_is_withdrawn_through_the_api_once(world):
    from tests.api.conftest import API, session_client

    supply_request = world.supply_request_a
    client = session_client(world.town_officer)
    url = f"{API}/supplies/requests/{supply_request.pk}/close"
    response = client.post(url, data={"status": "withdrawn"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    again = client.post(url, data={"status": "withdrawn"}, content_type="application/json")
    assert again.status_code == 422 and again.json()["detail"][0]["loc"][-1] == "status"
    declined = session_client(world.town_officer).post(
        url, data={"status": "refused"}, content_type="application/json"
    )
    assert declined.status_code in (403, 422)


# --- idempotency keys --------------------------------------------------------------------------------


def _receipts(depot) -> int:
    return StockMovement.objects.filter(depot=depot, kind=StockMovement.Kind.PURCHASE).count()


def test_a_receipt_sent_twice_with_one_key_is_received_once(world, items):
    client = session_client(world.town_officer)
    depot = world.depot_a
    url = f"/supplies/depots/{depot.pk}/receipts"
    first = _post(client, url, {"item": MASK, "quantity": 300, "idempotency_key": "r-1"})
    again = _post(client, url, {"item": MASK, "quantity": 300, "idempotency_key": "r-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert _ledger(depot) == [(300, 300)]
    assert Stock.objects.get(depot=depot, item=items[MASK]).quantity == 300


def test_an_issue_retried_with_one_key_writes_one_ledger_line_and_the_stock_stays_right(world, items):
    client = session_client(world.town_officer)
    depot = world.depot_a
    stock_receive(actor=world.town_officer, depot=depot, item=items[MASK], quantity=500)
    body = {"item": MASK, "quantity": 120, "recipient": "甲村卡口值守人员", "idempotency_key": "i-1"}
    first = _post(client, f"/supplies/depots/{depot.pk}/issues", body)
    again = _post(client, f"/supplies/depots/{depot.pk}/issues", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["balance_after"] == 380
    assert _ledger(depot) == [(500, 500), (-120, 380)]
    assert Stock.objects.get(depot=depot, item=items[MASK]).quantity == 380


def test_the_same_key_with_a_different_body_answers_the_first_entry(world, items):
    """As the other create endpoints do: the first submission stands, the retry's body is not read."""
    client = session_client(world.town_officer)
    depot = world.depot_a
    stock_receive(actor=world.town_officer, depot=depot, item=items[MASK], quantity=500)
    url = f"/supplies/depots/{depot.pk}/issues"
    first = _post(client, url, {"item": MASK, "quantity": 100, "recipient": "镇干部", "idempotency_key": "k"})
    other = _post(client, url, {"item": MASK, "quantity": 40, "recipient": "村干部", "idempotency_key": "k"})
    assert (first.status_code, other.status_code) == (201, 200)
    assert other.json()["id"] == first.json()["id"]
    assert (other.json()["quantity"], other.json()["recipient"]) == (-100, "镇干部")
    assert _ledger(depot) == [(500, 500), (-100, 400)]


def test_a_key_used_for_a_receipt_is_refused_for_an_issue_or_at_another_depot(world, items):
    client = session_client(world.town_officer)
    depot = world.depot_a
    village = depot_for_region(world.village_a)
    assert _post(client, f"/supplies/depots/{depot.pk}/receipts", {"item": MASK, "quantity": 50,
                 "idempotency_key": "k"}).status_code == 201  # fmt: skip
    issue = _post(client, f"/supplies/depots/{depot.pk}/issues", {"item": MASK, "quantity": 5,
                  "recipient": "镇干部", "idempotency_key": "k"})  # fmt: skip
    elsewhere = _post(client, f"/supplies/depots/{village.pk}/receipts", {"item": MASK, "quantity": 5,
                      "idempotency_key": "k"})  # fmt: skip
    for response in (issue, elsewhere):
        assert response.status_code == 422
        assert _locs(response) == [["body", "payload", "idempotency_key"]]
        assert response.json()["detail"][0]["msg"] == "这个提交标识已用于另一条记录。"
    assert _ledger(depot) == [(50, 50)] and _ledger(village) == []


def test_a_key_is_per_account(world, items):
    depot = world.depot_a
    url = f"/supplies/depots/{depot.pk}/receipts"
    town = _post(
        session_client(world.town_officer), url, {"item": MASK, "quantity": 10, "idempotency_key": "k"}
    )
    hq = _post(session_client(world.hq), url, {"item": MASK, "quantity": 20, "idempotency_key": "k"})
    assert (town.status_code, hq.status_code) == (201, 201)
    assert town.json()["id"] != hq.json()["id"]
    assert _ledger(depot) == [(10, 10), (20, 30)]


def test_without_a_key_a_receipt_sent_twice_is_two_receipts(world, items):
    client = session_client(world.town_officer)
    depot = world.depot_a
    for _ in range(2):
        assert (
            _post(client, f"/supplies/depots/{depot.pk}/receipts", {"item": MASK, "quantity": 7}).status_code
            == 201
        )
    assert _ledger(depot) == [(7, 7), (7, 14)]


def test_a_key_longer_than_64_characters_is_a_422(world, items):
    depot = world.depot_a
    response = _post(session_client(world.town_officer), f"/supplies/depots/{depot.pk}/receipts",
                     {"item": MASK, "quantity": 7, "idempotency_key": "k" * 65})  # fmt: skip
    assert response.status_code == 422 and _locs(response) == [["body", "payload", "idempotency_key"]]
    assert _ledger(depot) == []


def test_a_transfer_retried_with_one_key_moves_the_stock_once(world, items):
    client = session_client(world.town_officer)
    depot = world.depot_a
    village = depot_for_region(world.village_a)
    stock_receive(actor=world.town_officer, depot=depot, item=items[MASK], quantity=200)
    body = {"item": MASK, "quantity": 80, "target_depot_id": village.pk, "idempotency_key": "t-1"}
    first = _post(client, f"/supplies/depots/{depot.pk}/transfers", body)
    again = _post(client, f"/supplies/depots/{depot.pk}/transfers", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert _ledger(depot) == [(200, 200), (-80, 120)] and _ledger(village) == [(80, 80)]
    assert Stock.objects.get(depot=village, item=items[MASK]).quantity == 80


def test_a_request_sent_twice_with_one_key_is_one_request(world, items):
    client = session_client(world.town_officer)
    body = {"depot_id": world.depot_a.pk, "item": MASK, "quantity": 400, "idempotency_key": "q-1"}
    first = _post(client, "/supplies/requests", body)
    again = _post(client, "/supplies/requests", {**body, "quantity": 900})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["quantity"] == 400
    assert list(SupplyRequest.objects.values_list("quantity", flat=True)) == [400]
    other = _post(session_client(world.hq), "/supplies/requests", body)
    assert other.status_code == 201 and SupplyRequest.objects.count() == 2
