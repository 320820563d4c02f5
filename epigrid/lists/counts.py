"""The counts the daily reports give, for a region subtree as of a cut-off time.

Seed report 1: "共排查由区教育局反馈武汉返XX人员X批次XX人，区卫健局反馈……，结合各村入户摸排，现累计排摸出从
武汉方向返XX人员XX人(含途径武汉人员)". Every figure is computed from the registry, the department-list
rows and the travel records as they stood at the cut-off: what was received or recorded later is left
out, merged duplicates are counted once (their rows and travel already sit on the record that stays).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
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

    day: date = timezone.localdate(as_of)  # the cut-off's local day, not UTC's
    travels = TravelRecord.objects.filter(
        _people_q(region, "person__"),
        Q(arrived_on__isnull=True) | Q(arrived_on__lte=day),
        person__merged_into__isnull=True,
        created_at__lte=as_of,
    ).values_list("person_id", "from_outbreak_area", "via_outbreak_area", "origin", "person__household_id")
    from_area: set[int] = set()
    via_area: set[int] = set()
    households: set[int] = set()
    other_origin: dict[int, str] = {}
    for person_id, came_from, passed, origin, household_id in travels.iterator(chunk_size=CHUNK):
        if came_from or passed:
            (from_area if came_from else via_area).add(person_id)
            if household_id:
                households.add(household_id)
        else:
            other_origin.setdefault(person_id, origin)
    outbreak = from_area | via_area
    counts.outbreak = len(outbreak)
    counts.outbreak_via = len(via_area - from_area)

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

    home = region.code[:2]
    provinces: Counter[str] = Counter()
    for person_id, origin in other_origin.items():
        if person_id in outbreak:
            continue
        code = province_of(origin)
        if not code:
            counts.unknown_origin += 1
        elif code != home:
            provinces[province_name(code)] += 1
    counts.by_province = provinces.most_common()
    counts.other_provinces = sum(provinces.values())
    return counts
