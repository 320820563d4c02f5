"""Demo door-to-door screening: most households of the demo district visited over the last few days.

Seed report 3 has every household visited within days ("截至1月31日晚已排查35360人"); here about two
households in three were visited over the last ``DAYS`` days, by day and in daytime. A few visited
households have a member back from elsewhere, most of them from 武汉 or 湖北 or through 武汉, with the
journey recorded and the household put under home isolation; a few people have a fever and were sent
to the fever clinic. Only registered people are visited, so the district's head count stays as the
generator made it.

Like the generator, the rows come from ``random.Random`` seeded with a string and are written with
explicit ids by ``core.bulk.TableWriter``: the visits of the city-sized demo are hundreds of thousands
of rows, too many for the per-visit service. The one clock reading is ``now``, which places the
visits in the days before the demo is loaded (so the screening pages show "the last days").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from random import Random
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max, Min
from django.utils import timezone

from epigrid.core.audit import audit_log
from epigrid.core.bulk import TableWriter
from epigrid.core.models import AuditEvent
from epigrid.people.models import (
    FEVER_THRESHOLD,
    Measure,
    Person,
    Screening,
    ScreeningEntry,
    Symptom,
    TravelRecord,
)
from epigrid.regions.models import Household

DAYS = 5
VISITED_SHARE = 0.65
RETURNEE_HOUSEHOLD_SHARE = 0.04
ABSENT_SHARE = 0.12
FEVER_SHARE = 0.004  # of the people met at home
OUTBREAK_FEVER_SHARE = 0.06  # of returnees from or through the outbreak area
COUGH_SHARE = 0.01
BATCH_ROWS = 5_000
HOUSEHOLDS_PER_READ = 5_000

# (origin, from the outbreak area, through it, weight)
ORIGINS: tuple[tuple[str, bool, bool, int], ...] = (
    ("武汉市", True, False, 45),
    ("湖北省孝感市", True, False, 10),
    ("湖北省黄冈市", True, False, 8),
    ("广州市（途经武汉）", False, True, 10),
    ("长沙市（途经武汉）", False, True, 5),
    ("上海市", False, False, 8),
    ("浙江省杭州市", False, False, 7),
    ("北京市", False, False, 7),
)
WHEREABOUTS = ("外出务工", "在县城上班", "走亲戚", "住校", "在外地未返回")

SCREENING_COLUMNS = ("id", "created_at", "updated_at", "district_id", "town_id", "village_id", "grid_id",
                     "household_id", "visited_at", "visited_by_id", "measures", "notes",
                     "idempotency_key")  # fmt: skip
ENTRY_COLUMNS = ("id", "created_at", "updated_at", "screening_id", "person_id", "present", "whereabouts",
                 "temperature", "symptoms", "fever", "returnee", "travel_id")  # fmt: skip
TRAVEL_COLUMNS = ("id", "created_at", "updated_at", "person_id", "origin", "from_outbreak_area",
                  "via_outbreak_area", "left_on", "arrived_on", "transport", "transport_no",
                  "companions")  # fmt: skip


@dataclass(frozen=True)
class DemoScreenings:
    visits: int
    entries: int
    returnees: int
    fevers: int


def _next_id(model: type[models.Model]) -> int:
    return int(model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1


def _journey(rng: Random, visit_day: dt.date) -> tuple[str, bool, bool, dt.date, dt.date, str, str, str]:
    origin, came, passed, _weight = rng.choices(ORIGINS, weights=[o[3] for o in ORIGINS])[0]
    arrived = visit_day - dt.timedelta(days=rng.randint(0, 12))
    left = arrived - dt.timedelta(days=rng.choice((0, 0, 1)))
    transport = rng.choices(("train", "car", "coach", "plane"), weights=(50, 25, 15, 10))[0]
    number = {
        "train": f"{rng.choice('GDK')}{rng.randint(100, 9999)}",
        "car": f"鄂{rng.choice('ABFHJK')}{rng.randint(10000, 99999)}" if came else "",
        "coach": "",
        "plane": f"{rng.choice(('CZ', 'MU', 'CA'))}{rng.randint(3000, 8999)}",
    }[transport]
    companions = rng.choice(("", "", "配偶", "配偶、子女", "同事1人"))
    return origin, came, passed, left, arrived, transport, number, companions


def _households(district_id: int) -> Iterator[tuple[tuple[int, int, int, int], list[int]]]:
    """Yield each household of the district with a member: (id, town, village, grid) and its people.

    Read a range of household ids at a time into memory, so that no cursor stays open while the
    caller writes (psycopg and sqlite3 both dislike that) and a city's million people are never
    held at once.
    """
    bounds = Household.objects.filter(district_id=district_id).aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return
    low, high = int(bounds["low"]), int(bounds["high"])
    for start in range(low, high + 1, HOUSEHOLDS_PER_READ):
        rows = list(
            Person.objects.filter(
                household_id__gte=start,
                household_id__lt=start + HOUSEHOLDS_PER_READ,
                district_id=district_id,
                merged_into__isnull=True,
            )
            .order_by("household_id", "id")
            .values_list("household_id", "town_id", "village_id", "grid_id", "id")
        )
        for key, group in groupby(rows, key=lambda row: row[:4]):
            yield key, [row[4] for row in group]


def demo_screenings_create(*, district_id: int, seed: int, now: dt.datetime) -> DemoScreenings:
    """Write demo visits for the households of a freshly generated district (inside its transaction)."""
    models_written = (TravelRecord, Screening, ScreeningEntry)
    if connection.vendor == "postgresql":
        # Ids are chosen here, not by the sequences: keep other writers out until they are reset.
        with connection.cursor() as cursor:
            for model in models_written:
                cursor.execute(
                    f"LOCK TABLE {connection.ops.quote_name(model._meta.db_table)} IN EXCLUSIVE MODE"
                )
    rng = Random(f"epigrid-demo/screenings/{seed}")
    postgres = connection.vendor == "postgresql"

    def stamp(value: dt.datetime) -> Any:
        return value if postgres else connection.ops.adapt_datetimefield_value(value)

    created = stamp(now)
    today = timezone.localdate(now)
    travel_id, screening_id, entry_id = (_next_id(m) for m in models_written)
    travels = TableWriter(TravelRecord, TRAVEL_COLUMNS)
    visits = TableWriter(Screening, SCREENING_COLUMNS)
    entries = TableWriter(ScreeningEntry, ENTRY_COLUMNS)
    returnees = fevers = 0
    for household, people in _households(district_id):
        if rng.random() >= VISITED_SHARE:
            continue
        day = today - dt.timedelta(days=rng.randrange(DAYS))
        local = dt.datetime.combine(day, dt.time(rng.randint(8, 19), rng.randrange(60)))
        visited_at = min(timezone.make_aware(local), now - dt.timedelta(minutes=rng.randint(5, 90)))
        returnee_index = rng.randrange(len(people)) if rng.random() < RETURNEE_HOUSEHOLD_SHARE else -1
        measures = {Measure.INFORMED.value}
        for index, person_id in enumerate(people):
            travel: int | None = None
            outbreak = False
            if index == returnee_index:
                origin, came, passed, left, arrived, transport, number, companions = _journey(rng, day)
                outbreak = came or passed
                travels.rows.append((travel_id, created, created, person_id, origin, came, passed, left,
                                     arrived, transport, number, companions))  # fmt: skip
                travel = travel_id
                travel_id += 1
                returnees += 1
                measures.add(Measure.REGISTERED.value)
                if outbreak:
                    measures |= {Measure.HOME_ISOLATION.value, Measure.HEALTH_MONITORING.value}
            present = travel is not None or rng.random() >= ABSENT_SHARE
            temperature: Decimal | None = None
            symptoms: list[str] = []
            whereabouts = "" if present else rng.choice(WHEREABOUTS)
            if present:
                if rng.random() < (OUTBREAK_FEVER_SHARE if outbreak else FEVER_SHARE):
                    temperature = Decimal(rng.randint(374, 386)) / 10
                    symptoms = [
                        Symptom.FEVER.value,
                        *rng.sample((Symptom.COUGH.value, Symptom.FATIGUE.value), 1),
                    ]
                    measures |= {Measure.FEVER_CLINIC.value, Measure.REPORTED.value}
                else:
                    reading = min(max(rng.gauss(36.5, 0.25), 35.8), 37.2)
                    temperature = Decimal(round(reading * 10)) / 10
                    if rng.random() < COUGH_SHARE:
                        symptoms = [Symptom.COUGH.value]
            fever = temperature is not None and temperature >= FEVER_THRESHOLD
            fevers += fever
            entries.rows.append((entry_id, created, created, screening_id, person_id, present, whereabouts,
                                 temperature, symptoms, fever, travel is not None, travel))  # fmt: skip
            entry_id += 1
        ordered = [m for m in Measure.values if m in measures]
        household_id, town, village, grid = household
        visits.rows.append((screening_id, created, created, district_id, town, village, grid, household_id,
                            stamp(visited_at), None, ordered, "", ""))  # fmt: skip
        screening_id += 1
        if len(entries.rows) >= BATCH_ROWS:
            travels.flush()  # parents first, although the foreign keys are deferred
            visits.flush()
            entries.flush()
    travels.flush()
    visits.flush()
    entries.flush()
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models_written)):
            cursor.execute(sql)
        if postgres:
            for model in models_written:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    summary = DemoScreenings(
        visits=visits.written, entries=entries.written, returnees=returnees, fevers=fevers
    )
    audit_log(actor=None, action=AuditEvent.Action.IMPORT, object_type="demo_screenings",
              detail={"seed": seed, **summary.__dict__})  # fmt: skip
    return summary
