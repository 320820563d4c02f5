"""Writes of the supplies ledger: receipts, issues, transfers, staffing, requests and the district's
allocation.

Every movement goes through ``_move``: it locks the depot's stock row of the item, refuses a quantity
that is not a positive whole number, a date in the future or more than a year back, and an issue or
transfer of more than the depot holds ("库存不足：现有 120 只，发放 200 只"), then writes the ledger line with
the balance after it and updates the stock, in one transaction; the database's check constraints
(stock and balance never below zero) are the last guard. A transfer is two lines (out of one depot,
into the other) under one ``group`` id; its stock rows are locked in id order, so two transfers in
opposite directions never wait on each other in a circle.

Who may move what: a unit's own staff with write rights (town officers, village leaders) and HQ, in
their subtree; a transfer out of a depot needs the right to its stock; into any depot of the district.

A receipt, an issue, a transfer and a request take an ``idempotency_key``: the same key again from the
same account (a phone that lost the answer and sent again) writes nothing and answers what the first
submission wrote, ``created`` false on it, even when the rest of the body differs. A key this account
already used for another depot or another kind of entry is refused (field ``idempotency_key``). The key
is a column unique per account (a transfer keeps it on its outgoing line), and the account's row is
locked while it is looked up, so two retries racing each other write once and both answer that entry.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from epigrid.core.audit import audit_log
from epigrid.core.clock import local_today
from epigrid.core.models import AuditEvent, User
from epigrid.core.roles import Role
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import scope_for
from epigrid.regions.services import chain_to
from epigrid.resources.models import Depot, Staffing, Stock, StockMovement, SupplyItem, SupplyRequest

K = StockMovement.Kind
RECEIPTS = frozenset({K.PURCHASE, K.DONATION})
MAX_QUANTITY = 100_000_000
BACKDATE_DAYS = 366
# Roles that keep a unit's stock: HQ for the district warehouse, towns and villages for their own.
KEEPERS = frozenset({Role.DISTRICT_HQ, Role.TOWN_OFFICER, Role.VILLAGE_LEADER})
KEY_MAX = 64


class SupplyError(Exception):
    """Nothing was written; ``field`` names the input at fault (for forms and the API)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def depot_for_region(region: Region) -> Depot:
    """The depot holding a region's own stock (created on first use): the district's is its warehouse."""
    if region.level > Level.VILLAGE:
        raise SupplyError(_("物资按区、镇（街道）、村（社区）和隔离点管理。"), "depot")
    found = Depot.objects.filter(region=region, site__isnull=True).first()
    if found is not None:
        return found
    chain = chain_to(region)
    name = _("%(name)s物资储备库") % {"name": region.name} if region.level == Level.DISTRICT else region.name
    depot, _created = Depot.objects.get_or_create(
        region=region,
        site=None,
        defaults={
            "name": name,
            "district_id": chain["district_id"],
            "town_id": chain.get("town_id"),
            "village_id": chain.get("village_id"),
        },
    )
    return depot


def _may_keep(actor: User, depot: Depot) -> None:
    if actor.role not in KEEPERS or not actor.caps.can_write:
        raise PermissionDenied
    region = Region.objects.get(pk=depot.region_id)
    if not scope_for(actor).contains(region):
        raise PermissionDenied


def _check_quantity(quantity: object) -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        raise SupplyError(_("数量须为整数。"), "quantity")
    if quantity <= 0:
        raise SupplyError(_("数量须大于零。"), "quantity")
    if quantity > MAX_QUANTITY:
        raise SupplyError(_("数量过大，请核对。"), "quantity")
    return quantity


def _check_day(day: dt.date) -> None:
    today = local_today()
    if day > today:
        raise SupplyError(_("日期不能晚于今天。"), "occurred_on")
    if day < today - dt.timedelta(days=BACKDATE_DAYS):
        raise SupplyError(_("只能登记一年内的出入库。"), "occurred_on")


def _locked(depots_items: list[tuple[Depot, SupplyItem]]) -> dict[tuple[int, int], Stock]:
    """Lock the stock rows, in id order, creating the missing ones first without waiting on anyone
    (a row another request creates at the same moment is simply there: no error, no deadlock)."""
    Stock.objects.bulk_create(
        [Stock(depot=depot, item=item) for depot, item in depots_items], ignore_conflicts=True
    )
    rows = {}
    for depot, item in sorted(depots_items, key=lambda pair: (pair[0].pk, pair[1].pk)):
        rows[(depot.pk, item.pk)] = Stock.objects.select_for_update().get(depot=depot, item=item)
    return rows


