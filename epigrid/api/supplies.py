"""Protective supplies (防护物资): the items, the depots in the caller's scope with their stock and how
long it lasts, each depot's ledger, receipts, issues and transfers, staffing, the towns' requests and
the district's allocation of its stock among them.

Items are named by their ``code`` (``surgical-mask``, ``n95-mask`` …). Writes go through
``resources.services``, the services the pages use: a refusal comes back as a 422 naming the field
(``quantity`` for an issue beyond the stock, ``occurred_on`` for a future date), and nothing is written
then. Keeping stock needs a keeper's role (HQ, a town officer, a village leader) in the depot's subtree:
403 otherwise. A depot outside the caller's subtrees answers 404, exactly as a missing one.

Reads create nothing: a region's depot is made on its first receipt (``depot_for_region``), so the
depot listing shows only depots that exist, and the allocation proposal of a district whose warehouse
was never stocked has nothing available.

A receipt, an issue, a transfer and a request take an ``idempotency_key``: the same key twice from one
account writes once (201 the first time; 200 and the entry the first call wrote after, even when the rest
of the body differs), so a phone that lost the answer and sends again moves no stock twice. A key the
account already used at another depot or for another kind of entry is a 422 on ``idempotency_key``.
Another account's key is its own.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Schema, Status
from ninja.errors import ValidationError

from epigrid.api.common import ApiRouter, Page, PageParams, PathId, actor, audit_listing, page_out, require
from epigrid.regions.models import Level
from epigrid.regions.selectors import region_get_for_user
from epigrid.resources.forecast import Outlook, outlooks
from epigrid.resources.models import Depot, Staffing, StockMovement, SupplyItem, SupplyRequest
from epigrid.resources.selectors import (
    active_items,
    depot_get_for_user,
    depots_for_user,
    request_get_for_user,
    requests_for_user,
)
from epigrid.resources.services import (
    SupplyError,
    request_close,
    request_submit,
    staffing_set,
    stock_issue,
    stock_receive,
    stock_transfer,
)

router = ApiRouter(tags=["supplies"])


def field_error(loc: list[str | int], message: str) -> ValidationError:
    return ValidationError([{"loc": loc, "msg": message, "type": "value_error"}])


# Service field names that are not the API's.
_API_FIELD = {"target": "target_depot_id", "depot": "depot_id"}


def supply_error(exc: SupplyError, *, decisions: bool = False) -> ValidationError:
    """A service refusal shaped like ninja's own 422, ``loc`` naming the body field."""
    field = exc.field or "__all__"
    if decisions and field.startswith("requests."):
        loc: list[str | int] = ["body", "payload", "decisions", field.split(".", 1)[1]]
    elif decisions and field == "quantity":
        loc = ["body", "payload", "decisions"]
    else:
        loc = ["body", "payload", _API_FIELD.get(field, field)]
    return field_error(loc, str(exc.message))


def item_by_code(code: str, loc: list[str | int]) -> SupplyItem:
    item = SupplyItem.objects.filter(code=code, active=True).first()
    if item is None:
        raise field_error(loc, "没有这种物资。")
    return item


# --- items -----------------------------------------------------------------------------------------


class ItemOut(Schema):
    code: str
    name: str
    unit: str
    category: str
    category_label: str
    use_per_shift: float = Field(description="planned use per person on duty per shift (0: durable)")


def _item_out(item: SupplyItem) -> dict[str, object]:
    return {
        "code": item.code,
        "name": item.name,
        "unit": item.unit,
        "category": item.category,
        "category_label": str(item.get_category_display()),
        "use_per_shift": float(item.use_per_shift),
    }


@router.get("/supplies/items", response=list[ItemOut], summary="The supply items in use (no personal data)")
def item_list(request: HttpRequest) -> list[dict[str, object]]:
    actor(request)
    return [_item_out(i) for i in active_items()]


# --- depots ----------------------------------------------------------------------------------------


class OutlookOut(Schema):
    item: str = Field(description="the item's code")
    name: str
    unit: str
    stock: int
    per_day: float = Field(description="the larger of planned use (staffing) and the last 7 days' issues")
    days_left: float | None = Field(description="stock / per_day; null when nobody uses it")
    level: Literal["out", "short", "ok", "unused"]


class StaffingOut(Schema):
    staff_on_duty: int
    shifts_per_day: int
    updated_at: dt.datetime | None


class DepotOut(Schema):
    id: int
    name: str
    kind: Literal["district", "town", "village", "site"]
    region_id: int
    region_name: str
    site_id: int | None
    warnings: int = Field(description="items out of stock or short")
    items: list[OutlookOut]


class DepotDetailOut(DepotOut):
    staffing: StaffingOut | None


