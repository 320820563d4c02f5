"""Reads of the supplies pages, scoped to the caller: depots, their ledger, the overview of a region.

Stock figures are counts, not personal data; the ledger names recipients as typed (a team, a
checkpoint), so it is shown only to users whose scope holds the depot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from epigrid.core.models import User
from epigrid.regions.models import LEVEL_FIELD, Level, Region
from epigrid.regions.scope import scope_for, subtree_q
from epigrid.resources.forecast import OUT, SHORT, Outlook, outlooks
from epigrid.resources.models import Depot, StockMovement, SupplyItem, SupplyRequest

WARNING_LEVELS = frozenset({OUT, SHORT})


def depots_for_user(*, user: User, region: Region | None = None) -> QuerySet[Depot]:
    """Depots whose region lies in the user's subtrees (and in ``region``'s, when given)."""
    rows = Depot.objects.filter(scope_for(user).regions_q_for("region__"))
    if region is not None:
        rows = rows.filter(subtree_q(region.path, field="region__path"))
    return rows.select_related("region", "site")


def depot_get_for_user(*, user: User, depot_id: int) -> Depot:
    found = depots_for_user(user=user).filter(pk=depot_id).first()
    if found is None:
        raise Http404
    return found


def active_items() -> list[SupplyItem]:
    return list(SupplyItem.objects.filter(active=True).order_by("sort", "id"))


@dataclass(frozen=True, slots=True)
class OverviewRow:
    depot_id: int
    name: str
    level: int  # the depot region's level (1 district … 3 village); sites sort with their region
    cells: list[Outlook]
    warnings: int  # items short or out


@dataclass(frozen=True)
class Overview:
    region: Region
    items: list[SupplyItem]
    rows: list[OverviewRow]
    totals: list[int]  # stock per item over the rows
    short: list[int]  # per item, depots short or out

    @property
    def warnings(self) -> int:
        return sum(self.short)


def supply_overview(*, user: User, region: Region, warnings_only: bool = False) -> Overview:
    """Every depot of ``region``'s subtree in scope x every active item: stock and days of supply.

    Four queries whatever the number of depots: the depots (as values, not models: a city district has
    a thousand) and the three of ``forecast.outlooks``, each one indexed equality on a chain column.
    """
    items = active_items()
    depots = list(
        depots_for_user(user=user, region=region)
        .order_by("region__path", "site_id", "id")
        .values_list("pk", "name", "region__level")
    )
    level = min(region.level, Level.VILLAGE)
    chain = (
        LEVEL_FIELD[level],
        region.pk if region.level <= Level.VILLAGE else region.depth_ids[Level.VILLAGE - 1],
    )
    table = outlooks([pk for pk, _, _ in depots], items, chain=chain)
    item_ids = [item.pk for item in items]
    totals = [0] * len(items)
    short = [0] * len(items)
    rows = []
    for pk, name, region_level in depots:
        cells = [table[pk, item_id] for item_id in item_ids]
        warnings = 0
        for i, cell in enumerate(cells):
            totals[i] += cell.stock
            if cell.level in WARNING_LEVELS:
                short[i] += 1
                warnings += 1
        if not warnings_only or warnings:
            rows.append(OverviewRow(pk, name, region_level, cells, warnings))
    return Overview(region, items, rows, totals, short)


def movements_for_depot(
    *, depot: Depot, item: SupplyItem | None = None, limit: int = 100
) -> list[StockMovement]:
    rows = StockMovement.objects.filter(depot=depot).select_related("item", "counterpart", "by")
    if item is not None:
        rows = rows.filter(item=item)
    return list(rows.order_by("-occurred_on", "-id")[:limit])


def requests_for_user(*, user: User, status: str = "") -> QuerySet[SupplyRequest]:
    """Requests from depots in the user's scope; the district's HQ sees all of its district's."""
    depots = depots_for_user(user=user).values("pk")
    rows = SupplyRequest.objects.filter(depot__in=depots).select_related("depot", "item", "requested_by")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-id")


def request_get_for_user(*, user: User, request_id: int) -> SupplyRequest:
    found = requests_for_user(user=user).filter(pk=request_id).first()
    if found is None:
        raise Http404
    return found


def district_of(region: Region) -> Region:
    return region if region.level == Level.DISTRICT else Region.objects.get(pk=region.depth_ids[0])


def supply_warnings(*, column: str, ids: Sequence[int], day: dt.date) -> dict[int, tuple[int, int]]:
    """Per unit (a depot chain column's value: ``town_id`` …), the (depot, item) pairs short and out
    at the end of ``day`` — the daily report's supply figures. Counts only."""
    out = {pk: (0, 0) for pk in ids}
    depots = list(Depot.objects.filter(**{f"{column}__in": list(ids)}).values_list("pk", column))
    if not depots:
        return out
    items = active_items()
    chain = (column, ids[0]) if len(ids) == 1 else None
    table = outlooks(
        [pk for pk, _ in depots], items, today=day + dt.timedelta(days=1), chain=chain, stock_as_of=day
    )
    counts: dict[int, list[int]] = {pk: [0, 0] for pk in ids}
    for pk, unit in depots:
        for item in items:
            level = table[pk, item.pk].level
            if level in WARNING_LEVELS:
                counts[unit][0] += 1
                if level == OUT:
                    counts[unit][1] += 1
    return {pk: (short, gone) for pk, (short, gone) in counts.items()}
