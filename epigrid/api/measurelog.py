"""The measures log (防控措施台账): entries (list, log, correct, withdraw), a unit's day summed as its
daily report counts it, a region's table by unit and kind, and sealed compounds (list, seal, reopen).

The same selectors and services as the pages. A region or an entry outside the caller's subtrees
answers 404, exactly as a missing one; a role that logs nothing (a department, checkpoint staff) gets
403; a refused write is a 422 shaped like ninja's own, ``loc`` naming each body field at fault
(``["body", "payload", "count"]``) with the service's message, and nothing is written. Logging the same
``idempotency_key`` twice from one account writes once: 201 the first time, 200 after, as a correction
the entry already carries does. The log holds counts, places and notes about measures, not people.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Schema, Status
from ninja.errors import ValidationError

from epigrid.api.common import (
    ApiRouter,
    Page,
    PageParams,
    PathId,
    actor,
    body_errors,
    page_out,
    paginate,
    query_error,
)
from epigrid.core.clock import local_today
from epigrid.measurelog.models import ENTRY_KINDS, ENTRY_UNITS, MeasureEntry, SealedCompound
from epigrid.measurelog.sealed_services import sealed_compound_add, sealed_compound_reopen
from epigrid.measurelog.selectors import (
    TableRow,
    compound_for_user,
    compounds_for_user,
    entries_for_user,
    entry_for_user,
    entry_history,
    measure_table,
    region_for_table,
    unit_for_log,
    unit_log_sums,
)
from epigrid.measurelog.services import (
    MeasureInvalid,
    measure_log_add,
    measure_log_correct,
    measure_log_withdraw,
)
from epigrid.regions.selectors import region_get_for_user
from epigrid.reports.selectors import MAX_PERIOD_DAYS

router = ApiRouter(tags=["measurelog"])

KINDS_DOC = ", ".join(ENTRY_KINDS)
RANGE_WRONG = gettext_lazy("日期范围不对：开始不能晚于结束，且最多%(n)d天")  # the reports API's words


def _refused(exc: MeasureInvalid) -> ValidationError:
    """A service refusal as ninja's 422: one error per body field, ``loc`` naming it."""
    return body_errors(exc.errors)


def _range(start: dt.date | None, end: dt.date | None, default_days: int) -> tuple[dt.date, dt.date]:
    end = end or local_today()
    start = start or end - dt.timedelta(days=default_days - 1)
    if start > end or (end - start).days >= MAX_PERIOD_DAYS:
        raise query_error("start", RANGE_WRONG % {"n": MAX_PERIOD_DAYS})
    return start, end


# --- entries -------------------------------------------------------------------------------------


class MeasureEntryOut(Schema):
    id: int
    region_id: int
    region_name: str
    day: dt.date
    kind: str
    kind_label: str
    count: int
    unit: str = Field(description="what the count counts: 份, 条, 次 …")
    place: str
    note: str
    recorded_by: str
    recorded_at: dt.datetime
    revision: int
    original_id: int | None = Field(description="the first revision of this entry (null on the first)")
    replaced_by_id: int | None = Field(description="the correction that replaced this revision")
    current: bool = Field(description="counted: neither corrected since nor withdrawn")
    withdrawn: bool
    withdrawn_at: dt.datetime | None
    withdrawn_by: str
    withdraw_reason: str


class MeasureEntryDetailOut(MeasureEntryOut):
    history: list[MeasureEntryOut] = Field(description="every revision, the first first")


def _entry(entry: MeasureEntry) -> dict[str, object]:
    return {
        "id": entry.pk,
        "region_id": entry.region_id,
        "region_name": entry.region.name,
        "day": entry.day,
        "kind": entry.kind,
        "kind_label": entry.kind_label,
        "count": entry.count,
        "unit": entry.unit_label,
        "place": entry.place,
        "note": entry.note,
        "recorded_by": str(entry.recorded_by),
        "recorded_at": entry.recorded_at,
        "revision": entry.revision,
        "original_id": entry.original_id,
        "replaced_by_id": entry.replaced_by_id,
        "current": entry.current,
        "withdrawn": entry.withdrawn,
        "withdrawn_at": entry.withdrawn_at,
        "withdrawn_by": str(entry.withdrawn_by) if entry.withdrawn_by is not None else "",
        "withdraw_reason": entry.withdraw_reason,
    }


