"""Read the rows of a form for a region subtree as of a day's cut-off, in a fixed number of queries.

People forms: one base query over the row source (people, journeys, episodes, contacts, classified
people) streamed from the cursor, and per chunk of ``CHUNK`` rows one query per linked record the
columns need (latest journey, episode, classification, door-to-door entry, the grid's workers). The
query count depends on the number of chunks, never on a row's links (no N+1). Figures forms: the
indicators of ``epigrid.reports.indicators`` per unit of the grouping, or the observation sites.

Not scoped here: ``services.form_rows_for_user`` checks the region against the user's scope first.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import batched, chain, islice
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from epigrid.cases.models import CaseStatus, Contact
from epigrid.checkpoints.models import Passage, PassagePerson
from epigrid.checkpoints.selectors import region_column
from epigrid.core.roles import Capabilities, Role
from epigrid.deptforms.fields import CATALOGUE, ID_NUMBER, PHONE, FieldDef, Group, RowData
from epigrid.deptforms.models import FormTemplate, Grouping, RowSource
from epigrid.lib.masking import mask_id_number, mask_name, mask_phone
from epigrid.monitoring.models import Episode
from epigrid.people.models import Person, ScreeningEntry, TravelRecord
from epigrid.regions.models import LEVEL_FIELD, Assignment, Level, Region
from epigrid.regions.scope import subtree_q
from epigrid.reports.indicators import indicator_table, indicator_values
from epigrid.resources.facilities import site_table

CHUNK = 1_000
GROUP_LEVEL = {Grouping.TOWN: Level.TOWN, Grouping.VILLAGE: Level.VILLAGE, Grouping.GRID: Level.GRID}

# Date filters a people form may use: the field key and the lookup from the base row.
DATE_FIELDS: dict[str, dict[str, str]] = {
    "arrived_on": {RowSource.JOURNEY: "arrived_on", "*": "person__travels__arrived_on"},
    "obs_start": {RowSource.EPISODE: "started_on", "*": "person__episodes__started_on"},
    "contact_last": {RowSource.CONTACT: "last_exposure"},
    "reported_on": {RowSource.CASE: "reported_on", "*": "person__case_status__reported_on"},
}


# How a row of each source reaches its person.
_PERSON_PREFIX: dict[str, str] = {RowSource.PERSON: "", RowSource.CONTACT: "contact__"}


@dataclass(frozen=True)
class Masking:
    """Which identifiers an export shows in full: both the form and the role must need them."""

    id_number: bool
    phone: bool
    names: bool  # a contact's case is named in full only for roles that see identifiers

    @classmethod
    def for_user(cls, *, form: FormTemplate, caps: Capabilities) -> Masking:
        need = form.requires_identifiers
        return cls(need and caps.full_id_number, need and caps.full_phone, caps.full_id_number)


@dataclass(frozen=True)
class PeopleRow:
    group: str  # the heading the row is listed under ("" without grouping)
    person_id: int
    record_id: int  # the row's own record: the journey, episode, contact … (the person for person rows)
    values: list[object]


@dataclass(frozen=True)
class FiguresTable:
    header: list[tuple[str, int]]  # the figures above the table (the district header line)
    rows: list[tuple[str, list[int]]]  # one per unit
    total: list[int]


def _chain(region: Region, prefix: str = "") -> Q:
    """Select rows carrying a region chain inside ``region``'s subtree (a 片区 counts as its grid)."""
    level = min(region.level, Level.GRID)
    region_id = region.pk if region.level <= Level.GRID else region.depth_ids[Level.GRID - 1]
    return Q(**{f"{prefix}{LEVEL_FIELD[level]}": region_id})


def _open_at(cutoff: dt.datetime, day: dt.date, prefix: str = "") -> Q:
    """Episodes recorded and started by the cut-off and not ended by then (as the indicators count)."""
    return Q(**{f"{prefix}created_at__lte": cutoff, f"{prefix}started_on__lte": day}) & (
        Q(**{f"{prefix}ended_at__isnull": True}) | Q(**{f"{prefix}ended_at__gt": cutoff})
    )


def _date_q(form: FormTemplate, day: dt.date) -> Q:
    key = str(form.filters.get("date_field") or "")
    if key not in DATE_FIELDS:
        return Q()
    lookups = DATE_FIELDS[key]
    lookup = lookups.get(form.row_source)
    if lookup is None and "*" in lookups:
        # The shared lookup starts from a row's person: the person itself, or a contact's contact.
        lookup = lookups["*"].replace("person__", _PERSON_PREFIX.get(form.row_source, "person__"), 1)
    if lookup is None:
        return Q()
    days = int(form.filters.get("days") or 0)
    where = Q(**{f"{lookup}__lte": day})
    if days > 0:
        where &= Q(**{f"{lookup}__gt": day - dt.timedelta(days=days)})
    return where


