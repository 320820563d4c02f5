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


def journey_of(fields: dict[str, str], *, person_id: int, year: int) -> TravelRecord | None:
    """Return (unsaved) the journey a list row describes, or None when it names neither origin nor date."""
    origin = _clean(fields.get("origin"), 100)
    arrived = _day(str(fields.get("arrival_date") or ""), year)
    if not origin and arrived is None:
        return None
    came, passed = _flags(
        origin, str(fields.get("via_outbreak") or ""), tuple(settings.EPIGRID_OUTBREAK_AREAS)
    )
    return TravelRecord(
        person_id=person_id,
        origin=origin or "不详",
        from_outbreak_area=came,
        via_outbreak_area=passed,
        left_on=_day(str(fields.get("left_date") or ""), year),
        arrived_on=arrived,
        transport=transport_kind(fields.get("transport", "")),
        transport_no=_clean(fields.get("transport_no"), 40),
        companions=_clean(fields.get("companions"), 200),
    )


JOURNEY_COLUMNS = (
    "person_id", "origin", "from_outbreak_area", "via_outbreak_area", "left_on", "arrived_on", "transport",
    "transport_no", "companions", "created_at", "updated_at",
)  # fmt: skip


def _day_value(day: date | None) -> object:
    return day.isoformat() if day is not None and connection.vendor != "postgresql" else day


def journeys_from_rows(rows: Iterable[ListRow], *, year: int) -> int:
    """Add the journeys the linked rows describe to their people; return how many were added.

    Written with the bulk writer: a 100,000-row list names as many journeys.
    """
    wanted: list[TravelRecord] = []
    for row in rows:
        if row.person_id is None or row.decision not in LINKED:
            continue
        journey = journey_of(row.fields, person_id=row.person_id, year=year)
        if journey is not None:
            wanted.append(journey)
    stamp = now() if connection.vendor == "postgresql" else connection.ops.adapt_datetimefield_value(now())
    writer = TableWriter(TravelRecord, JOURNEY_COLUMNS)
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        people = {j.person_id for j in chunk}
        known = set(
            TravelRecord.objects.filter(person_id__in=people).values_list("person_id", "origin", "arrived_on")
        )
        for j in chunk:
            key = (j.person_id, j.origin, j.arrived_on)
            if key in known:
                continue
            known.add(key)
            writer.rows.append(
                (j.person_id, j.origin, j.from_outbreak_area, j.via_outbreak_area, _day_value(j.left_on),
                 _day_value(j.arrived_on), j.transport, j.transport_no, j.companions, stamp, stamp)
            )  # fmt: skip
        writer.flush()
    return writer.written


def journeys_from_batch(*, batch_id: int, year: int) -> int:
    """Add the journeys of a processed batch's linked rows (rows whose person was merged away follow it)."""
    rows = (
        ListRow.objects.filter(batch_id=batch_id, decision__in=LINKED, person__isnull=False)
        .exclude(person__merged_into__isnull=False)
        .only("person_id", "decision", "fields")
        .order_by("row_number")
    )
    return journeys_from_rows(rows.iterator(chunk_size=CHUNK), year=year)