def _detail(entry: MeasureEntry) -> dict[str, object]:
    history = entry_history(entry)
    for row in history:
        row.region = entry.region
    return {**_entry(entry), "history": [_entry(row) for row in history]}


class MeasureEntryFilter(Schema):
    region_id: int | None = Field(None, description="a region in the caller's scope (default: all of it)")
    start: dt.date | None = Field(None, description="first day, inclusive")
    end: dt.date | None = Field(None, description="last day, inclusive")
    kind: str = Field("", description=f"one kind: {KINDS_DOC}")
    include_replaced: bool = Field(False, description="also the revisions a correction replaced")


@router.get(
    "/measures/entries",
    response=Page[MeasureEntryOut],
    summary="Measure entries in the caller's scope, newest day first (withdrawn ones marked)",
)
def entry_list(
    request: HttpRequest, filters: Query[MeasureEntryFilter], page: Query[PageParams]
) -> dict[str, object]:
    user = actor(request)
    region = region_get_for_user(user=user, region_id=filters.region_id) if filters.region_id else None
    if filters.kind and filters.kind not in ENTRY_KINDS:
        raise query_error("kind", _("未知的措施类型"))
    if filters.start and filters.end and filters.start > filters.end:
        raise query_error("start", RANGE_WRONG % {"n": MAX_PERIOD_DAYS})
    rows = entries_for_user(
        user=user,
        region=region,
        start=filters.start,
        end=filters.end,
        kind=filters.kind,
        include_replaced=filters.include_replaced,
    )
    count, entries = paginate(rows, page)
    return page_out(count, page, [_entry(e) for e in entries])


class MeasureEntryIn(Schema):
    region_id: int = Field(description="a town/street, village/community or grid in the caller's scope")
    day: dt.date = Field(description="not in the future, at most 30 days back")
    kind: str = Field(description=KINDS_DOC)
    count: int | str = Field(description="a positive whole number")
    place: str = ""
    note: str = ""
    idempotency_key: str = Field("", max_length=64, description="the same key twice logs one entry")


@router.post(
    "/measures/entries",
    response={200: MeasureEntryOut, 201: MeasureEntryOut},
    summary="Log a measure of a unit and day; 201 logged, 200 the same idempotency key again",
)
def entry_create(request: HttpRequest, payload: MeasureEntryIn) -> Status[dict[str, object]]:
    user = actor(request)
    region = region_get_for_user(user=user, region_id=payload.region_id)
    try:
        logged = measure_log_add(
            actor=user,
            region=region,
            day=payload.day,
            kind=payload.kind,
            count=payload.count,
            note=payload.note,
            place=payload.place,
            idempotency_key=payload.idempotency_key,
        )
    except MeasureInvalid as exc:
        raise _refused(exc) from None
    logged.entry.region = region
    return Status(201 if logged.created else 200, _entry(logged.entry))


@router.get(
    "/measures/entries/{int:measure_id}", response=MeasureEntryDetailOut, summary="One entry with its history"
)
def entry_detail(request: HttpRequest, measure_id: PathId) -> dict[str, object]:
    return _detail(entry_for_user(user=actor(request), entry_id=measure_id))


class CorrectionIn(Schema):
    kind: str = Field(description=KINDS_DOC)
    count: int | str = Field(description="a positive whole number")
    place: str = ""
    note: str = ""


