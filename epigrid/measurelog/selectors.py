"""Reads of the measures log, always limited to the caller's subtrees (404 for "missing" and "not yours").

What a unit's daily report counts (``unit_log_sums``, ``report_prefill``): a village/community its own
entries and its grids'; a town/street its own entries only. The town's work report
(``reports.document_content``) already sums the town's own report and its villages' reports, so a town
report that also counted the villages' entries would count them twice; the villages' entries reach the
town's report through the villages' reports, and the town's report page shows which villages logged
measures but have not reported (``villages_logged``). A grid logs but does not report: its entries count
into its village.

The log holds counts, places and notes about measures, never people.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet, Sum
from django.http import Http404

from epigrid.core.models import User
from epigrid.measurelog.models import (
    ENTRY_KINDS,
    ENTRY_UNITS,
    MeasureEntry,
    SealedCompound,
    current_q,
    sealed_on_q,
)
from epigrid.regions.models import LEVEL_FIELD, Level, Region
from epigrid.regions.scope import scope_for
from epigrid.reports.models import MEASURE_KINDS

LOG_LEVELS = (Level.TOWN, Level.VILLAGE, Level.GRID)
TABLE_LEVELS = (Level.DISTRICT, Level.TOWN, Level.VILLAGE)


def unit_for_log(*, user: User, region_id: int) -> Region:
    """Return a unit that keeps a log (town, village, grid) in the user's scope; 404 otherwise."""
    region = Region.objects.filter(pk=region_id, level__in=LOG_LEVELS).first()
    if region is None or not scope_for(user).contains(region):
        raise Http404
    return region


def region_for_table(*, user: User, region_id: int) -> Region:
    """Return a region whose units' measures are tabled (district, town, village) in scope; 404 otherwise."""
    region = Region.objects.filter(pk=region_id, level__in=TABLE_LEVELS).first()
    if region is None or not scope_for(user).contains(region):
        raise Http404
    return region


def _column(region: Region) -> str:
    return LEVEL_FIELD[min(region.level, Level.GRID)]


# --- entries -------------------------------------------------------------------------------------


def entry_for_user(*, user: User, entry_id: int) -> MeasureEntry:
    """Return one entry (any revision) of a unit in the user's scope; 404 otherwise."""
    entry = (
        MeasureEntry.objects.filter(pk=entry_id)
        .select_related("region", "recorded_by", "withdrawn_by")
        .first()
    )
    if entry is None or not scope_for(user).contains(entry.region):
        raise Http404
    return entry


def entry_history(entry: MeasureEntry) -> list[MeasureEntry]:
    """Return every revision of the entry's history, the first first."""
    root = entry.root_id
    return list(
        MeasureEntry.objects.filter(Q(pk=root) | Q(original_id=root))
        .select_related("recorded_by", "withdrawn_by")
        .order_by("revision")
    )


def entries_for_user(
    *,
    user: User,
    region: Region | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    kind: str = "",
    include_replaced: bool = False,
) -> QuerySet[MeasureEntry]:
    """Return the entries in the user's scope (under ``region`` when given), newest day first.

    Withdrawn entries are included (they say so); corrected revisions only with ``include_replaced``.
    """
    rows = MeasureEntry.objects.filter(scope_for(user).rows_q())
    if region is not None:
        rows = rows.filter(**{_column(region): region.pk})
    if start is not None:
        rows = rows.filter(day__gte=start)
    if end is not None:
        rows = rows.filter(day__lte=end)
    if kind:
        rows = rows.filter(kind=kind)
    if not include_replaced:
        rows = rows.filter(replaced_by__isnull=True)
    return rows.select_related("region", "recorded_by", "withdrawn_by").order_by(
        "-day", "-recorded_at", "-id"
    )


def day_entries(region: Region, day: dt.date) -> list[MeasureEntry]:
    """Return a unit's entries of a day as its log shows them: a village's with its grids'.

    Corrected revisions are left out (their history is on the entry's page); withdrawn ones stay.
    """
    where = Q(village=region) if region.level == Level.VILLAGE else Q(region=region)
    return list(
        MeasureEntry.objects.filter(where, day=day, replaced_by__isnull=True)
        .select_related("region", "recorded_by")
        .order_by("recorded_at", "id")
    )