def _outbreak_q(prefix: str) -> Q:
    return Q(**{f"{prefix}from_outbreak_area": True}) | Q(**{f"{prefix}via_outbreak_area": True})


def _base(form: FormTemplate, region: Region, day: dt.date, cutoff: dt.datetime) -> QuerySet[Any]:
    """Return the query of a people form's rows, each exposing ``person`` (and its own record)."""
    filters = form.filters
    source = form.row_source
    related = ["person", "person__household", "person__cadre", "person__town", "person__village"]
    related.append("person__grid")
    qs: QuerySet[Any]
    if source == RowSource.JOURNEY:
        qs = TravelRecord.objects.filter(
            _chain(region, "person__"),
            Q(arrived_on__lte=day) | Q(arrived_on__isnull=True),
            created_at__lte=cutoff,
        )
        if filters.get("outbreak"):
            qs = qs.filter(_outbreak_q(""))
    elif source == RowSource.EPISODE:
        qs = Episode.objects.filter(_chain(region), created_at__lte=cutoff, started_on__lte=day)
        related += ["room", "room__site"]
        if filters.get("open", True):
            qs = qs.filter(_open_at(cutoff, day))
        if filters.get("episode_kind"):
            qs = qs.filter(kind__in=list(filters["episode_kind"]))
    elif source == RowSource.CONTACT:
        qs = Contact.objects.filter(_chain(region, "contact__"), created_at__lte=cutoff)
        related = [r.replace("person", "contact", 1) for r in related] + ["case", "episode", "episode__room"]
        related.append("episode__room__site")
    elif source == RowSource.CASE:
        qs = CaseStatus.objects.filter(_chain(region), since__lte=cutoff)
    else:
        qs = Person.objects.filter(_chain(region), created_at__lte=cutoff)
        related = [r.removeprefix("person__") for r in related if r != "person"]
    person = _PERSON_PREFIX.get(source, "person__")
    qs = qs.filter(**{f"{person}merged_into__isnull": True})
    if filters.get("classification") and source != RowSource.CONTACT:
        field = "classification" if source == RowSource.CASE else f"{person}case_status__classification"
        qs = qs.filter(**{f"{field}__in": list(filters["classification"])})
    if filters.get("outbreak") and source not in (RowSource.JOURNEY, RowSource.CONTACT):
        qs = qs.filter(_outbreak_q(f"{person}travels__")).distinct()
    dated = _date_q(form, day)
    qs = qs.filter(dated)
    if "travels__" in str(dated) or "episodes__" in str(dated):
        qs = qs.distinct()  # a person with two journeys in the range is still one row
    return qs.select_related(*related).order_by("pk")


def _unit_queries(form: FormTemplate, region: Region, qs: QuerySet[Any]) -> Iterator[QuerySet[Any]]:
    """Split a grouped form's query by unit, in code order, then the rows placed in no unit.

    One indexed query per unit instead of one ORDER BY over the joined region codes: sorting a
    district's million wide rows held 1.3 GB in SQLite's in-memory temp store.
    """
    level = GROUP_LEVEL.get(Grouping(form.grouping))
    if level is None or region.level >= level:
        yield qs
        return
    column = f"{_PERSON_PREFIX.get(form.row_source, 'person__')}{LEVEL_FIELD[level]}"
    units = list(
        Region.objects.filter(subtree_q(region.path), level=level)
        .order_by("code")
        .values_list("pk", flat=True)
    )
    for unit in units:
        yield qs.filter(**{column: unit})
    yield qs.exclude(**{f"{column}__in": units})  # NULL included: people not placed that far


def _person_of(row: Model, source: str) -> Person:
    if isinstance(row, Person):
        return row
    return row.contact if source == RowSource.CONTACT else row.person  # type: ignore[attr-defined, no-any-return]


def _groups(columns: Sequence[FieldDef]) -> set[str]:
    return {c.group for c in columns} | (
        {"workers"} if any(c.key == "grid_worker" for c in columns) else set()
    )


def _latest[M: Model](qs: QuerySet[M], attribute: str = "person_id") -> dict[int, M]:
    """Keep the first row per person of an ordered query."""
    first: dict[int, M] = {}
    for row in qs:
        first.setdefault(getattr(row, attribute), row)
    return first


