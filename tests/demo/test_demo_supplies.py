"""The demo's supplies: a real ledger, the demo town's masks for about two days ("short"), one town out
of N95s, and open requests for more masks than the district warehouse holds."""

from __future__ import annotations

import pytest

from epigrid.demo.accounts import demo_accounts_ensure
from epigrid.demo.generator import generate
from epigrid.demo.supplies import demo_supplies_load
from epigrid.regions.models import Level, Region
from epigrid.resources.forecast import OUT, SHORT, allocation_proposal, outlook_of
from epigrid.resources.models import Depot, Staffing, Stock, StockMovement, SupplyItem, SupplyRequest


@pytest.mark.django_db(transaction=True)
def test_demo_supplies_show_the_shortage_of_seed_report_1():
    generate(size="small")
    demo_accounts_ensure()
    result = demo_supplies_load()
    assert result.depots == Depot.objects.count() >= 4 and result.requests == 2
    assert StockMovement.objects.count() == result.movements >= 200
    assert Staffing.objects.count() == result.depots
    # The ledger explains every stock: each depot's last balance is its stock, never below zero.
    for stock in Stock.objects.all():
        last = StockMovement.objects.filter(depot=stock.depot, item=stock.item).order_by("-id").first()
        assert last is not None and last.balance_after == stock.quantity >= 0
    kinds = set(StockMovement.objects.values_list("kind", flat=True))
    assert {"purchase", "donation", "issue", "transfer_out", "transfer_in"} <= kinds
    mask = SupplyItem.objects.get(code="surgical-mask")
    n95 = SupplyItem.objects.get(code="n95-mask")
    # 红柳镇 (the demo town account's town): masks for about two days.
    town = Region.objects.get(assignments__user__username="town", level=Level.TOWN)
    outlook = outlook_of(Depot.objects.get(region=town, site__isnull=True), mask)
    assert outlook.level == SHORT and 1.5 <= (outlook.days_left or 0) <= 2.5
    # Another town has used up its N95s.
    towns = Depot.objects.filter(region__level=Level.TOWN).exclude(region=town)
    assert [d for d in towns if outlook_of(d, n95).level == OUT]
    # Open requests for more masks than the warehouse holds: the proposal splits.
    warehouse = Depot.objects.get(region__level=Level.DISTRICT)
    proposal = allocation_proposal(warehouse, mask)
    asked = sum(r.quantity for r in SupplyRequest.objects.filter(status="open", item=mask))
    assert asked > proposal.available > 0 and proposal.need_total > proposal.available
    assert proposal.proposed_total == proposal.available
    assert all(0 < s.proposed < s.need for s in proposal.shares)
    # Loaded once.
    assert demo_supplies_load().depots == 0 and StockMovement.objects.count() == result.movements