@dataclass(frozen=True)
class SumLine:
    kind: str
    label: str
    count: int
    unit: str


def sum_lines(counts: dict[str, int], kinds: tuple[str, ...] | None = None) -> list[SumLine]:
    """The non-zero counts as labelled lines, in the order of ``ENTRY_KINDS``."""
    return [
        SumLine(kind, str(label), counts[kind], str(ENTRY_UNITS.get(kind, "")))
        for kind, label in ENTRY_KINDS.items()
        if counts.get(kind) and (kinds is None or kind in kinds)
    ]


@dataclass(frozen=True)
class LogSums:
    """What a unit logged on a day, summed as its daily report counts it (see module)."""

    counts: dict[str, int]
    sealed: int  # compounds closed that day in the unit's subtree
    guard_posts: int

    @property
    def for_report(self) -> dict[str, int]:
        """The counts of the daily report's own kinds (``MEASURE_KINDS``): its fields' pre-fill."""
        return {kind: self.counts[kind] for kind in MEASURE_KINDS if self.counts.get(kind)}

    @property
    def report_lines(self) -> list[SumLine]:
        return sum_lines(self.counts, tuple(MEASURE_KINDS))

    @property
    def other_lines(self) -> list[SumLine]:
        """The logged kinds the daily report has no field for (banners, closures, patrols …)."""
        return sum_lines(self.counts, tuple(k for k in ENTRY_KINDS if k not in MEASURE_KINDS))

    @property
    def empty(self) -> bool:
        return not any(self.counts.values()) and not self.sealed


def _own_entries_q(region: Region) -> Q:
    if region.level == Level.TOWN:
        return Q(town=region, village__isnull=True)
    if region.level == Level.VILLAGE:
        return Q(village=region)
    return Q(region=region)


def unit_log_sums(region: Region, day: dt.date) -> LogSums:
    """Sum what ``region`` logged on ``day`` the way its daily report counts it (two queries)."""
    counts = {
        kind: int(n)
        for kind, n in MeasureEntry.objects.filter(_own_entries_q(region), current_q(), day=day)
        .values_list("kind")
        .annotate(n=Sum("count"))
        .values_list("kind", "n")
        .order_by()
    }
    sealed, posts = 0, 0
    if region.level in (Level.VILLAGE, Level.GRID):
        found = SealedCompound.objects.filter(sealed_on_q(day), **{_column(region): region.pk}).aggregate(
            n=Count("id"), posts=Sum("guard_posts")
        )
        sealed, posts = int(found["n"] or 0), int(found["posts"] or 0)
    return LogSums(counts=counts, sealed=sealed, guard_posts=posts)


def report_prefill(region: Region, day: dt.date) -> dict[str, int]:
    """Return the daily report's measure counts of ``region`` and ``day`` as its log sums them."""
    return unit_log_sums(region, day).for_report


def villages_logged(town: Region, day: dt.date) -> dict[int, int]:
    """Return, for each village of ``town`` that logged counted entries on ``day``, how many."""
    return {
        int(village_id): int(n)
        for village_id, n in MeasureEntry.objects.filter(
            current_q(), town=town, day=day, village__isnull=False
        )
        .values_list("village_id")
        .annotate(n=Count("id"))
        .values_list("village_id", "n")
        .order_by()
    }


# --- the region's table --------------------------------------------------------------------------


@dataclass
class TableRow:
    region: Region | None  # None: the region's own entries (a town's or a village's own row)
    counts: dict[str, int] = field(default_factory=dict)
    sealed: int = 0
    guard_posts: int = 0

    def cells(self, kinds: list[str]) -> list[int]:
        return [self.counts.get(kind, 0) for kind in kinds]


@dataclass
class MeasureTable:
    region: Region
    start: dt.date
    end: dt.date
    kinds: list[str]
    rows: list[TableRow]
    total: TableRow

    @property
    def labels(self) -> list[tuple[str, str, str]]:
        return [(k, str(ENTRY_KINDS[k]), str(ENTRY_UNITS.get(k, ""))) for k in self.kinds]