class DepotFilter(Schema):
    region_id: int | None = Field(None, description="a region in the caller's scope (default: all of it)")


_KIND = {Level.DISTRICT: "district", Level.TOWN: "town", Level.VILLAGE: "village"}


def _depot(depot: Depot, items: list[SupplyItem], looks: dict[tuple[int, int], Outlook]) -> dict[str, object]:
    rows = []
    for item in items:
        look = looks[(depot.pk, item.pk)]
        rows.append(
            {
                "item": item.code,
                "name": item.name,
                "unit": item.unit,
                "stock": look.stock,
                "per_day": round(look.per_day, 2),
                "days_left": None if look.days_left is None else round(look.days_left, 1),
                "level": look.level,
            }
        )
    return {
        "id": depot.pk,
        "name": depot.name,
        "kind": "site" if depot.site_id else _KIND.get(Level(depot.region.level), "village"),
        "region_id": depot.region_id,
        "region_name": depot.region.name,
        "site_id": depot.site_id,
        "warnings": sum(1 for r in rows if r["level"] in ("out", "short")),
        "items": rows,
    }


def _depot_detail(depot: Depot) -> dict[str, object]:
    items = active_items()
    body = _depot(depot, items, outlooks([depot.pk], items))
    staffing = Staffing.objects.filter(depot=depot).first()
    body["staffing"] = (
        None
        if staffing is None
        else {
            "staff_on_duty": staffing.staff_on_duty,
            "shifts_per_day": staffing.shifts_per_day,
            "updated_at": staffing.updated_at,
        }
    )
    return body


@router.get(
    "/supplies/depots",
    response=Page[DepotOut],
    summary="The depots (that exist) in the caller's scope under a region, with stock and days of supply",
)
def depot_list(
    request: HttpRequest, filters: Query[DepotFilter], page: Query[PageParams]
) -> dict[str, object]:
    user = actor(request)
    region = region_get_for_user(user=user, region_id=filters.region_id) if filters.region_id else None
    rows = depots_for_user(user=user, region=region).order_by("region__path", "site_id", "id")
    count = rows.count()
    depots = list(rows[page.offset : page.offset + page.limit])
    items = active_items()
    looks = outlooks([d.pk for d in depots], items)
    return page_out(count, page, [_depot(d, items, looks) for d in depots])


@router.get("/supplies/depots/{int:depot_id}", response=DepotDetailOut, summary="One depot, with staffing")
def depot_detail(request: HttpRequest, depot_id: PathId) -> dict[str, object]:
    user = actor(request)
    return _depot_detail(depot_get_for_user(user=user, depot_id=depot_id))


# --- the ledger ------------------------------------------------------------------------------------


class MovementOut(Schema):
    id: int
    item: str
    kind: str
    kind_label: str
    quantity: int = Field(description="signed: + in, - out")
    balance_after: int
    occurred_on: dt.date
    counterpart_id: int | None
    counterpart_name: str
    recipient: str
    purpose: str
    source: str
    note: str
    request_id: int | None
    by: str
    created_at: dt.datetime


class MovementFilter(Schema):
    item: str = Field("", description="an item code (default: all items)")
    start: dt.date | None = Field(None, description="first day (occurred_on), inclusive")
    end: dt.date | None = Field(None, description="last day, inclusive")


def movement_out(line: StockMovement, codes: dict[int, SupplyItem]) -> dict[str, object]:
    item = codes.get(line.item_id)
    return {
        "id": line.pk,
        "item": item.code if item else "",
        "kind": line.kind,
        "kind_label": str(line.get_kind_display()),
        "quantity": line.quantity,
        "balance_after": line.balance_after,
        "occurred_on": line.occurred_on,
        "counterpart_id": line.counterpart_id,
        "counterpart_name": line.counterpart.name if line.counterpart is not None else "",
        "recipient": line.recipient,
        "purpose": line.purpose,
        "source": line.source,
        "note": line.note,
        "request_id": line.request_id,
        "by": str(line.by),
        "created_at": line.created_at,
    }


@router.get(
    "/supplies/depots/{int:depot_id}/movements",
    response=Page[MovementOut],
    summary="A depot's ledger, newest first (audited: it names recipients)",
)
def movement_list(
    request: HttpRequest, depot_id: PathId, filters: Query[MovementFilter], page: Query[PageParams]
) -> dict[str, object]:
    user = actor(request)
    depot = depot_get_for_user(user=user, depot_id=depot_id)
    if filters.start and filters.end and filters.start > filters.end:
        raise field_error(["query", "end"], "结束日期不能早于开始日期。")
    rows = StockMovement.objects.filter(depot=depot)
    if filters.item:
        rows = rows.filter(item=item_by_code(filters.item, ["query", "item"]))
    if filters.start:
        rows = rows.filter(occurred_on__gte=filters.start)
    if filters.end:
        rows = rows.filter(occurred_on__lte=filters.end)
    count = rows.count()
    lines = list(
        rows.select_related("counterpart", "by").order_by("-occurred_on", "-id")[
            page.offset : page.offset + page.limit
        ]
    )
    codes = item_codes()
    audit_listing(
        user=user,
        request=request,
        object_type="stock_movement",
        ids=[line.pk for line in lines],
        filters=[k for k in ("item", "start", "end") if getattr(filters, k)],
        object_id=depot.pk,
        region_path=depot.region.path,
    )
    return page_out(count, page, [movement_out(line, codes) for line in lines])