def _line(
    actor: User,
    stock: Stock,
    depot: Depot,
    item: SupplyItem,
    kind: str,
    delta: int,
    day: dt.date,
    **extra: object,
) -> StockMovement:
    if stock.quantity + delta < 0:
        raise SupplyError(
            _("库存不足：%(depot)s现有%(item)s %(have)s%(unit)s，出库 %(want)s%(unit)s。")
            % {
                "depot": depot.name,
                "item": item.name,
                "have": stock.quantity,
                "want": -delta,
                "unit": item.unit,
            },
            "quantity",
        )
    stock.quantity += delta
    stock.save(update_fields=["quantity", "updated_at"])
    return StockMovement.objects.create(
        depot=depot,
        item=item,
        kind=kind,
        quantity=delta,
        balance_after=stock.quantity,
        occurred_on=day,
        district_id=depot.district_id,
        town_id=depot.town_id,
        village_id=depot.village_id,
        by=actor,
        **extra,
    )


def _text(value: str, limit: int, field: str) -> str:
    value = value.strip()
    if len(value) > limit:
        raise SupplyError(_("不能超过%(n)s字。") % {"n": limit}, field)
    return value


def _key_reused() -> SupplyError:
    return SupplyError(_("这个提交标识已用于另一条记录。"), "idempotency_key")


def _keyed_line(actor: User, key: str, depot: Depot, kinds: Collection[str]) -> StockMovement | None:
    """The ledger line this account already wrote under ``key``; a key used at another depot or for
    another kind of movement is not the same submission and is refused."""
    if not key:
        return None
    previous = StockMovement.objects.filter(by=actor, idempotency_key=key).first()
    if previous is None:
        return None
    if previous.depot_id != depot.pk or previous.kind not in kinds:
        raise _key_reused()
    previous.created = False
    return previous


def write_once[T](actor: User, key: str, find: Callable[[], T | None], write: Callable[[], T]) -> T:
    """``write`` in one transaction, or, when ``key`` is given, what ``find`` answers (the earlier
    submission with that key). The account's row is locked while the key is looked up, so two retries
    of one account racing each other run one after the other and the second finds the first's entry
    (not today's stock, which the first may have used up); the key's unique constraint is the last
    guard, a refused insert answering the entry that won."""
    if not key:
        with transaction.atomic():
            return write()
    try:
        with transaction.atomic():
            User.objects.select_for_update().filter(pk=actor.pk).first()
            previous = find()
            if previous is not None:
                return previous
            return write()
    except IntegrityError:
        previous = find()
        if previous is None:
            raise
        return previous


def stock_receive(
    *,
    actor: User,
    depot: Depot,
    item: SupplyItem,
    quantity: int,
    kind: str = K.PURCHASE,
    occurred_on: dt.date | None = None,
    source: str = "",
    note: str = "",
    idempotency_key: str = "",
) -> StockMovement:
    """Record a purchase or a donation received by ``depot``; the same key twice receives it once."""
    _may_keep(actor, depot)
    key = idempotency_key.strip()[:KEY_MAX]

    def write() -> StockMovement:
        if kind not in RECEIPTS:
            raise SupplyError(_("入库类型应为采购或捐赠。"), "kind")
        valid = _check_quantity(quantity)
        day = occurred_on or local_today()
        _check_day(day)
        stock = _locked([(depot, item)])[(depot.pk, item.pk)]
        line = _line(
            actor, stock, depot, item, kind, valid, day,
            source=_text(source, 100, "source"), note=_text(note, 200, "note"), idempotency_key=key,
        )  # fmt: skip
        _audit(actor, depot, line)
        return line

    return write_once(actor, key, lambda: _keyed_line(actor, key, depot, RECEIPTS), write)


def stock_issue(
    *,
    actor: User,
    depot: Depot,
    item: SupplyItem,
    quantity: int,
    recipient: str,
    purpose: str = "",
    occurred_on: dt.date | None = None,
    note: str = "",
    idempotency_key: str = "",
) -> StockMovement:
    """Record supplies handed out by ``depot`` to people or a team (whom, for what); never below zero;
    the same key twice issues once."""
    _may_keep(actor, depot)
    key = idempotency_key.strip()[:KEY_MAX]

    def write() -> StockMovement:
        valid = _check_quantity(quantity)
        whom = _text(recipient, 100, "recipient")
        if not whom:
            raise SupplyError(_("请填写领用人或领用单位。"), "recipient")
        day = occurred_on or local_today()
        _check_day(day)
        stock = _locked([(depot, item)])[(depot.pk, item.pk)]
        line = _line(
            actor, stock, depot, item, K.ISSUE, -valid, day, recipient=whom,
            purpose=_text(purpose, 100, "purpose"), note=_text(note, 200, "note"), idempotency_key=key,
        )  # fmt: skip
        _audit(actor, depot, line)
        return line

    return write_once(actor, key, lambda: _keyed_line(actor, key, depot, (K.ISSUE,)), write)