def measure_table(region: Region, start: dt.date, end: dt.date) -> MeasureTable:
    """Sum the counted entries of ``region``'s units by unit and kind over ``start``..``end``.

    One row per region directly below (its whole subtree), plus the region's own row for a town or a
    village; compounds sealed on ``end`` with their guard posts. Three queries whatever the size.
    """
    if region.level not in TABLE_LEVELS:
        raise ValueError("a table is drawn for a district, a town or a village")
    column = _column(region)
    child_column = LEVEL_FIELD[region.level + 1]
    children = list(Region.objects.filter(parent=region).order_by("code"))
    rows: dict[int | None, TableRow] = {child.pk: TableRow(child) for child in children}
    own = TableRow(None)
    total = TableRow(region)
    sums = (
        MeasureEntry.objects.filter(current_q(), day__gte=start, day__lte=end, **{column: region.pk})
        .values_list(child_column, "kind")
        .annotate(n=Sum("count"))
        .values_list(child_column, "kind", "n")
        .order_by()
    )
    for child_id, kind, n in sums:
        row = rows.get(child_id, own) if child_id is not None else own
        row.counts[kind] = row.counts.get(kind, 0) + int(n)
        total.counts[kind] = total.counts.get(kind, 0) + int(n)
    sealed = (
        SealedCompound.objects.filter(sealed_on_q(end), **{column: region.pk})
        .values_list(child_column)
        .annotate(n=Count("id"), posts=Sum("guard_posts"))
        .values_list(child_column, "n", "posts")
        .order_by()
    )
    for child_id, n, posts in sealed:
        row = rows.get(child_id, own) if child_id is not None else own
        row.sealed += int(n)
        row.guard_posts += int(posts or 0)
        total.sealed += int(n)
        total.guard_posts += int(posts or 0)
    ordered = list(rows.values())
    if region.level in (Level.TOWN, Level.VILLAGE):
        ordered.insert(0, own)
    return MeasureTable(
        region=region, start=start, end=end, kinds=list(ENTRY_KINDS), rows=ordered, total=total
    )


# --- sealed compounds ----------------------------------------------------------------------------


def compounds_for_user(
    *, user: User, region: Region | None = None, sealed_on: dt.date | None = None
) -> QuerySet[SealedCompound]:
    """Return the compounds in the user's scope (under ``region``), those closed on ``sealed_on`` if given."""
    rows = SealedCompound.objects.filter(scope_for(user).rows_q())
    if region is not None:
        rows = rows.filter(**{_column(region): region.pk})
    if sealed_on is not None:
        rows = rows.filter(sealed_on_q(sealed_on))
    # Open ones first (no reopening day), on both databases: PostgreSQL sorts NULL last by default.
    return rows.select_related("region", "created_by", "reopened_by").order_by(
        F("reopened_on").asc(nulls_first=True), "-sealed_on", "name", "id"
    )


def compound_for_user(*, user: User, compound_id: int) -> SealedCompound:
    """Return one compound in the user's scope; 404 otherwise."""
    compound = SealedCompound.objects.filter(pk=compound_id).select_related("region").first()
    if compound is None or not scope_for(user).contains(compound.region):
        raise Http404
    return compound


def sealed_counts(rows: QuerySet[SealedCompound]) -> tuple[int, int]:
    """How many compounds and guard posts ``rows`` hold (one query)."""
    found = rows.order_by().aggregate(n=Count("id"), posts=Sum("guard_posts"))
    return int(found["n"] or 0), int(found["posts"] or 0)


def region_for_compounds(*, user: User, region_id: int) -> Region:
    """Return a region whose sealed compounds are listed (district down to grid) in scope; 404 otherwise."""
    region = Region.objects.filter(pk=region_id, level__lte=Level.GRID).first()
    if region is None or not scope_for(user).contains(region):
        raise Http404
    return region


def compound_regions(region: Region) -> list[Region]:
    """The regions a compound listed under ``region`` may be registered in: a town's villages, a village
    and its grids, a grid itself; none for a district (too many to choose from: open a town)."""
    if region.level == Level.TOWN:
        return list(Region.objects.filter(parent=region, level=Level.VILLAGE).order_by("code"))
    if region.level == Level.VILLAGE:
        return [region, *Region.objects.filter(parent=region, level=Level.GRID).order_by("code")]
    if region.level == Level.GRID:
        return [region]
    return []