def _links(
    rows: list[Model], source: str, needs: set[str], day: dt.date, cutoff: dt.datetime, masking: Masking
) -> list[RowData]:
    """Attach each row's linked records, one query per kind of record for the whole chunk."""
    people = [_person_of(r, source) for r in rows]
    ids = [p.pk for p in people]
    journeys: dict[int, TravelRecord] = {}
    episodes: dict[int, Episode] = {}
    cases: dict[int, CaseStatus] = {}
    entries: dict[int, ScreeningEntry] = {}
    workers: dict[int, list[str]] = defaultdict(list)
    if Group.JOURNEY in needs and source != RowSource.JOURNEY:
        # The journey that matters most: from or through the outbreak area first, then the latest.
        journeys = _latest(
            TravelRecord.objects.filter(person_id__in=ids, created_at__lte=cutoff)
            .filter(Q(arrived_on__lte=day) | Q(arrived_on__isnull=True))
            .order_by("-from_outbreak_area", "-via_outbreak_area", "-arrived_on", "-id")
        )
    if Group.EPISODE in needs and source != RowSource.EPISODE:
        episodes = _latest(
            Episode.objects.filter(person_id__in=ids, created_at__lte=cutoff, started_on__lte=day)
            .select_related("room", "room__site")
            .order_by("-started_on", "-id")
        )
    if Group.CASE in needs and source != RowSource.CASE:
        cases = {c.person_id: c for c in CaseStatus.objects.filter(person_id__in=ids)}
    if Group.SCREENING in needs:
        entries = _latest(
            ScreeningEntry.objects.filter(person_id__in=ids, screening__visited_at__lte=cutoff)
            .select_related("screening", "screening__visited_by")
            .order_by("-screening__visited_at", "-id")
        )
    if "workers" in needs:
        grids = {p.grid_id for p in people if p.grid_id}
        for region_id, user in (
            Assignment.objects.filter(region_id__in=grids, user__role=Role.GRID_WORKER, user__is_active=True)
            .order_by("user__username")
            .values_list("region_id", "user__display_name")
        ):
            workers[region_id].append(user)
    data: list[RowData] = []
    for row, person in zip(rows, people, strict=True):
        item = RowData(
            person=person,
            day=day,
            journey=row if isinstance(row, TravelRecord) else journeys.get(person.pk),
            episode=row if isinstance(row, Episode) else episodes.get(person.pk),
            case=row if isinstance(row, CaseStatus) else cases.get(person.pk),
            entry=entries.get(person.pk),
            grid_workers=workers.get(person.grid_id or 0, []),
        )
        if isinstance(row, Contact):
            item.contact = row
            item.episode = row.episode or item.episode  # the observation the contact opened, else the latest
            item.case_name = row.case.name if masking.names else mask_name(row.case.name)
        data.append(item)
    return data


def _cell(column: FieldDef, row: RowData, masking: Masking) -> object:
    value = column.get(row)
    if column.identifier == ID_NUMBER and not masking.id_number:
        return mask_id_number(str(value))
    if column.identifier == PHONE and not masking.phone:
        return mask_phone(str(value))
    return value


def _group_label(form: FormTemplate, person: Person) -> str:
    level = GROUP_LEVEL.get(Grouping(form.grouping))
    if level is None:
        return ""
    region = getattr(person, LEVEL_FIELD[level].removesuffix("_id"))
    return region.name if region is not None else "—"


def people_rows(
    *,
    form: FormTemplate,
    region: Region,
    day: dt.date,
    cutoff: dt.datetime,
    masking: Masking,
    limit: int | None = None,
) -> Iterator[PeopleRow]:
    """Yield a people form's rows (values in column order, identifiers masked as ``masking`` says)."""
    if form.row_source == RowSource.CHECKPOINT:
        yield from checkpoint_rows(
            form=form, region=region, day=day, cutoff=cutoff, masking=masking, limit=limit
        )
        return
    columns = [CATALOGUE[c["key"]] for c in form.columns if c["key"] in CATALOGUE]
    needs = _groups(columns)
    queries = _unit_queries(form, region, _base(form, region, day, cutoff))
    stream: Iterable[Any]
    if limit is None:
        stream = chain.from_iterable(q.iterator(chunk_size=CHUNK) for q in queries)
    else:  # a preview: each unit's query reads at most what is still missing, and reading stops there
        stream = islice(chain.from_iterable(q[:limit] for q in queries), limit)
    for chunk in batched(stream, CHUNK):
        records = list(chunk)
        for record, data in zip(
            records, _links(records, form.row_source, needs, day, cutoff, masking), strict=True
        ):
            yield PeopleRow(
                group=_group_label(form, data.person),
                person_id=data.person.pk,
                record_id=record.pk,
                values=[_cell(c, data, masking) for c in columns],
            )


