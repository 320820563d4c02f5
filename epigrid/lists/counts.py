"""The counts the daily reports give, for a region subtree as of a cut-off time.

Seed report 1: "共排查由区教育局反馈武汉返XX人员X批次XX人，区卫健局反馈……，结合各村入户摸排，现累计排摸出从
武汉方向返XX人员XX人(含途径武汉人员)". Every figure is computed from the registry, the department-list
rows and the travel records as they stood at the cut-off: what was received or recorded later is left
out, merged duplicates are counted once (their rows and travel already sit on the record that stays).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from epigrid.lib.places import province_name, province_of
from epigrid.lists.models import ListBatch, ListRow
from epigrid.people.models import Person, TravelRecord
from epigrid.regions.models import LEVEL_FIELD, Level, Region

CHUNK = 5_000
LINKED = (ListRow.Decision.MATCHED, ListRow.Decision.NEW)


@dataclass(frozen=True)
class BatchCount:
    source: str
    number: int
    received_at: datetime
    people: int


@dataclass(frozen=True)
class SourceCount:
    source: str
    batches: int
    people: int


@dataclass
class ReturneeCounts:
    """One subtree's figures as of ``as_of``."""

    region: Region
    as_of: datetime
    batches: list[BatchCount] = field(default_factory=list)
    sources: list[SourceCount] = field(default_factory=list)
    listed_people: int = 0  # distinct people on any list
    outbreak: int = 0  # returnees from the outbreak area, transit included
    outbreak_via: int = 0  # of which only passed through it
    families: int = 0  # their household members who are not returnees themselves
    sent_down: int = 0  # outbreak returnees that a department list named
    found_locally: int = 0  # outbreak returnees found by the town's own screening
    other_provinces: int = 0  # returnees from other provinces (outside the outbreak area)
    by_province: list[tuple[str, int]] = field(default_factory=list)
    unknown_origin: int = 0  # other returnees whose origin names no province we know


def _people_q(region: Region, prefix: str = "") -> Q:
    column = LEVEL_FIELD.get(region.level)
    if column is None:  # a 片区 below a grid: its people are the grid's
        return Q(**{f"{prefix}grid_id": region.depth_ids[Level.GRID - 1]})
    return Q(**{f"{prefix}{column}": region.pk})


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    items = sorted(ids)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _rows(region: Region, as_of: datetime) -> QuerySet[ListRow]:
    return ListRow.objects.filter(
        _people_q(region, "person__"),
        person__merged_into__isnull=True,
        decision__in=LINKED,
        batch__status=ListBatch.Status.DONE,
        batch__created_at__lte=as_of,
    )


def _travels(where: Q, as_of: datetime) -> QuerySet[TravelRecord]:
    """Return the journeys recorded by ``as_of`` of people selected by ``where``, arrived by its day."""
    day: date = timezone.localdate(as_of)  # the cut-off's local day, not UTC's
    return TravelRecord.objects.filter(
        where,
        Q(arrived_on__isnull=True) | Q(arrived_on__lte=day),
        person__merged_into__isnull=True,
        created_at__lte=as_of,
    )


class _Split:
    """Sort journeys into outbreak returnees (from, or only through, the area) and other origins."""

    def __init__(self) -> None:
        self.from_area: set[int] = set()
        self.via_area: set[int] = set()
        self.other_origin: dict[int, str] = {}

    def add(self, person_id: int, came_from: bool, passed: bool, origin: str) -> bool:
        """Take one journey; return whether it makes the person an outbreak returnee."""
        if came_from or passed:
            (self.from_area if came_from else self.via_area).add(person_id)
            return True
        self.other_origin.setdefault(person_id, origin)
        return False

    @property
    def outbreak(self) -> set[int]:
        return self.from_area | self.via_area

    @property
    def via_only(self) -> set[int]:
        return self.via_area - self.from_area

    def provinces(self, *, home: str) -> tuple[Counter[str], int]:
        """Count other returnees by province outside ``home`` (a 2-digit code), and unknown origins."""
        outbreak = self.outbreak
        provinces: Counter[str] = Counter()
        unknown = 0
        for person_id, origin in self.other_origin.items():
            if person_id in outbreak:
                continue
            code = province_of(origin)
            if not code:
                unknown += 1
            elif code != home:
                provinces[province_name(code)] += 1
        return provinces, unknown


