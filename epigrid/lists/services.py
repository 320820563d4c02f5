"""Writes for department lists: receive a file, confirm its columns, link its rows in the background."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.db import connection, models, transaction
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from epigrid.core.audit import audit_log
from epigrid.core.bulk import TableWriter
from epigrid.core.clock import local_today, now
from epigrid.core.models import AuditEvent, User
from epigrid.lib.linkage import Record, make_record
from epigrid.lib.names import name_info
from epigrid.lists.columns import FIELD_LABELS
from epigrid.lists.linking import (
    DECISION_MATCHED,
    DECISION_NEW,
    DECISION_REJECTED,
    ListIndex,
    RegistryPerson,
    RowLink,
)
from epigrid.lists.models import ListBatch, ListRow, ListSource
from epigrid.lists.reader import ListRowData, ReadResult, read_list
from epigrid.lists.travel import journeys_from_batch
from epigrid.people.models import Person, TravelRecord
from epigrid.regions.models import Household, Level, Region
from epigrid.regions.services import chain_to


def _max_length(model: type[models.Model], field: str) -> int:
    length = model._meta.get_field(field).max_length  # type: ignore[union-attr]
    if not isinstance(length, int):
        raise TypeError(f"{model.__name__}.{field} has no max_length")
    return length


# A 100,000-row xlsx is about 8 MB; the limit leaves room for wide lists with long addresses.
MAX_LIST_BYTES = 50 * 1024 * 1024
PREVIEW_ROWS = 200
WRITE_CHUNK = 2_000
# A running batch whose progress has not moved for this long lost its worker and may be taken over.
STALE_AFTER = timedelta(minutes=15)

ERR_NO_NAME = "第{row}行 姓名：为空，无法识别人员"
ERR_NAME_TOO_LONG = "第{row}行 姓名：超过{limit}个字，不像是姓名"
NAME_LIMIT = 50  # Person.name's column
ERR_BATCH_INTERNAL = "系统内部错误，部分行可能未处理；请联系系统管理员"
ERR_FIELD_TOO_LONG = "第{row}行 {field}：超过{limit}个字，已截断"
REASON_LIMIT = 200  # ListRow.reason's column

# Text a list row hands on to a model column, and that column's length: a longer value is cut to it,
# and the row says so, rather than failing the batch on PostgreSQL (SQLite would store it whole).
FIELD_LIMITS: dict[str, int] = {
    "id_number": _max_length(ListRow, "id_number"),
    "phone": _max_length(ListRow, "phone"),
    "address": _max_length(Household, "address"),
    "household_address": _max_length(Household, "address"),
    "origin": _max_length(TravelRecord, "origin"),
    "transport_no": _max_length(TravelRecord, "transport_no"),
    "companions": _max_length(TravelRecord, "companions"),
}


def _district_of(region: Region) -> Region:
    return region if region.level == Level.DISTRICT else Region.objects.get(pk=region.depth_ids[0])


@dataclass(frozen=True)
class Upload:
    batch: ListBatch
    created: bool
    # The whole file as read, when the caller asked for it (``read_all``) to link it in this process.
    read: ReadResult | None = None


@transaction.atomic
def list_batch_upload(
    *,
    actor: User,
    region: Region,
    source_name: str,
    file_name: str,
    content: bytes,
    number: int | None = None,
    read_all: bool = False,
) -> Upload:
    """Store a received list and its proposed column mapping; the same file twice is one batch.

    Raises ``ListFileError`` (nothing stored) when the file cannot be read as a list.
    """
    source, _ = ListSource.objects.get_or_create(district=_district_of(region), name=source_name.strip()[:60])
    digest = hashlib.sha256(content).hexdigest()
    existing = ListBatch.objects.filter(source=source, sha256=digest).first()
    if existing is not None:
        if existing.status == ListBatch.Status.RUNNING and existing.updated_at < now() - STALE_AFTER:
            # Its worker died half-way (nothing re-runs a killed task): the same file again queues the
            # batch once more, and the task takes it over, keeping the rows already written.
            from epigrid.lists.tasks import list_batch_run  # the task module imports this one

            pk = existing.pk
            transaction.on_commit(lambda: list_batch_run.enqueue(pk))
        return Upload(existing, created=False)
    # A preview: the header, the mapping and the first rows. The worker reads every row when it links,
    # unless the caller links in this process (the command line) and keeps the whole read.
    limit = None if read_all else PREVIEW_ROWS
    result = read_list(content, file_name, max_bytes=MAX_LIST_BYTES, limit=limit)
    if number is None:
        last = source.batches.aggregate(m=Max("number"))["m"] or 0
        number = result.batch_hint or last + 1
    batch = ListBatch.objects.create(
        source=source,
        number=number,
        region=region,
        file_name=file_name[:200],
        content=content,
        sha256=digest,
        uploaded_by=actor,
        header_row=result.header_row_number,
        mapping=dict(result.mapping.columns),
        rows_total=result.rows_below_header,
        # What the mapping page shows; replaced by the counts once the batch is linked.
        summary={
            "headers": list(result.mapping.headers),
            "sample": [row.raw for row in result.rows[:10]],
            "warnings": list(result.warnings),
        },
    )
    audit_log(
        actor=actor,
        action=AuditEvent.Action.IMPORT,
        object_type="list_batch",
        object_id=batch.pk,
        region_path=region.path,
        detail={"rows": result.rows_below_header, "status": batch.status},
    )
    return Upload(batch, created=True, read=result if read_all else None)


@transaction.atomic
def list_batch_confirm(*, actor: User, batch: ListBatch, mapping: dict[str, int] | None = None) -> ListBatch:
    """Accept (or correct) the column mapping and queue the batch for linking."""
    if batch.status != ListBatch.Status.UPLOADED:
        return batch
    if mapping is not None:
        batch.mapping = mapping
    batch.status = ListBatch.Status.QUEUED
    batch.save(update_fields=["mapping", "status", "updated_at"])
    audit_log(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="list_batch",
        object_id=batch.pk,
        detail={"status": "queued", "mapping_fields": sorted(batch.mapping)},
    )
    from epigrid.lists.tasks import list_batch_run  # the task module imports this one

    pk = batch.pk
    transaction.on_commit(lambda: list_batch_run.enqueue(pk))
    return batch


def fields_record(fields: dict[str, str], *, row_number: int, as_of: date) -> Record:
    """Build the linkage record of a list row from its canonical fields."""
    age_text = fields.get("age", "")
    age = int(age_text) if age_text.isdigit() and len(age_text) <= 3 else None
    return make_record(
        id=row_number,
        name=fields.get("name", ""),
        id_number=fields.get("id_number", ""),
        birth_date=fields.get("birth_date") or None,
        age=age,
        as_of=as_of,
        sex=fields.get("sex", ""),
        phone=fields.get("phone", ""),
        address=fields.get("address", ""),
    )


def unplaced_person(record: Record, chain: dict[str, int]) -> Person:
    """Return (unsaved) the person a list row describes, placed down to ``chain``, source 下发."""
    return Person(
        name=record.name,
        name_key=name_info(record.name).key[:80],
        sex=record.sex,
        birth_date=record.birth_date,
        id_number=record.id_number if record.id_valid else "",
        phone=record.phone,
        source=Person.Source.SENT_DOWN,
        **chain,
    )


def _registry(district: Region) -> Iterator[tuple[int, str, str, date | str | None, str, str]]:
    """Stream the district's people in the columns linkage reads, ten thousand rows at a time.

    People merged into another record are skipped: the record they were merged into stands for them.
    On SQLite birth dates stay ISO text: converting a million dates costs seconds and only the few
    thousand scored people need theirs (``person_record`` reads the text).
    """
    people = Person.objects.filter(district_id=district.pk, merged_into__isnull=True).values_list(
        "id", "name", "id_number", "birth_date", "sex", "phone"
    )
    # Straight from the cursor, past the ORM's per-row work. PostgreSQL returns dates as dates and
    # sends the whole result to the client (about 150 MB for a million people): 0.5 s faster than
    # the ORM's server-side cursor, measured with the city demo.
    sql, params = people.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(10_000):
            yield from chunk


def link_rows(
    *, rows: list[ListRowData], district: Region, as_of: date
) -> tuple[dict[int, RowLink], dict[int, Record]]:
    """Decide every row against the district's registry; return the links and the rows' records."""
    links: dict[int, RowLink] = {}
    records: dict[int, Record] = {}
    for row in rows:
        name = row.fields.get("name", "").strip()
        if not name:
            links[row.row_number] = RowLink(
                row.row_number, DECISION_REJECTED, reason=ERR_NO_NAME.format(row=row.row_number)
            )
            continue
        if len(name) > NAME_LIMIT:
            reason = ERR_NAME_TOO_LONG.format(row=row.row_number, limit=NAME_LIMIT)
            links[row.row_number] = RowLink(row.row_number, DECISION_REJECTED, reason=reason)
            continue
        records[row.row_number] = fields_record(row.fields, row_number=row.row_number, as_of=as_of)
    index = ListIndex(records.items())
    probe = index.probe_row
    population = 0
    for pk, name, id_number, birth, sex, phone in _registry(district):
        probe(pk, name, id_number, birth, sex, phone)
        population += 1
    keys = list(index.name_rows)
    namesakes: list[RegistryPerson] = []
    for start in range(0, len(keys), 500):
        # The district is checked here, not in SQL: with it in the WHERE clause SQLite's planner
        # prefers the district index and scans the whole district (docs/performance.md).
        found = (
            Person.objects.filter(name_key__in=keys[start : start + 500], merged_into__isnull=True)
            .values_list(
                "id", "name", "id_number", "birth_date", "sex", "phone", "household__address", "district_id"
            )
            .iterator(chunk_size=10_000)
        )
        namesakes += [
            RegistryPerson(pk, name, id_number, birth, sex, phone, address or "")
            for pk, name, id_number, birth, sex, phone, address, district_id in found
            if district_id == district.pk
        ]
    index.probe_namesakes(namesakes, population=population)
    for row_number in records:
        links[row_number] = index.decide(row_number)
    return links, records


def fit_columns(rows: list[ListRowData]) -> tuple[list[ListRowData], dict[int, list[str]]]:
    """Cut every field longer than its model column (``FIELD_LIMITS``); return the rows and, per
    row number, the reasons naming the row and the field. Names are not cut: ``link_rows`` rejects
    a row whose name is too long to be one."""
    notes: dict[int, list[str]] = {}
    fitted = []
    for row in rows:
        fields = row.fields
        long = [key for key, limit in FIELD_LIMITS.items() if len(fields.get(key, "")) > limit]
        if long:
            fields = dict(fields)
            for key in long:
                fields[key] = fields[key][: FIELD_LIMITS[key]]
            notes[row.row_number] = [
                ERR_FIELD_TOO_LONG.format(
                    row=row.row_number, field=FIELD_LABELS[key], limit=FIELD_LIMITS[key]
                )
                for key in long
            ]
            row = replace(row, fields=fields)
        fitted.append(row)
    return fitted, notes


def _same_person_key(record: Record) -> tuple[str, ...] | None:
    """Return a key under which two rows of one list are surely one person, or None."""
    if record.id_valid:
        return ("id", record.id_number)
    if record.name and record.birth_date and record.phone:
        return ("nbp", record.name, record.birth_date.isoformat(), record.phone)
    return None


PERSON_COLUMNS = (
    "id", "created_at", "updated_at", "district_id", "town_id", "village_id", "grid_id",
    "name", "name_key", "sex", "birth_date", "id_number", "phone", "relation", "source",
)  # fmt: skip


def _reserve_person_ids(count: int) -> list[int]:
    """Return ``count`` unused person ids, inside the caller's transaction.

    PostgreSQL hands them out from the table's sequence. On SQLite the caller already holds the
    write lock (it has written in this transaction), so the ids after the highest ever given
    (the AUTOINCREMENT counter) stay free until it commits.
    """
    if not count:
        return []
    table = Person._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT max(id) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        counter = cursor.fetchone()
        start = max(highest, counter[0] if counter else 0) + 1
    return list(range(start, start + count))


def _create_people(*, batch: ListBatch, links: dict[int, RowLink], records: dict[int, Record]) -> int:
    """Create the people of the rows decided "new", one per real person even if listed twice.

    Written like the list rows (``TableWriter``), with ids reserved first so that each row learns
    its person's id: the ORM's ``bulk_create`` spent seconds per 30,000 people building objects.
    """
    chain = chain_to(batch.region)
    first_row: dict[tuple[str, ...], int] = {}
    to_create: list[int] = []
    for row_number, link in sorted(links.items()):
        if link.decision != DECISION_NEW:
            continue
        record = records[row_number]
        key = _same_person_key(record)
        if key is not None and key in first_row:
            link.evidence["same_as_row"] = first_row[key]
            continue
        if key is not None:
            first_row[key] = row_number
        to_create.append(row_number)
    # First the counts: on SQLite this write takes the lock that keeps the reserved ids free.
    Region.objects.filter(pk__in=list(chain.values())).update(person_count=F("person_count") + len(to_create))
    ids = _reserve_person_ids(len(to_create))
    stamp = now() if connection.vendor == "postgresql" else connection.ops.adapt_datetimefield_value(now())
    place = (chain.get("district_id"), chain.get("town_id"), chain.get("village_id"), chain.get("grid_id"))
    writer = TableWriter(Person, PERSON_COLUMNS)
    for pk, row_number in zip(ids, to_create, strict=True):
        r = records[row_number]
        writer.rows.append(
            (
                pk,
                stamp,
                stamp,
                *place,
                r.name,
                name_info(r.name).key[:80],
                r.sex,
                r.birth_date.isoformat() if r.birth_date else None,
                r.id_number if r.id_valid else "",
                r.phone,
                "",
                Person.Source.SENT_DOWN,
            )
        )
        if len(writer.rows) >= WRITE_CHUNK:
            writer.flush()
    writer.flush()
    person_of_row = dict(zip(to_create, ids, strict=True))
    for row_number, link in links.items():
        if link.decision != DECISION_NEW:
            continue
        if row_number in person_of_row:
            link.person_id = person_of_row[row_number]
        else:
            # A repeat of an earlier row of this list: linked to the person that row created.
            link.decision = DECISION_MATCHED
            link.person_id = person_of_row[int(str(link.evidence["same_as_row"]))]
    return len(to_create)


def _claim(batch_id: int, *, resume: bool) -> bool:
    """Mark a batch running if it may be processed now; False when another worker has it.

    A queued batch is claimed. So is a running one whose worker stopped writing progress for
    ``STALE_AFTER`` (it was killed mid-batch), and with ``resume`` a failed or running one.
    """
    claimable = Q(status=ListBatch.Status.QUEUED) | Q(
        status=ListBatch.Status.RUNNING, updated_at__lt=now() - STALE_AFTER
    )
    if resume:
        claimable |= Q(status__in=[ListBatch.Status.RUNNING, ListBatch.Status.FAILED])
    return bool(
        ListBatch.objects.filter(claimable, pk=batch_id).update(
            status=ListBatch.Status.RUNNING, errors=[], updated_at=now()
        )
    )


def list_batch_process(
    *,
    batch_id: int,
    progress: Callable[[int, int], None] | None = None,
    resume: bool = False,
    read: ReadResult | None = None,
) -> str:
    """Link a queued batch: read, decide every row, create new people, write rows in chunks.

    Claimed with a conditional UPDATE so two workers never process one batch. Rows are written in
    chunks of their own transactions so the web server is never locked out for the whole import;
    the progress shown on the batch page is ``rows_done`` of ``rows_total``.

    A batch stopped half-way (a worker killed, a failure) is finished by running this again (after
    ``STALE_AFTER``, or at once with ``resume``): the rows already written are kept and skipped, and
    because every new person is created in the same transaction as the rows linked to them, no
    person is created twice. ``read``: the upload's whole read, when the caller uploaded and links in
    one process (used only if the confirmed mapping is the one it was read with).
    """
    claimed = _claim(batch_id, resume=resume)
    batch = ListBatch.objects.select_related("region", "source").get(pk=batch_id)
    if not claimed:
        return batch.status
    try:
        mapping = {k: int(v) for k, v in batch.mapping.items()}
        same_reading = read is not None and dict(read.mapping.columns) == mapping
        result = (
            read
            if read is not None and same_reading
            else read_list(
                bytes(batch.content),
                batch.file_name,
                max_bytes=MAX_LIST_BYTES,
                mapping_override=mapping,
                header_row=batch.header_row,
            )
        )
        ListBatch.objects.filter(pk=batch.pk).update(rows_total=len(result.rows))  # exact, for progress
        written = set(ListRow.objects.filter(batch=batch).values_list("row_number", flat=True))
        rows, notes = fit_columns([row for row in result.rows if row.row_number not in written])
        district = _district_of(batch.region)
        links, records = link_rows(rows=rows, district=district, as_of=local_today())
        for row_number, reasons in notes.items():
            link = links[row_number]
            link.reason = "；".join([*([link.reason] if link.reason else []), *reasons])[:REASON_LIMIT]
        rows_by_number = {row.row_number: row for row in rows}
        decided_at = now()
        stamp = (
            decided_at
            if connection.vendor == "postgresql"
            else connection.ops.adapt_datetimefield_value(decided_at)
        )
        writer = TableWriter(ListRow, LIST_ROW_COLUMNS)
        done = len(written)
        with transaction.atomic():
            # The new people and every row linked to them, together: a stop after this leaves
            # no person without the row that created them.
            _create_people(batch=batch, links=links, records=records)
            first = [link for link in links.values() if link.person_id is not None and _created(link)]
            writer.rows = [
                _list_row(batch.pk, rows_by_number[link.row_number], link, stamp) for link in first
            ]
            writer.flush()
            done += len(first)
            ListBatch.objects.filter(pk=batch.pk).update(rows_done=done, updated_at=now())
        ordered = sorted(
            (link for link in links.values() if not _created(link)), key=lambda link: link.row_number
        )
        for start in range(0, len(ordered), WRITE_CHUNK):
            chunk = ordered[start : start + WRITE_CHUNK]
            writer.rows = [
                _list_row(batch.pk, rows_by_number[link.row_number], link, stamp) for link in chunk
            ]
            with transaction.atomic():
                writer.flush()
                done += len(chunk)
                ListBatch.objects.filter(pk=batch.pk).update(rows_done=done, updated_at=now())
            if progress:
                progress(done, len(result.rows))
        counts = {decision: 0 for decision in ListRow.Decision.values}
        for decision, count in (
            ListRow.objects.filter(batch=batch).values_list("decision").annotate(n=Count("pk")).order_by()
        ):
            counts[decision] = count
        # Fill once, use many: the list's origin and dates become the people's journeys (added once).
        fields = {row.row_number: row.fields for row in result.rows}
        fields.update({n: row.fields for n, row in rows_by_number.items()})  # as cut to fit
        journeys = journeys_from_batch(batch_id=batch.pk, year=list_year(batch), fields=fields)
        batch.summary = {
            "rows": sum(counts.values()),
            "skipped": len(result.skipped),
            # Each person created is the row decided "new"; its repeats in the list are "matched".
            "new_people": counts[DECISION_NEW],
            "journeys": journeys,
            **counts,
        }
        batch.status = ListBatch.Status.DONE
    except Exception:
        batch.status = ListBatch.Status.FAILED
        batch.errors = [ERR_BATCH_INTERNAL]
        batch.finished_at = now()
        batch.save(update_fields=["status", "errors", "finished_at", "updated_at"])
        raise
    batch.rows_total = batch.rows_done = int(str(batch.summary["rows"]))
    batch.errors = []
    batch.finished_at = now()
    batch.save(
        update_fields=["summary", "status", "rows_total", "rows_done", "errors", "finished_at", "updated_at"]
    )
    audit_log(
        actor=None,
        action=AuditEvent.Action.IMPORT,
        object_type="list_batch",
        object_id=batch.pk,
        region_path=batch.region.path,
        detail=batch.summary,
    )
    return batch.status


def _created(link: RowLink) -> bool:
    """Tell whether a row's person was created by this batch (the row itself or a repeat of it)."""
    return link.decision == DECISION_NEW or "same_as_row" in link.evidence


LIST_ROW_COLUMNS = (
    "batch_id",
    "row_number",
    "raw",
    "fields",
    "name",
    "id_number",
    "phone",
    "person_id",
    "decision",
    "score",
    "evidence",
    "reason",
    "decided_at",
)


def _list_row(batch_id: int, row: ListRowData, link: RowLink, decided_at: object) -> tuple[object, ...]:
    f = row.fields
    name, id_number, phone = f.get("name", "")[:50], f.get("id_number", "")[:32], f.get("phone", "")[:20]
    return (
        batch_id,
        row.row_number,
        row.raw,
        f,
        name,
        id_number,
        phone,
        link.person_id,
        link.decision,
        link.score,
        link.evidence,
        link.reason,
        decided_at,
    )


def list_year(batch: ListBatch) -> int:
    """Return the year a date without one ("1月20日") in the list means: the year it was received."""
    return timezone.localtime(batch.created_at).year
