"""How long each depot's stock will last, and a fair split of the district's stock among requests.

Daily use of an item at a depot is the larger of two estimates: the planned use (people on duty x
shifts a day x the item's use per person per shift: "masks per cadre per shift") and the recent use
(what the depot issued over the ``RECENT_DAYS`` whole days before today, per day). Days of supply =
stock / daily use; below ``EPIGRID_SUPPLY_WARN_DAYS`` the item is short ("口罩仅够两天"), at zero
stock it is out. An item nobody uses has no forecast. Three grouped queries for any number of depots
and items.

The split: a request's need is what its depot would use over the days asked for, less what it holds
(people x shifts x use x days - stock), never more than was asked; without staffing known, what was
asked. When the district holds enough, each gets its need; otherwise each gets the same share of its
need (largest remainders get the units left over), which the district may change before confirming.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum

from epigrid.core.clock import local_today
from epigrid.resources.models import Depot, Staffing, Stock, StockMovement, SupplyItem, SupplyRequest

RECENT_DAYS = 7
OUT = "out"
SHORT = "short"
OK = "ok"
UNUSED = "unused"


def warn_days() -> int:
    return int(getattr(settings, "EPIGRID_SUPPLY_WARN_DAYS", 3))


@dataclass(frozen=True)
class Outlook:
    depot_id: int
    item_id: int
    stock: int
    planned_per_day: float
    recent_per_day: float
    days_left: float | None  # None: no use expected

    @property
    def per_day(self) -> float:
        return max(self.planned_per_day, self.recent_per_day)

    @property
    def level(self) -> str:
        if self.per_day <= 0:
            return UNUSED
        if self.stock <= 0:
            return OUT
        if self.days_left is not None and self.days_left < warn_days():
            return SHORT
        return OK

    @property
    def warning(self) -> bool:
        return self.level in (OUT, SHORT)


def planned_per_day(staffing: tuple[int, int] | None, item: SupplyItem) -> float:
    if staffing is None:
        return 0.0
    staff, shifts = staffing
    return float(Decimal(staff) * Decimal(shifts) * item.use_per_shift)


def outlooks(
    depot_ids: Sequence[int], items: Sequence[SupplyItem], *, today: dt.date | None = None
) -> dict[tuple[int, int], Outlook]:
    """The outlook of every (depot, item) pair of ``depot_ids`` x ``items``."""
    if not depot_ids or not items:
        return {}
    today = today or local_today()
    item_ids = [i.pk for i in items]
    stock = {
        (d, i): q
        for d, i, q in Stock.objects.filter(depot_id__in=depot_ids, item_id__in=item_ids).values_list(
            "depot_id", "item_id", "quantity"
        )
    }
    staffing = {
        d: (s, n)
        for d, s, n in Staffing.objects.filter(depot_id__in=depot_ids).values_list(
            "depot_id", "staff_on_duty", "shifts_per_day"
        )
    }
    since = today - dt.timedelta(days=RECENT_DAYS)
    issued = {
        (d, i): -int(q or 0)
        for d, i, q in StockMovement.objects.filter(
            depot_id__in=depot_ids,
            item_id__in=item_ids,
            kind=StockMovement.Kind.ISSUE,
            occurred_on__gte=since,
            occurred_on__lt=today,
        )
        .values_list("depot_id", "item_id")
        .annotate(q=Sum("quantity"))
        .order_by()
    }
    out: dict[tuple[int, int], Outlook] = {}
    for depot_id in depot_ids:
        for item in items:
            key = (depot_id, item.pk)
            quantity = stock.get(key, 0)
            planned = planned_per_day(staffing.get(depot_id), item)
            recent = issued.get(key, 0) / RECENT_DAYS
            per_day = max(planned, recent)
            days = quantity / per_day if per_day > 0 else None
            out[key] = Outlook(depot_id, item.pk, quantity, planned, recent, days)
    return out


def outlook_of(depot: Depot, item: SupplyItem) -> Outlook:
    return outlooks([depot.pk], [item])[(depot.pk, item.pk)]


@dataclass(frozen=True)
class Share:
    request: SupplyRequest
    outstanding: int
    need: int
    proposed: int


@dataclass(frozen=True)
class Proposal:
    item: SupplyItem
    available: int
    shares: list[Share]

    @property
    def proposed_total(self) -> int:
        return sum(s.proposed for s in self.shares)

    @property
    def need_total(self) -> int:
        return sum(s.need for s in self.shares)


def _needs(requests: Iterable[SupplyRequest], item: SupplyItem) -> list[tuple[SupplyRequest, int, int]]:
    rows = list(requests)
    depot_ids = [r.depot_id for r in rows]
    stock = dict(Stock.objects.filter(depot_id__in=depot_ids, item=item).values_list("depot_id", "quantity"))
    staffing = {
        d: (s, n)
        for d, s, n in Staffing.objects.filter(depot_id__in=depot_ids).values_list(
            "depot_id", "staff_on_duty", "shifts_per_day"
        )
    }
    needs = []
    for request in rows:
        outstanding = request.quantity - request.allocated
        per_day = planned_per_day(staffing.get(request.depot_id), item)
        if per_day > 0:
            need = math.ceil(per_day * request.days) - stock.get(request.depot_id, 0)
            need = min(max(need, 0), outstanding)
        else:
            need = outstanding
        needs.append((request, outstanding, need))
    return needs


def split(available: int, needs: Sequence[int]) -> list[int]:
    """Each its need when there is enough; else the same fraction of each need, largest remainders
    first for the units left over. Never more than a need, never more than ``available`` in all."""
    total = sum(needs)
    if total <= available:
        return list(needs)
    if total == 0 or available <= 0:
        return [0] * len(needs)
    exact = [available * n / total for n in needs]
    shares = [math.floor(x) for x in exact]
    left = available - sum(shares)
    order = sorted(range(len(needs)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[:left]:
        if shares[i] < needs[i]:
            shares[i] += 1
    return shares


def allocation_proposal(district_depot: Depot, item: SupplyItem) -> Proposal:
    """The open requests of the district for ``item`` and the split the district's stock allows."""
    requests = (
        SupplyRequest.objects.filter(
            district_id=district_depot.district_id,
            item=item,
            status__in=(SupplyRequest.Status.OPEN, SupplyRequest.Status.PARTLY),
        )
        .select_related("depot")
        .order_by("created_at", "id")
    )
    available = (
        Stock.objects.filter(depot=district_depot, item=item).values_list("quantity", flat=True).first() or 0
    )
    needs = _needs(requests, item)
    proposed = split(available, [n for _, _, n in needs])
    return Proposal(
        item=item,
        available=available,
        shares=[Share(r, o, n, p) for (r, o, n), p in zip(needs, proposed, strict=True)],
    )