@dataclass(frozen=True)
class Transfer:
    out: StockMovement
    into: StockMovement
    created: bool = True  # false when a repeated idempotency key answered an earlier transfer


def _keyed_transfer(actor: User, key: str, source: Depot) -> Transfer | None:
    out = _keyed_line(actor, key, source, (K.TRANSFER_OUT,))
    if out is None:
        return None
    into = StockMovement.objects.exclude(pk=out.pk).get(group=out.group)
    return Transfer(out, into, created=False)


def stock_transfer(
    *,
    actor: User,
    source: Depot,
    target: Depot,
    item: SupplyItem,
    quantity: int,
    occurred_on: dt.date | None = None,
    note: str = "",
    request: SupplyRequest | None = None,
    idempotency_key: str = "",
) -> Transfer:
    """Move stock from one depot to another of the same district: two ledger lines, one group; the same
    key twice moves it once (the key is kept on the outgoing line; an allocation takes none)."""
    _may_keep(actor, source)
    key = "" if request is not None else idempotency_key.strip()[:KEY_MAX]

    def write() -> Transfer:
        if source.pk == target.pk:
            raise SupplyError(_("调出和调入单位不能相同。"), "target")
        if source.district_id != target.district_id:
            raise SupplyError(_("只能在本区内调拨。"), "target")
        valid = _check_quantity(quantity)
        day = occurred_on or local_today()
        _check_day(day)
        rows = _locked([(source, item), (target, item)])
        group = uuid.uuid4()
        allocation = request is not None
        text = _text(note, 200, "note")
        kind_out, kind_in = (
            (K.ALLOCATION_OUT, K.ALLOCATION_IN) if allocation else (K.TRANSFER_OUT, K.TRANSFER_IN)
        )
        out = _line(
            actor, rows[(source.pk, item.pk)], source, item, kind_out,
            -valid, day, counterpart=target, group=group, note=text, request=request, idempotency_key=key,
        )  # fmt: skip
        into = _line(
            actor, rows[(target.pk, item.pk)], target, item, kind_in,
            valid, day, counterpart=source, group=group, note=text, request=request,
        )  # fmt: skip
        _audit(actor, source, out)
        _audit(actor, target, into)
        return Transfer(out, into)

    return write_once(actor, key, lambda: _keyed_transfer(actor, key, source), write)


def _audit(actor: User, depot: Depot, line: StockMovement) -> None:
    region_path = Region.objects.filter(pk=depot.region_id).values_list("path", flat=True).first() or ""
    audit_log(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        object_type="stock_movement",
        object_id=line.pk,
        region_path=region_path,
        detail={"kind": line.kind, "item": line.item_id, "quantity": line.quantity, "depot": depot.pk},
    )


@transaction.atomic
def staffing_set(*, actor: User, depot: Depot, staff_on_duty: int, shifts_per_day: int = 1) -> Staffing:
    """Say how many people the depot equips (the forecast's planned use)."""
    _may_keep(actor, depot)
    if (
        isinstance(staff_on_duty, bool)
        or not isinstance(staff_on_duty, int)
        or not 0 <= staff_on_duty <= 10**6
    ):
        raise SupplyError(_("在岗人数须为不小于零的整数。"), "staff_on_duty")
    if (
        isinstance(shifts_per_day, bool)
        or not isinstance(shifts_per_day, int)
        or not 1 <= shifts_per_day <= 4
    ):
        raise SupplyError(_("每日班次应为1至4。"), "shifts_per_day")
    staffing, _created = Staffing.objects.update_or_create(
        depot=depot,
        defaults={"staff_on_duty": staff_on_duty, "shifts_per_day": shifts_per_day, "updated_by": actor},
    )
    return staffing


def _keyed_request(actor: User, key: str, depot: Depot) -> SupplyRequest | None:
    """The request this account already sent under ``key``; one for another depot is refused."""
    if not key:
        return None
    previous = SupplyRequest.objects.filter(requested_by=actor, idempotency_key=key).first()
    if previous is None:
        return None
    if previous.depot_id != depot.pk:
        raise _key_reused()
    previous.created = False
    return previous