class ReceiptIn(Schema):
    item: str = Field(description="item code")
    quantity: int
    kind: Literal["purchase", "donation"] = "purchase"
    occurred_on: dt.date | None = Field(None, description="default: today; not in the future")
    source: str = Field("", description="supplier or donor")
    note: str = ""
    idempotency_key: str = Field("", max_length=64, description="the same key twice receives it once")


class IssueIn(Schema):
    item: str
    quantity: int
    recipient: str = Field(description="who received it (a person or a team)")
    purpose: str = ""
    occurred_on: dt.date | None = None
    note: str = ""
    idempotency_key: str = Field("", max_length=64, description="the same key twice issues it once")


class TransferIn(Schema):
    item: str
    quantity: int
    target_depot_id: int = Field(description="any depot of the same district")
    occurred_on: dt.date | None = None
    note: str = ""
    idempotency_key: str = Field("", max_length=64, description="the same key twice moves it once")


class TransferOut(Schema):
    out: MovementOut
    into: MovementOut


def item_codes() -> dict[int, SupplyItem]:
    """Every item by id (a few dozen rows): lines and requests name their item by code."""
    return {i.pk: i for i in SupplyItem.objects.all()}


@router.post(
    "/supplies/depots/{int:depot_id}/receipts",
    response={200: MovementOut, 201: MovementOut},
    summary="Record a purchase or donation received; 201 recorded, 200 the same idempotency key again",
)
def receipt_create(request: HttpRequest, depot_id: PathId, payload: ReceiptIn) -> Status[dict[str, object]]:
    user = actor(request)
    depot = depot_get_for_user(user=user, depot_id=depot_id)
    require(user, "can_write")
    item = item_by_code(payload.item, ["body", "payload", "item"])
    try:
        line = stock_receive(
            actor=user, depot=depot, item=item, quantity=payload.quantity, kind=payload.kind,
            occurred_on=payload.occurred_on, source=payload.source, note=payload.note,
            idempotency_key=payload.idempotency_key,
        )  # fmt: skip
    except SupplyError as exc:
        raise supply_error(exc) from None
    return Status(201 if line.created else 200, movement_out(line, item_codes()))


@router.post(
    "/supplies/depots/{int:depot_id}/issues",
    response={200: MovementOut, 201: MovementOut},
    summary="Hand supplies out (never more than the depot holds); 201 issued, 200 the same key again",
)
def issue_create(request: HttpRequest, depot_id: PathId, payload: IssueIn) -> Status[dict[str, object]]:
    user = actor(request)
    depot = depot_get_for_user(user=user, depot_id=depot_id)
    require(user, "can_write")
    item = item_by_code(payload.item, ["body", "payload", "item"])
    try:
        line = stock_issue(
            actor=user, depot=depot, item=item, quantity=payload.quantity, recipient=payload.recipient,
            purpose=payload.purpose, occurred_on=payload.occurred_on, note=payload.note,
            idempotency_key=payload.idempotency_key,
        )  # fmt: skip
    except SupplyError as exc:
        raise supply_error(exc) from None
    return Status(201 if line.created else 200, movement_out(line, item_codes()))


@router.post(
    "/supplies/depots/{int:depot_id}/transfers",
    response={200: TransferOut, 201: TransferOut},
    summary="Move stock to another depot of the district (two ledger lines); 200 the same key again",
)
def transfer_create(request: HttpRequest, depot_id: PathId, payload: TransferIn) -> Status[dict[str, object]]:
    user = actor(request)
    depot = depot_get_for_user(user=user, depot_id=depot_id)
    require(user, "can_write")
    item = item_by_code(payload.item, ["body", "payload", "item"])
    # Any depot of the district may receive; one elsewhere is refused like a missing one.
    target = Depot.objects.filter(pk=payload.target_depot_id, district_id=depot.district_id).first()
    if target is None:
        raise field_error(["body", "payload", "target_depot_id"], "调入单位不存在或不在本区。")
    try:
        moved = stock_transfer(
            actor=user, source=depot, target=target, item=item, quantity=payload.quantity,
            occurred_on=payload.occurred_on, note=payload.note, idempotency_key=payload.idempotency_key,
        )  # fmt: skip
    except SupplyError as exc:
        raise supply_error(exc) from None
    codes = item_codes()
    return Status(
        201 if moved.created else 200,
        {"out": movement_out(moved.out, codes), "into": movement_out(moved.into, codes)},
    )


