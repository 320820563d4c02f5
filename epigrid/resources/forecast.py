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
from django.core.cache import cache
from django.db.models import Max, QuerySet, Sum

from epigrid.core.clock import local_today
from epigrid.resources.models import Depot, Staffing, Stock, StockMovement, SupplyItem, SupplyRequest

RECENT_DAYS = 7
ISSUED_KEEP_SECONDS = 6 * 3600
OUT = "out"
SHORT = "short"
OK = "ok"
UNUSED = "unused"


def warn_days() -> int:
    return int(getattr(settings, "EPIGRID_SUPPLY_WARN_DAYS", 3))


@dataclass(frozen=True, slots=True)
class Outlook:
    """One item at one depot (the pair is the key it is found under)."""

    stock: int
    planned_per_day: float
    recent_per_day: float
    days_left: float | None  # None: no use expected
    level: str  # out, short, ok or unused (against ``warn_days()`` when computed)

    @property
    def per_day(self) -> float:
        return max(self.planned_per_day, self.recent_per_day)

    @property
    def warning(self) -> bool:
        return self.level in (OUT, SHORT)


def _level(stock: int, per_day: float, days: float | None, warn: int) -> str:
    if per_day <= 0:
        return UNUSED
    if stock <= 0:
        return OUT
    if days is not None and days < warn:
        return SHORT
    return OK


def planned_per_day(staffing: tuple[int, int] | None, item: SupplyItem) -> float:
    if staffing is None:
        return 0.0
    staff, shifts = staffing
    return float(Decimal(staff) * Decimal(shifts) * item.use_per_shift)


def _issued_now(moved: QuerySet[StockMovement], today: dt.date) -> dict[int, dict[int, int]]:
    since = today - dt.timedelta(days=RECENT_DAYS)
    issued: dict[int, dict[int, int]] = {}
    for d, i, q in (
        moved.filter(kind=StockMovement.Kind.ISSUE, occurred_on__gte=since, occurred_on__lt=today)
        .values_list("depot_id", "item_id")
        .annotate(q=Sum("quantity"))
        .order_by()
    ):
        issued.setdefault(d, {})[i] = -int(q or 0)
    return issued


def _issued(
    moved: QuerySet[StockMovement], today: dt.date, chain: tuple[str, int] | None, item_ids: list[int]
) -> dict[int, dict[int, int]]:
    """The issues of the seven whole days before today, per depot and item.

    Those days are over, so for a region's subtree the sums are kept (in the process's cache) for the
    day and reused while no issue dated in them has been written since: the check is one look at the
    ledger's rows added after the kept sums (by id), however long the ledger.
    """
    if chain is None:
        return _issued_now(moved, today)
    key = f"supply-issued:{chain[0]}:{chain[1]}:{today.isoformat()}:{hash(tuple(item_ids))}"
    kept = cache.get(key)
    since = today - dt.timedelta(days=RECENT_DAYS)
    if kept is not None:
        last_id, issued = kept
        changed = moved.filter(
            pk__gt=last_id, kind=StockMovement.Kind.ISSUE, occurred_on__gte=since, occurred_on__lt=today
        ).exists()
        if not changed:
            return issued  # type: ignore[no-any-return]
    last_id = StockMovement.objects.aggregate(m=Max("id"))["m"] or 0  # before the sums: nothing slips by
    issued = _issued_now(moved, today)
    cache.set(key, (last_id, issued), ISSUED_KEEP_SECONDS)
    return issued


def outlooks(
    depot_ids: Sequence[int],
    items: Sequence[SupplyItem],
    *,
    today: dt.date | None = None,
    chain: tuple[str, int] | None = None,
    stock_as_of: dt.date | None = None,
) -> dict[tuple[int, int], Outlook]:
    """The outlook of every (depot, item) pair of ``depot_ids`` x ``items``.

    ``stock_as_of`` (a past day, for a report): the stock at the end of that day — today's less every
    line dated after it — and the issues of the seven days up to it (``today`` = the day after). The
    staffing is today's.

    ``chain`` (``("district_id", 5)`` …), when the depots are a region's subtree, makes each query one
    indexed equality on that chain column instead of a list of a thousand ids.
    """
    if not depot_ids or not items:
        return {}
    today = today or local_today()
    item_ids = [i.pk for i in items]
    if chain is not None:
        column, value = chain
        stock_rows = Stock.objects.filter(**{f"depot__{column}": value})
        staffing_rows = Staffing.objects.filter(**{f"depot__{column}": value})
        moved = StockMovement.objects.filter(**{column: value})
    else:
        stock_rows = Stock.objects.filter(depot_id__in=depot_ids, item_id__in=item_ids)
        staffing_rows = Staffing.objects.filter(depot_id__in=depot_ids)
        moved = StockMovement.objects.filter(depot_id__in=depot_ids, item_id__in=item_ids)
    stock: dict[int, dict[int, int]] = {}
    for d, i, q in stock_rows.values_list("depot_id", "item_id", "quantity"):
        stock.setdefault(d, {})[i] = q
    if stock_as_of is not None:
        for d, i, q in (
            moved.filter(occurred_on__gt=stock_as_of)
            .values_list("depot_id", "item_id")
            .annotate(q=Sum("quantity"))
            .order_by()
        ):
            held = stock.setdefault(d, {})
            held[i] = held.get(i, 0) - int(q or 0)
    people = {
        d: s * n for d, s, n in staffing_rows.values_list("depot_id", "staff_on_duty", "shifts_per_day")
    }
    issued = _issued(moved, today, chain, item_ids)
    warn = warn_days()
    uses = [(item.pk, float(item.use_per_shift)) for item in items]
    idle = Outlook(0, 0.0, 0.0, None, UNUSED)  # nothing held, nothing used: most cells of a big table
    empty: dict[int, int] = {}
    out: dict[tuple[int, int], Outlook] = {}
    for depot_id in depot_ids:
        shifts = people.get(depot_id, 0)
        held = stock.get(depot_id, empty)
        used = issued.get(depot_id, empty)
        for item_id, use in uses:
            quantity = held.get(item_id, 0)
            planned = shifts * use
            recent = used.get(item_id, 0) / RECENT_DAYS
            if not quantity and not planned and not recent:
                out[depot_id, item_id] = idle
                continue
            per_day = planned if planned > recent else recent
            days = quantity / per_day if per_day > 0 else None
            out[depot_id, item_id] = Outlook(
                quantity, planned, recent, days, _level(quantity, per_day, days, warn)
            )
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