def request_submit(
    *,
    actor: User,
    depot: Depot,
    item: SupplyItem,
    quantity: int,
    days: int = 7,
    reason: str = "",
    idempotency_key: str = "",
) -> SupplyRequest:
    """A town's or village's request to the district for an item, for ``days`` of work; the same key
    twice requests once."""
    _may_keep(actor, depot)
    key = idempotency_key.strip()[:KEY_MAX]

    def write() -> SupplyRequest:
        if depot.site_id is None and Region.objects.filter(pk=depot.region_id, level=Level.DISTRICT).exists():
            raise SupplyError(_("区物资储备库不向自己申请。"), "depot")
        valid = _check_quantity(quantity)
        if not isinstance(days, int) or not 1 <= days <= 60:
            raise SupplyError(_("保障天数应为1至60天。"), "days")
        request = SupplyRequest.objects.create(
            depot=depot, item=item, quantity=valid, days=days, reason=_text(reason, 200, "reason"),
            district_id=depot.district_id, town_id=depot.town_id, requested_by=actor, idempotency_key=key,
        )  # fmt: skip
        audit_log(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            object_type="supply_request",
            object_id=request.pk,
            detail={"item": item.pk, "quantity": valid, "depot": depot.pk},
        )
        return request

    return write_once(actor, key, lambda: _keyed_request(actor, key, depot), write)


@transaction.atomic
def allocation_confirm(
    *, actor: User, district_depot: Depot, item: SupplyItem, decisions: dict[int, int], note: str = ""
) -> list[Transfer]:
    """Send the district's stock to the requesting units as decided (``{request id: quantity}``, the
    proposal or the district's own figures): one allocation transfer per request given something; a
    request is then 已满足 or 部分满足. Refused as a whole when a figure is negative, more than the
    request still lacks, or more in all than the warehouse holds."""
    if actor.role != Role.DISTRICT_HQ:
        raise PermissionDenied
    _may_keep(actor, district_depot)
    wanted = {pk: q for pk, q in decisions.items() if q}
    requests = {
        r.pk: r
        for r in SupplyRequest.objects.select_for_update()
        .filter(pk__in=list(decisions), district_id=district_depot.district_id, item=item)
        .select_related("depot")
    }
    for pk, quantity in decisions.items():
        request = requests.get(pk)
        if request is None:
            raise SupplyError(_("申请不存在或不属于本区。"), f"requests.{pk}")
        if not isinstance(quantity, int) or quantity < 0:
            raise SupplyError(_("分配数量须为不小于零的整数。"), f"requests.{pk}")
        if request.status not in (SupplyRequest.Status.OPEN, SupplyRequest.Status.PARTLY):
            raise SupplyError(_("该申请已处理。"), f"requests.{pk}")
        if quantity > request.quantity - request.allocated:
            raise SupplyError(
                _("分配给%(unit)s的数量超过其申请。") % {"unit": request.depot.name}, f"requests.{pk}"
            )
    available = (
        Stock.objects.filter(depot=district_depot, item=item).values_list("quantity", flat=True).first()
    )
    if sum(wanted.values()) > (available or 0):
        raise SupplyError(
            _("分配总数 %(want)s%(unit)s 超过库存 %(have)s%(unit)s。")
            % {"want": sum(wanted.values()), "have": available or 0, "unit": item.unit},
            "quantity",
        )
    transfers = []
    for pk, quantity in sorted(wanted.items()):
        request = requests[pk]
        transfers.append(
            stock_transfer(
                actor=actor, source=district_depot, target=request.depot, item=item, quantity=quantity,
                note=note, request=request,
            )
        )  # fmt: skip
        request.allocated += quantity
        request.status = (
            SupplyRequest.Status.DONE
            if request.allocated >= request.quantity
            else SupplyRequest.Status.PARTLY
        )
        request.save(update_fields=["allocated", "status", "updated_at"])
    return transfers


@transaction.atomic
def request_close(*, actor: User, request: SupplyRequest, status: str, note: str = "") -> SupplyRequest:
    """Withdraw a request (the requesting unit's keepers) or decline it (HQ); what was already
    allocated stays. Only an open or partly met request can be closed."""
    request = SupplyRequest.objects.select_for_update().select_related("depot").get(pk=request.pk)
    if status == SupplyRequest.Status.WITHDRAWN:
        _may_keep(actor, request.depot)
    elif status == SupplyRequest.Status.REFUSED:
        if actor.role != Role.DISTRICT_HQ:
            raise PermissionDenied
        district = Region.objects.get(pk=request.district_id)
        if not scope_for(actor).contains(district):
            raise PermissionDenied
    else:
        raise SupplyError(_("请选择撤回或不予分配。"), "status")
    if request.status not in (SupplyRequest.Status.OPEN, SupplyRequest.Status.PARTLY):
        raise SupplyError(_("该申请已处理。"), "status")
    request.status = status
    if note.strip():
        request.reason = (request.reason + " / " + note.strip())[:200]
    request.save(update_fields=["status", "reason", "updated_at"])
    audit_log(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="supply_request",
        object_id=request.pk,
        detail={"status": status},
    )
    return request