class StaffingIn(Schema):
    staff_on_duty: int = Field(description="people on duty per shift")
    shifts_per_day: int = Field(1, description="1 to 4")


@router.put(
    "/supplies/depots/{int:depot_id}/staffing",
    response=DepotDetailOut,
    summary="Say how many people the depot equips (drives the days-of-supply forecast)",
)
def staffing_update(request: HttpRequest, depot_id: PathId, payload: StaffingIn) -> dict[str, object]:
    user = actor(request)
    depot = depot_get_for_user(user=user, depot_id=depot_id)
    require(user, "can_write")
    try:
        staffing_set(
            actor=user,
            depot=depot,
            staff_on_duty=payload.staff_on_duty,
            shifts_per_day=payload.shifts_per_day,
        )
    except SupplyError as exc:
        raise supply_error(exc) from None
    return _depot_detail(depot)


# --- requests --------------------------------------------------------------------------------------


class RequestOut(Schema):
    id: int
    depot_id: int
    depot_name: str
    item: str
    item_name: str
    quantity: int
    allocated: int
    days: int
    reason: str
    status: str
    status_label: str
    requested_by: str
    created_at: dt.datetime


class RequestFilter(Schema):
    status: SupplyRequest.Status | Literal[""] = Field("", description="empty: all")


class RequestIn(Schema):
    depot_id: int = Field(description="the requesting depot (a town's, a village's or a site's)")
    item: str
    quantity: int
    days: int = Field(7, description="days of work the request covers, 1 to 60")
    reason: str = ""
    idempotency_key: str = Field("", max_length=64, description="the same key twice requests it once")


def request_out(row: SupplyRequest, codes: dict[int, SupplyItem]) -> dict[str, object]:
    item = codes.get(row.item_id)
    return {
        "id": row.pk,
        "depot_id": row.depot_id,
        "depot_name": row.depot.name,
        "item": item.code if item else "",
        "item_name": item.name if item else "",
        "quantity": row.quantity,
        "allocated": row.allocated,
        "days": row.days,
        "reason": row.reason,
        "status": row.status,
        "status_label": str(row.get_status_display()),
        "requested_by": str(row.requested_by),
        "created_at": row.created_at,
    }


@router.get(
    "/supplies/requests",
    response=Page[RequestOut],
    summary="Requests from the depots in the caller's scope, newest first",
)
def request_list(
    request: HttpRequest, filters: Query[RequestFilter], page: Query[PageParams]
) -> dict[str, object]:
    user = actor(request)
    status = filters.status.value if isinstance(filters.status, SupplyRequest.Status) else ""
    rows = requests_for_user(user=user, status=status)
    count = rows.count()
    items = list(rows[page.offset : page.offset + page.limit])
    codes = item_codes()
    return page_out(count, page, [request_out(r, codes) for r in items])


@router.post(
    "/supplies/requests",
    response={200: RequestOut, 201: RequestOut},
    summary="Ask the district for an item; 201 asked, 200 the same idempotency key again",
)
def request_create(request: HttpRequest, payload: RequestIn) -> Status[dict[str, object]]:
    user = actor(request)
    depot = depot_get_for_user(user=user, depot_id=payload.depot_id)
    require(user, "can_write")
    item = item_by_code(payload.item, ["body", "payload", "item"])
    try:
        row = request_submit(
            actor=user, depot=depot, item=item, quantity=payload.quantity, days=payload.days,
            reason=payload.reason, idempotency_key=payload.idempotency_key,
        )  # fmt: skip
    except SupplyError as exc:
        raise supply_error(exc) from None
    return Status(201 if row.created else 200, request_out(row, item_codes()))


class RequestCloseIn(Schema):
    status: Literal["withdrawn", "refused"] = Field(description="withdrawn (the unit) or refused (HQ)")
    note: str = Field("", max_length=100)


@router.post(
    "/supplies/requests/{int:request_id}/close",
    response=RequestOut,
    summary="Withdraw a request (its unit's keepers) or decline it (HQ); allocations already made stay",
)
def request_close_api(request: HttpRequest, request_id: PathId, payload: RequestCloseIn) -> dict[str, object]:
    user = actor(request)
    row = request_get_for_user(user=user, request_id=request_id)
    require(user, "can_write")
    try:
        row = request_close(actor=user, request=row, status=payload.status, note=payload.note)
    except SupplyError as exc:
        raise supply_error(exc) from None
    return request_out(row, item_codes())
