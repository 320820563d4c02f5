"""Travel records from department-list rows: the list's 从何地返回 and dates become the person's journey.

Fill once, use many: a returnee named by the education bureau's list with origin and arrival date has
that journey on their record, so the counts, the monitoring and the reports read it without anyone
typing it again. A journey already on the record (same origin and arrival day) is not added twice, so
re-reading a list, or a second department listing the same person, adds nothing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from django.conf import settings
from django.db import connection

from epigrid.core.bulk import TableWriter
from epigrid.core.clock import now
from epigrid.lib.dates import parse_day
from epigrid.lib.places import in_areas
from epigrid.lists.models import ListRow
from epigrid.people.models import TravelRecord

LINKED = (ListRow.Decision.MATCHED, ListRow.Decision.NEW)
_YES = ("是", "有", "途经", "经过", "y", "yes", "true", "1", "√", "✓")
_TRANSPORT = (
    (("高铁", "动车", "火车", "列车", "铁路"), TravelRecord.Transport.TRAIN),
    (("飞机", "航班", "航空"), TravelRecord.Transport.PLANE),
    (("大巴", "客车", "长途", "汽车站", "班车"), TravelRecord.Transport.COACH),
    (("自驾", "私家车", "小车", "轿车", "开车", "摩托"), TravelRecord.Transport.CAR),
    (("船", "轮渡"), TravelRecord.Transport.SHIP),
)
CHUNK = 2_000


def _clean(text: object, limit: int) -> str:
    return " ".join(unicodedata.normalize("NFKC", str(text or "")).split())[:limit]


def _yes(text: str) -> bool:
    text = _clean(text, 20).lower()
    return bool(text) and not text.startswith(("否", "无", "没", "n")) and any(y in text for y in _YES)


def transport_kind(text: str) -> str:
    """Return the transport choice a cell names (火车 for 高铁G1234), "" when empty, other otherwise."""
    text = _clean(text, 40)
    if not text:
        return ""
    for words, kind in _TRANSPORT:
        if any(word in text for word in words):
            return kind
    return TravelRecord.Transport.OTHER


@lru_cache(maxsize=8192)
def _flags(origin: str, via_text: str, areas: tuple[str, ...]) -> tuple[bool, bool]:
    """Return (from, through) the outbreak area for an origin as written; lists repeat origins a lot."""
    # "广州（途经武汉）": the place before 途经 is where they came from, the rest where they passed.
    head, _, through = origin.partition("途经")
    came = in_areas(head, areas)
    passed = _yes(via_text) or in_areas(through, areas)
    return came, passed and not came


@lru_cache(maxsize=8192)
def _day(text: str, year: int) -> date | None:
    return parse_day(text, year=year)


class Journey(NamedTuple):
    """A journey as a list row gives it, in the columns it is written in (without the timestamps)."""

    person_id: int
    origin: str
    from_outbreak_area: bool
    via_outbreak_area: bool
    left_on: date | None
    arrived_on: date | None
    transport: str
    transport_no: str
    companions: str


def journey_of(fields: dict[str, str], *, person_id: int, year: int) -> Journey | None:
    """Return the journey a list row describes, or None when it names neither origin nor date."""
    origin = _clean(fields.get("origin"), 100)
    arrived = _day(str(fields.get("arrival_date") or ""), year)
    if not origin and arrived is None:
        return None
    areas = tuple(settings.EPIGRID_OUTBREAK_AREAS)
    came, passed = _flags(origin, str(fields.get("via_outbreak") or ""), areas)
    return Journey(
        person_id,
        origin or "不详",
        came,
        passed,
        _day(str(fields.get("left_date") or ""), year),
        arrived,
        transport_kind(fields.get("transport", "")),
        _clean(fields.get("transport_no"), 40),
        _clean(fields.get("companions"), 200),
    )


JOURNEY_COLUMNS = (*Journey._fields, "created_at", "updated_at")


def journeys_from_fields(
    rows: Iterable[tuple[int, dict[str, str]]],
    *,
    year: int,
    known: set[tuple[int, str, date | None]] | None = None,
) -> int:
    """Add the journeys that (person id, row fields) pairs describe; return how many were added.

    Written with the bulk writer (a 100,000-row list names as many journeys); a journey already on
    record, same person, origin and arrival day, is skipped. ``known``, when the caller fetched the
    journeys on record for all these people at once, saves a query per chunk.
    """
    wanted = [j for person_id, fields in rows if (j := journey_of(fields, person_id=person_id, year=year))]
    on_sqlite = connection.vendor != "postgresql"
    stamp = connection.ops.adapt_datetimefield_value(now()) if on_sqlite else now()
    writer = TableWriter(TravelRecord, JOURNEY_COLUMNS)
    fetch = known is None
    known = known or set()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        if fetch:
            people = {j.person_id for j in chunk}
            on_record = TravelRecord.objects.filter(person_id__in=people)
            known = set(on_record.values_list("person_id", "origin", "arrived_on"))
        for j in chunk:
            key = (j.person_id, j.origin, j.arrived_on)
            if key in known:
                continue
            known.add(key)
            if on_sqlite:
                left = j.left_on.isoformat() if j.left_on else None
                arrived = j.arrived_on.isoformat() if j.arrived_on else None
                j = j._replace(left_on=left, arrived_on=arrived)  # type: ignore[arg-type]
            writer.rows.append((*j, stamp, stamp))
        writer.flush()
    return writer.written


def journeys_from_rows(rows: Iterable[ListRow], *, year: int) -> int:
    """Add the journeys the linked rows describe to their people (a reviewer's decision)."""
    return journeys_from_fields(
        ((row.person_id, row.fields) for row in rows if row.person_id is not None and row.decision in LINKED),
        year=year,
    )


def journeys_from_batch(*, batch_id: int, year: int, fields: dict[int, dict[str, str]] | None = None) -> int:
    """Add the journeys of a processed batch's linked rows (rows of merged-away people are skipped).

    ``fields`` (row number → fields), when the caller still holds the rows it read, saves reading
    them back from the database.
    """
    linked = ListRow.objects.filter(batch_id=batch_id, decision__in=LINKED, person__isnull=False).exclude(
        person__merged_into__isnull=False
    )
    if fields is None:
        pairs = linked.order_by("row_number").values_list("person_id", "fields").iterator(chunk_size=CHUNK)
        return journeys_from_fields(pairs, year=year)
    numbers = linked.order_by("row_number").values_list("row_number", "person_id").iterator(chunk_size=CHUNK)
    # The journeys on record for the batch's people, in one join rather than a query per chunk.
    on_record = TravelRecord.objects.filter(person__list_rows__batch_id=batch_id)
    known = set(on_record.values_list("person_id", "origin", "arrived_on"))
    pairs = ((person_id, fields[n]) for n, person_id in numbers if n in fields)
    return journeys_from_fields(pairs, year=year, known=known)