@router.post(
    "/measures/entries/{int:measure_id}/correction",
    response={200: MeasureEntryDetailOut, 201: MeasureEntryDetailOut},
    summary="Correct an entry (author or a superior): 201 a new revision, 200 it already says so",
)
def entry_correct(
    request: HttpRequest, measure_id: PathId, payload: CorrectionIn
) -> Status[dict[str, object]]:
    user = actor(request)
    entry = entry_for_user(user=user, entry_id=measure_id)
    try:
        logged = measure_log_correct(
            actor=user,
            entry=entry,
            kind=payload.kind,
            count=payload.count,
            note=payload.note,
            place=payload.place,
        )
    except MeasureInvalid as exc:
        raise _refused(exc) from None
    logged.entry.region = entry.region
    return Status(201 if logged.created else 200, _detail(logged.entry))


class WithdrawalIn(Schema):
    reason: str = Field("", description="why (at most 200 characters)")


@router.post(
    "/measures/entries/{int:measure_id}/withdrawal",
    response=MeasureEntryDetailOut,
    summary="Withdraw an entry (author or a superior): kept, marked, no longer counted",
)
def entry_withdraw(request: HttpRequest, measure_id: PathId, payload: WithdrawalIn) -> dict[str, object]:
    user = actor(request)
    entry = entry_for_user(user=user, entry_id=measure_id)
    try:
        withdrawn = measure_log_withdraw(actor=user, entry=entry, reason=payload.reason)
    except MeasureInvalid as exc:
        raise _refused(exc) from None
    withdrawn.region = entry.region
    return _detail(withdrawn)


# --- sums ----------------------------------------------------------------------------------------


class DayQuery(Schema):
    region_id: int = Field(description="a town/street, village/community or grid in the caller's scope")
    day: dt.date | None = Field(None, description="default today")


class DaySumsOut(Schema):
    region_id: int
    day: dt.date
    counts: dict[str, int] = Field(description="every logged kind with its sum")
    report: dict[str, int] = Field(
        description="the daily report's measure fields as the log pre-fills them (POST /reports measures)"
    )
    sealed: int = Field(description="compounds under closed management that day")
    guard_posts: int


@router.get(
    "/measures/day",
    response=DaySumsOut,
    summary="A unit's day summed as its daily report counts it: a village with its grids, a town its own",
)
def day_sums(request: HttpRequest, query: Query[DayQuery]) -> dict[str, object]:
    region = unit_for_log(user=actor(request), region_id=query.region_id)
    day = query.day or local_today()
    sums = unit_log_sums(region, day)
    return {
        "region_id": region.pk,
        "day": day,
        "counts": sums.counts,
        "report": sums.for_report,
        "sealed": sums.sealed,
        "guard_posts": sums.guard_posts,
    }


class TableQuery(Schema):
    region_id: int = Field(description="a district, town or village in the caller's scope")
    start: dt.date | None = Field(None, description="default 6 days before end")
    end: dt.date | None = Field(None, description="default today")


class TableRowOut(Schema):
    region_id: int | None = Field(description="a unit directly below; null: the region's own entries")
    name: str
    counts: dict[str, int]
    sealed: int = Field(description="compounds closed on the last day")
    guard_posts: int


class KindOut(Schema):
    kind: str
    label: str
    unit: str


class TableOut(Schema):
    region_id: int
    start: dt.date
    end: dt.date
    kinds: list[KindOut]
    rows: list[TableRowOut]
    total: TableRowOut


@router.get(
    "/measures/table",
    response=TableOut,
    summary="A region's counted measures by unit directly below and kind over a period (at most 62 days)",
)
def table(request: HttpRequest, query: Query[TableQuery]) -> dict[str, object]:
    region = region_for_table(user=actor(request), region_id=query.region_id)
    start, end = _range(query.start, query.end, 7)
    data = measure_table(region, start, end)

    def row(r: TableRow, name: str, region_id: int | None) -> dict[str, object]:
        return {
            "region_id": region_id,
            "name": name,
            "counts": dict(r.counts),
            "sealed": r.sealed,
            "guard_posts": r.guard_posts,
        }

    return {
        "region_id": region.pk,
        "start": start,
        "end": end,
        "kinds": [
            {"kind": k, "label": str(ENTRY_KINDS[k]), "unit": str(ENTRY_UNITS.get(k, ""))} for k in data.kinds
        ],
        "rows": [
            row(r, r.region.name if r.region else region.name, r.region.pk if r.region else None)
            for r in data.rows
        ],
        "total": row(data.total, region.name, region.pk),
    }


