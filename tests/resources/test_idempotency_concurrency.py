"""The same idempotency key sent at the same moment from one account writes once (a ledger entry, a
request, a facility) and both calls succeed, one 201 and one 200 with the same entry (PostgreSQL: the
account's row is locked while the key is looked up, and the key is unique per account)."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection

from epigrid.resources.items import builtin_items_ensure
from epigrid.resources.models import Stock, StockMovement, SupplyRequest
from epigrid.resources.services import stock_receive
from tests.api.conftest import API, session_client

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _at_once(clients, url: str, body: dict[str, object]) -> list[tuple[int, dict[str, object]]]:
    """POST ``body`` from each client at the same moment; the answers (status, JSON), or the failures."""
    barrier = threading.Barrier(len(clients))
    answers: list[tuple[int, dict[str, object]]] = []
    failures: list[BaseException] = []

    def run(client) -> None:
        try:
            barrier.wait()
            response = client.post(API + url, data=json.dumps(body), content_type="application/json")
            answers.append((response.status_code, response.json()))
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    return answers


def _mask():
    return next(i for i in builtin_items_ensure() if i.code == "surgical-mask")


def test_two_issues_with_one_key_at_once_write_one_ledger_line(world):
    mask = _mask()
    depot = world.depot_a
    stock_receive(actor=world.town_officer, depot=depot, item=mask, quantity=100)
    clients = [session_client(world.town_officer) for _ in range(2)]
    # 80 of 100: the retry must be answered with the first issue, not checked against the 20 left.
    body = {
        "item": "surgical-mask",
        "quantity": 80,
        "recipient": "甲村卡口值守人员",
        "idempotency_key": "same",
    }
    answers = _at_once(clients, f"/supplies/depots/{depot.pk}/issues", body)
    assert sorted(status for status, _body in answers) == [200, 201]
    assert answers[0][1]["id"] == answers[1][1]["id"]
    assert StockMovement.objects.filter(depot=depot, kind="issue").count() == 1
    assert Stock.objects.get(depot=depot, item=mask).quantity == 20


def test_two_transfers_with_one_key_at_once_move_the_stock_once(world):
    from epigrid.resources.services import depot_for_region

    mask = _mask()
    depot = world.depot_a
    village = depot_for_region(world.village_a)
    stock_receive(actor=world.town_officer, depot=depot, item=mask, quantity=100)
    clients = [session_client(world.town_officer) for _ in range(2)]
    body = {"item": "surgical-mask", "quantity": 60, "target_depot_id": village.pk, "idempotency_key": "same"}
    answers = _at_once(clients, f"/supplies/depots/{depot.pk}/transfers", body)
    assert sorted(status for status, _body in answers) == [200, 201]
    assert StockMovement.objects.filter(depot=village).count() == 1
    assert Stock.objects.get(depot=depot, item=mask).quantity == 40


def test_two_requests_with_one_key_at_once_are_one_request(world):
    _mask()
    clients = [session_client(world.town_officer) for _ in range(2)]
    body = {"depot_id": world.depot_a.pk, "item": "surgical-mask", "quantity": 500, "idempotency_key": "same"}
    answers = _at_once(clients, "/supplies/requests", body)
    assert sorted(status for status, _body in answers) == [200, 201]
    assert SupplyRequest.objects.count() == 1


def test_two_facilities_with_one_key_at_once_are_one_facility(world):
    from epigrid.resources.models import Facility

    clients = [session_client(world.hq) for _ in range(2)]
    body = {"kind": "hospital", "name": "区人民医院", "beds": 50, "idempotency_key": "same"}
    answers = _at_once(clients, "/facilities", body)
    assert sorted(status for status, _body in answers) == [200, 201]
    assert Facility.objects.count() == 1