def returnee_counts(*, region: Region, as_of: datetime) -> ReturneeCounts:
    """Count lists, returnees and their families in ``region``'s subtree as of ``as_of``."""
    counts = ReturneeCounts(region=region, as_of=as_of)
    rows = _rows(region, as_of)
    for source, number, received, people in (
        rows.values_list("batch__source__name", "batch__number", "batch__created_at")
        .annotate(people=Count("person_id", distinct=True))
        .order_by("batch__source__name", "batch__number", "batch__created_at")
    ):
        counts.batches.append(BatchCount(source, number, received, people))
    for source, batches, people in (
        rows.values_list("batch__source__name")
        .annotate(batches=Count("batch_id", distinct=True), people=Count("person_id", distinct=True))
        .order_by("batch__source__name")
    ):
        counts.sources.append(SourceCount(source, batches, people))
    counts.listed_people = rows.values("person_id").distinct().count()

    travels = _travels(_people_q(region, "person__"), as_of).values_list(
        "person_id", "from_outbreak_area", "via_outbreak_area", "origin", "person__household_id"
    )
    split = _Split()
    households: set[int] = set()
    for person_id, came_from, passed, origin, household_id in travels.iterator(chunk_size=CHUNK):
        if split.add(person_id, came_from, passed, origin) and household_id:
            households.add(household_id)
    outbreak = split.outbreak
    counts.outbreak = len(outbreak)
    counts.outbreak_via = len(split.via_only)

    for chunk in _chunks(households):
        members = Person.objects.filter(
            household_id__in=chunk, merged_into__isnull=True, created_at__lte=as_of
        ).values_list("pk", flat=True)
        counts.families += sum(1 for pk in members if pk not in outbreak)
    listed: set[int] = set()
    for chunk in _chunks(outbreak):
        listed.update(rows.filter(person_id__in=chunk).values_list("person_id", flat=True).distinct())
    counts.sent_down = len(listed)
    counts.found_locally = counts.outbreak - counts.sent_down

    provinces, counts.unknown_origin = split.provinces(home=region.code[:2])
    counts.by_province = provinces.most_common()
    counts.other_provinces = sum(provinces.values())
    return counts


@dataclass
class UnitReturnees:
    """One unit's returnee figures for a table of units (``returnees_by_unit``)."""

    outbreak: set[int] = field(default_factory=set)  # person ids, from or through the area
    outbreak_via: int = 0
    other_provinces: int = 0
    batches: int = 0
    listed_people: int = 0


def returnees_by_unit(
    *, level: int, ids: Sequence[int], as_of: datetime, home: str, lists: bool = True
) -> dict[int, UnitReturnees]:
    """Return ``returnee_counts``' figures for several regions of one level in two queries.

    Same rules as ``returnee_counts`` (journeys recorded and arrived by the cut-off, merged records
    once); ``home`` is the two-digit province code other provinces are counted against.
    """
    column = LEVEL_FIELD[level]
    units = {pk: UnitReturnees() for pk in ids}
    splits = {pk: _Split() for pk in ids}
    travels = _travels(Q(**{f"person__{column}__in": list(ids)}), as_of).values_list(
        f"person__{column}", "person_id", "from_outbreak_area", "via_outbreak_area", "origin"
    )
    for unit, person_id, came_from, passed, origin in travels.iterator(chunk_size=CHUNK):
        splits[unit].add(person_id, came_from, passed, origin)
    for pk, split in splits.items():
        units[pk].outbreak = split.outbreak
        units[pk].outbreak_via = len(split.via_only)
        units[pk].other_provinces = sum(split.provinces(home=home)[0].values())
    if lists:
        rows = ListRow.objects.filter(
            **{f"person__{column}__in": list(ids)},
            person__merged_into__isnull=True,
            decision__in=LINKED,
            batch__status=ListBatch.Status.DONE,
            batch__created_at__lte=as_of,
        )
        for unit, batches, people in (
            rows.values_list(f"person__{column}")
            .annotate(batches=Count("batch_id", distinct=True), people=Count("person_id", distinct=True))
            .order_by()
        ):
            units[unit].batches = batches
            units[unit].listed_people = people
    return units