# --- sealed compounds ----------------------------------------------------------------------------


class CompoundOut(Schema):
    id: int
    region_id: int
    region_name: str
    name: str
    kind: Literal["compound", "village"]
    sealed_on: dt.date
    reopened_on: dt.date | None
    sealed_now: bool
    guard_posts: int
    arrangements: str
    created_by: str
    reopened_by: str


def _compound(compound: SealedCompound, today: dt.date) -> dict[str, object]:
    return {
        "id": compound.pk,
        "region_id": compound.region_id,
        "region_name": compound.region.name,
        "name": compound.name,
        "kind": compound.kind,
        "sealed_on": compound.sealed_on,
        "reopened_on": compound.reopened_on,
        "sealed_now": compound.sealed_on_day(today),
        "guard_posts": compound.guard_posts,
        "arrangements": compound.arrangements,
        "created_by": str(compound.created_by),
        "reopened_by": str(compound.reopened_by) if compound.reopened_by is not None else "",
    }


class CompoundFilter(Schema):
    region_id: int | None = Field(None, description="a region in the caller's scope (default: all of it)")
    on: dt.date | None = Field(None, description="only the compounds closed on this day (today: sealed now)")


@router.get(
    "/measures/sealed",
    response=Page[CompoundOut],
    summary="Compounds under closed management in the caller's scope, open ones first",
)
def compound_list(
    request: HttpRequest, filters: Query[CompoundFilter], page: Query[PageParams]
) -> dict[str, object]:
    user = actor(request)
    region = region_get_for_user(user=user, region_id=filters.region_id) if filters.region_id else None
    count, rows = paginate(compounds_for_user(user=user, region=region, sealed_on=filters.on), page)
    today = local_today()
    return page_out(count, page, [_compound(c, today) for c in rows])


class CompoundIn(Schema):
    region_id: int = Field(description="the village/community or grid it lies in")
    name: str
    kind: Literal["compound", "village"] = "compound"
    sealed_on: dt.date | None = Field(None, description="default today; not in the future")
    guard_posts: int = Field(0, description="卡点/值守点 kept at it (0-200)")
    arrangements: str = Field("", description="guard and patrol arrangements (at most 200 characters)")
    idempotency_key: str = Field("", max_length=64, description="the same key twice registers it once")


@router.post(
    "/measures/sealed",
    response={200: CompoundOut, 201: CompoundOut},
    summary="Register a compound or village under closed management; 201 new, 200 the same key again",
)
def compound_create(request: HttpRequest, payload: CompoundIn) -> Status[dict[str, object]]:
    user = actor(request)
    region = region_get_for_user(user=user, region_id=payload.region_id)
    try:
        result = sealed_compound_add(
            actor=user,
            region=region,
            name=payload.name,
            kind=payload.kind,
            sealed_on=payload.sealed_on or local_today(),
            guard_posts=payload.guard_posts,
            arrangements=payload.arrangements,
            idempotency_key=payload.idempotency_key,
        )
    except MeasureInvalid as exc:
        raise _refused(exc) from None
    result.compound.region = region
    return Status(201 if result.created else 200, _compound(result.compound, local_today()))


class ReopenIn(Schema):
    reopened_on: dt.date | None = Field(None, description="default today; not before it was sealed")


@router.post(
    "/measures/sealed/{int:compound_id}/reopening",
    response=CompoundOut,
    summary="Record that a sealed compound reopened (the row stays)",
)
def compound_reopen(request: HttpRequest, compound_id: PathId, payload: ReopenIn) -> dict[str, object]:
    user = actor(request)
    compound = compound_for_user(user=user, compound_id=compound_id)
    try:
        row = sealed_compound_reopen(actor=user, compound=compound, reopened_on=payload.reopened_on)
    except MeasureInvalid as exc:
        raise _refused(exc) from None
    return _compound(row, local_today())
