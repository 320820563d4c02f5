"""The ledger's services with an idempotency key: one entry per key and account, the first submission
answered again (``created`` false), a key reused for something else refused, allocations keyless."""

from __future__ import annotations

import pytest

from epigrid.resources.models import Stock, StockMovement, SupplyRequest
from epigrid.resources.services import (
    SupplyError,
    allocation_confirm,
    request_submit,
    stock_issue,
    stock_receive,
    stock_transfer,
)


def _lines(depot) -> list[tuple[str, int, int]]:
    return list(
        StockMovement.objects.filter(depot=depot)
        .order_by("id")
        .values_list("kind", "quantity", "balance_after")
    )


def test_a_repeated_receipt_key_answers_the_first_line_marked_not_created(world, depots, mask):
    first = stock_receive(
        actor=world.town_officer, depot=depots["town"], item=mask, quantity=90, idempotency_key="a"
    )
    again = stock_receive(
        actor=world.town_officer, depot=depots["town"], item=mask, quantity=90, idempotency_key="a"
    )
    assert first.created and not again.created and again.pk == first.pk
    assert _lines(depots["town"]) == [("purchase", 90, 90)]


def test_a_donation_retried_as_a_purchase_is_the_same_receipt(world, depots, mask):
    first = stock_receive(
        actor=world.town_officer,
        depot=depots["town"],
        item=mask,
        quantity=5,
        kind="donation",
        idempotency_key="a",
    )
    again = stock_receive(
        actor=world.town_officer, depot=depots["town"], item=mask, quantity=6, idempotency_key="a"
    )
    assert again.pk == first.pk and again.kind == "donation"
    assert _lines(depots["town"]) == [("donation", 5, 5)]


def test_a_repeated_issue_key_is_answered_even_when_the_stock_is_gone_since(world, depots, mask):
    """The retry is the first issue's answer, not a new issue checked against today's stock."""
    stock_receive(actor=world.town_officer, depot=depots["town"], item=mask, quantity=10)
    first = stock_issue(
        actor=world.town_officer,
        depot=depots["town"],
        item=mask,
        quantity=10,
        recipient="镇干部",
        idempotency_key="i",
    )
    again = stock_issue(
        actor=world.town_officer,
        depot=depots["town"],
        item=mask,
        quantity=10,
        recipient="镇干部",
        idempotency_key="i",
    )
    assert again.pk == first.pk and not again.created
    assert Stock.objects.get(depot=depots["town"], item=mask).quantity == 0
    assert _lines(depots["town"]) == [("purchase", 10, 10), ("issue", -10, 0)]


def test_a_refused_submission_keeps_its_key_free(world, depots, mask):
    with pytest.raises(SupplyError) as refused:
        stock_issue(
            actor=world.town_officer, depot=depots["town"], item=mask, quantity=10, recipient="镇干部",
            idempotency_key="i",
        )  # fmt: skip
    assert refused.value.field == "quantity"
    stock_receive(actor=world.town_officer, depot=depots["town"], item=mask, quantity=10)
    line = stock_issue(
        actor=world.town_officer,
        depot=depots["town"],
        item=mask,
        quantity=10,
        recipient="镇干部",
        idempotency_key="i",
    )
    assert line.created and _lines(depots["town"])[-1] == ("issue", -10, 0)


def test_a_transfer_key_is_kept_on_its_outgoing_line_and_answers_both_lines(world, depots, mask):
    stock_receive(actor=world.town_officer, depot=depots["town"], item=mask, quantity=50)
    first = stock_transfer(
        actor=world.town_officer, source=depots["town"], target=depots["village"], item=mask, quantity=20,
        idempotency_key="t",
    )  # fmt: skip
    again = stock_transfer(
        actor=world.town_officer, source=depots["town"], target=depots["village"], item=mask, quantity=20,
        idempotency_key="t",
    )  # fmt: skip
    assert first.created and not again.created
    assert (again.out.pk, again.into.pk) == (first.out.pk, first.into.pk)
    assert (first.out.idempotency_key, first.into.idempotency_key) == ("t", "")
    assert _lines(depots["village"]) == [("transfer_in", 20, 20)]


def test_a_transfer_key_reused_for_an_issue_is_refused(world, depots, mask):
    stock_receive(actor=world.town_officer, depot=depots["town"], item=mask, quantity=50)
    stock_transfer(
        actor=world.town_officer, source=depots["town"], target=depots["village"], item=mask, quantity=20,
        idempotency_key="t",
    )  # fmt: skip
    with pytest.raises(SupplyError) as refused:
        stock_issue(
            actor=world.town_officer, depot=depots["town"], item=mask, quantity=1, recipient="镇干部",
            idempotency_key="t",
        )  # fmt: skip
    assert (refused.value.field, refused.value.message) == (
        "idempotency_key",
        "这个提交标识已用于另一条记录。",
    )
    assert Stock.objects.get(depot=depots["town"], item=mask).quantity == 30


def test_a_request_key_reused_for_another_depot_is_refused(world, depots, mask):
    request_submit(
        actor=world.town_officer, depot=depots["town"], item=mask, quantity=100, idempotency_key="q"
    )
    with pytest.raises(SupplyError) as refused:
        request_submit(
            actor=world.town_officer, depot=depots["village"], item=mask, quantity=100, idempotency_key="q"
        )
    assert refused.value.field == "idempotency_key"
    assert list(SupplyRequest.objects.values_list("depot_id", flat=True)) == [depots["town"].pk]


def test_a_key_from_another_account_is_its_own(world, depots, mask):
    one = request_submit(
        actor=world.town_officer, depot=depots["town"], item=mask, quantity=100, idempotency_key="q"
    )
    two = request_submit(actor=world.hq, depot=depots["town"], item=mask, quantity=100, idempotency_key="q")
    assert one.created and two.created and one.pk != two.pk


def test_an_allocation_writes_its_transfers_without_a_key(world, depots, mask):
    stock_receive(actor=world.hq, depot=depots["district"], item=mask, quantity=100)
    wanted = request_submit(actor=world.town_officer, depot=depots["town"], item=mask, quantity=60)
    [moved] = allocation_confirm(
        actor=world.hq, district_depot=depots["district"], item=mask, decisions={wanted.pk: 60}
    )
    assert (moved.out.idempotency_key, moved.into.idempotency_key) == ("", "")
    assert _lines(depots["town"]) == [("alloc_in", 60, 60)]