def _checkpoint_cell(key: str, passage: Passage, people: list[PassagePerson], masking: Masking) -> object:
    """One cell of the checkpoint log (卡口登记表): a row per stop, the driver's identifiers."""
    driver = people[0] if people else None
    if key == "checked_at":
        return timezone.localtime(passage.checked_at).strftime("%Y-%m-%d %H:%M")
    if key == "checkpoint":
        return passage.checkpoint.name
    if key == "plate":  # a station's traveller came by train or plane: the service number stands there
        return passage.plate or passage.service_no
    if key == "vehicle_type":
        return str(passage.get_vehicle_type_display())
    if key == "driver":
        return driver.name if driver else ""
    if key == "cp_id_number":
        value = driver.id_number if driver else ""
        return value if masking.id_number else mask_id_number(value)
    if key == "cp_phone":
        value = driver.phone if driver else ""
        return value if masking.phone else mask_phone(value)
    if key == "passengers":
        return passage.people_count
    if key == "departure":
        return passage.origin
    if key == "destination":
        return passage.destination
    if key == "purpose":
        return passage.purpose
    if key == "from_key_area":
        return _("是") if passage.from_outbreak_area or passage.via_outbreak_area else _("否")
    if key == "cp_temperature":
        return " / ".join(f"{p.temperature}" for p in people if p.temperature is not None)
    if key == "disposition":
        shown = dict.fromkeys(str(p.get_disposition_display()) for p in people)
        return "、".join(shown) or str(passage.get_disposition_display())
    if key == "local_contact":
        return passage.local_contact
    if key == "inspector":
        user = passage.checked_by
        return user.display_name or user.username
    return ""


def checkpoint_rows(
    *,
    form: FormTemplate,
    region: Region,
    day: dt.date,
    cutoff: dt.datetime,
    masking: Masking,
    limit: int | None,
) -> Iterator[PeopleRow]:
    """The day's passages at the checkpoints of ``region``'s subtree, up to the cut-off, oldest first."""
    column = region_column(region)
    if column is None:  # below a village there is no checkpoint column: the village's log is the one
        return
    passages = (
        Passage.objects.filter(**{column: region.pk}, day=day, checked_at__lte=cutoff)
        .select_related("checkpoint", "checked_by")
        .prefetch_related("people")
        .order_by("checked_at", "id")
    )
    if limit is not None:
        passages = passages[:limit]
    keys = [str(c["key"]) for c in form.columns]
    for passage in passages.iterator(chunk_size=CHUNK):
        people = list(passage.people.all())
        driver = people[0] if people else None
        yield PeopleRow(
            group="",
            person_id=(driver.person_id or 0) if driver else 0,
            record_id=passage.pk,
            values=[_checkpoint_cell(k, passage, people, masking) for k in keys],
        )


def _units(form: FormTemplate, region: Region) -> list[Region]:
    level = GROUP_LEVEL.get(Grouping(form.grouping))
    if level is None or region.level >= level:
        return [region]
    return list(Region.objects.filter(subtree_q(region.path), level=level).order_by("code"))


def figures_table(*, form: FormTemplate, region: Region, cutoff: dt.datetime) -> FiguresTable:
    """Compute a figures form: a row per unit of the grouping (or per site), a total, the header line."""
    keys = [c["key"] for c in form.columns]
    header_keys = [str(k) for k in form.filters.get("header", [])]
    header_values = indicator_values(region, cutoff, header_keys) if header_keys else {}
    header = [(k, header_values.get(k, 0)) for k in header_keys]
    if form.grouping == Grouping.SITE:
        rows = _site_rows(region, cutoff, keys)
        total = [sum(values[i] for _, values in rows) for i in range(len(keys))]
        return FiguresTable(header, rows, total)
    units = _units(form, region)
    table = indicator_table(units, cutoff, keys)
    rows = [(unit.name, [table[unit.pk].get(k, 0) for k in keys]) for unit in units]
    if units == [region]:
        return FiguresTable(header, rows, rows[0][1])
    total_values = indicator_values(region, cutoff, keys)
    return FiguresTable(header, rows, [total_values.get(k, 0) for k in keys])


def _site_rows(region: Region, cutoff: dt.datetime, keys: Sequence[str]) -> list[tuple[str, list[int]]]:
    """One row per observation site of the region's district (defined once, in ``site_table``)."""
    rows, _total = site_table(region, cutoff)
    return [(row.name, [row.values.get(k, 0) for k in keys]) for row in rows]
