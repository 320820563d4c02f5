"""Supplies pages: a region's overview (every depot x every item, days of supply), a depot's page
(stock and forecast, receive / issue / transfer, staffing, its ledger, its requests), the requests, and
the district's allocation of a short item."""

from __future__ import annotations

import datetime as dt
import uuid
from html import escape

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from epigrid.core.access import ScopedRequest, scoped
from epigrid.core.clock import local_today
from epigrid.core.roles import Role
from epigrid.regions.models import Level, Region
from epigrid.regions.selectors import region_ancestors, region_get_for_user, region_roots_for_user
from epigrid.resources.forecast import OUT, SHORT, UNUSED, Outlook, allocation_proposal, outlooks, warn_days
from epigrid.resources.models import Depot, Staffing, StockMovement, SupplyItem, SupplyRequest
from epigrid.resources.selectors import (
    Overview,
    active_items,
    depot_get_for_user,
    depots_for_user,
    district_of,
    movements_for_depot,
    request_get_for_user,
    requests_for_user,
    supply_overview,
)
from epigrid.resources.services import (
    KEEPERS,
    SupplyError,
    allocation_confirm,
    depot_for_region,
    request_close,
    request_submit,
    staffing_set,
    stock_issue,
    stock_receive,
    stock_transfer,
)

K = StockMovement.Kind


def _cell_html(cell: Outlook) -> str:
    """One cell: the stock and, for an item in use, its days of supply (the legend explains both)."""
    if cell.level == UNUSED:
        return f'<td class="num">{cell.stock}</td>'
    days = cell.days_left or 0.0
    shown = f"{days:.1f}" if days < 10 else f"{days:.0f}"
    return f'<td class="num supply-{cell.level}">{cell.stock}<small>{shown}</small></td>'


def _overview_body(overview: Overview) -> SafeString:
    """The table's rows, written here rather than by the template: 1,000 depots x 30 items are 30,000
    cells, which the template engine would take most of the page's time to write."""
    parts = []
    indent: dict[int, str] = {Level.DISTRICT: "", Level.TOWN: "", Level.VILLAGE: "　"}
    for row in overview.rows:
        mark = f' <strong class="bad">{row.warnings}</strong>' if row.warnings else ""
        parts.append(
            f'<tr><th scope="row">{indent.get(row.level, "")}'
            f'<a href="/resources/depots/{row.depot_id}/">{escape(row.name)}</a>{mark}</th>'
            + "".join(_cell_html(c) for c in row.cells)
            + "</tr>"
        )
    return mark_safe("\n".join(parts))  # noqa: S308 (every value is escaped or a number above)


@scoped
def supplies_home(request: ScopedRequest) -> HttpResponse:
    """Send the user to the supplies of the top region they work in (a village's to its depot)."""
    for root in region_roots_for_user(user=request.user):
        if root.level <= Level.TOWN:
            return redirect("resources:overview", root.pk)
        if root.level >= Level.VILLAGE:
            village = (
                root
                if root.level == Level.VILLAGE
                else Region.objects.get(pk=root.depth_ids[Level.VILLAGE - 1])
            )
            depot = Depot.objects.filter(region=village, site__isnull=True).first()
            if depot is not None:
                return redirect("resources:depot", depot.pk)
            return redirect("resources:overview", village.pk)
    return render(request, "resources/overview.html", {"overview": None})


@scoped
def overview(request: ScopedRequest, region_id: int) -> HttpResponse:
    """Every depot of the region x every item: stock and how many days it lasts, short ones marked."""
    user = request.user
    region = region_get_for_user(user=user, region_id=region_id)
    warnings_only = request.GET.get("short") == "1"
    data = supply_overview(user=user, region=region, warnings_only=warnings_only)
    own = Depot.objects.filter(region=region, site__isnull=True).first()
    context = {
        "region": region,
        "ancestors": region_ancestors(region=region, user=user),
        "overview": data,
        "body": _overview_body(data),
        "columns": list(zip(data.items, data.totals, data.short, strict=True)),
        "warnings_only": warnings_only,
        "warn_days": warn_days(),
        "own": own,
        "can_open": user.role in KEEPERS
        and user.caps.can_write
        and own is None
        and region.level <= Level.VILLAGE,
        "is_hq": user.role == Role.DISTRICT_HQ,
    }
    return render(request, "resources/overview.html", context)


@scoped
def depot_open(request: ScopedRequest, region_id: int) -> HttpResponse:
    """Start keeping a region's stock (its depot is created on first use)."""
    if request.method != "POST":
        raise Http404
    region = region_get_for_user(user=request.user, region_id=region_id)
    if request.user.role not in KEEPERS or not request.user.caps.can_write:
        raise PermissionDenied
    try:
        depot = depot_for_region(region)
    except SupplyError as exc:
        messages.error(request, exc.message)
        return redirect("resources:overview", region.pk)
    return redirect("resources:depot", depot.pk)


def _int(raw: str | None, field: str) -> int:
    try:
        return int(str(raw or "").strip())
    except ValueError:
        raise SupplyError(_("须为整数。"), field) from None


def _day(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        raise SupplyError(_("日期无效，请按 2020-01-28 的格式填写。"), "occurred_on") from None


def _item(code: str) -> SupplyItem:
    item = SupplyItem.objects.filter(code=code, active=True).first()
    if item is None:
        raise SupplyError(_("请选择物资。"), "item")
    return item


def _move(request: ScopedRequest, depot: Depot) -> str:
    """Carry out the posted movement; return the message to show."""
    data = request.POST
    action = data.get("action", "")
    user = request.user
    if action == "staffing":
        staff = _int(data.get("staff_on_duty"), "staff_on_duty")
        shifts = _int(data.get("shifts_per_day"), "shifts_per_day")
        staffing_set(actor=user, depot=depot, staff_on_duty=staff, shifts_per_day=shifts)
        return _("在岗人员已更新。")
    item = _item(data.get("item", ""))
    quantity = _int(data.get("quantity"), "quantity")
    day = _day(data.get("occurred_on"))
    note = data.get("note", "")[:220]
    # The form's one-time key: the same form sent twice (a double click, a resent page) writes once.
    key = data.get("key", "")
    if action in (K.PURCHASE, K.DONATION):
        line = stock_receive(
            actor=user, depot=depot, item=item, quantity=quantity, kind=action, occurred_on=day,
            source=data.get("source", "")[:120], note=note, idempotency_key=key,
        )  # fmt: skip
        return _("已入库 %(n)s%(unit)s %(item)s，结存 %(left)s。") % {
            "n": line.quantity, "unit": item.unit, "item": item.name, "left": line.balance_after,
        }  # fmt: skip
    if action == K.ISSUE:
        line = stock_issue(
            actor=user, depot=depot, item=item, quantity=quantity, recipient=data.get("recipient", "")[:120],
            purpose=data.get("purpose", "")[:120], occurred_on=day, note=note, idempotency_key=key,
        )  # fmt: skip
        return _("已发放 %(n)s%(unit)s %(item)s，结存 %(left)s。") % {
            "n": -line.quantity, "unit": item.unit, "item": item.name, "left": line.balance_after,
        }  # fmt: skip
    if action == "transfer":
        target_id = _int(data.get("target"), "target") if data.get("target") else 0
        target = Depot.objects.filter(pk=target_id, district_id=depot.district_id).first()
        if target is None:
            raise SupplyError(_("请选择调入单位。"), "target")
        moved = stock_transfer(
            actor=user, source=depot, target=target, item=item, quantity=quantity, occurred_on=day, note=note,
            idempotency_key=key,
        )  # fmt: skip
        return _("已调出 %(n)s%(unit)s %(item)s 至 %(target)s，结存 %(left)s。") % {
            "n": -moved.out.quantity, "unit": item.unit, "item": item.name, "target": target.name,
            "left": moved.out.balance_after,
        }  # fmt: skip
    if action == "request":
        days = _int(data.get("days"), "days")
        req = request_submit(
            actor=user, depot=depot, item=item, quantity=quantity, days=days,
            reason=data.get("reason", "")[:220], idempotency_key=key,
        )  # fmt: skip
        return _("已向区指挥部申请 %(n)s%(unit)s %(item)s。") % {
            "n": req.quantity,
            "unit": item.unit,
            "item": item.name,
        }
    raise SupplyError(_("未知的操作。"), "action")


@scoped
def depot_page(request: ScopedRequest, depot_id: int) -> HttpResponse:
    """A depot: each item's stock and days of supply, the forms that move stock, the ledger."""
    user = request.user
    depot = depot_get_for_user(user=user, depot_id=depot_id)
    errors: list[str] = []
    field = ""
    if request.method == "POST":
        try:
            message = _move(request, depot)
        except SupplyError as exc:
            errors, field = [exc.message], exc.field
        else:
            messages.success(request, message)
            return redirect("resources:depot", depot.pk)
    items = active_items()
    table = outlooks([depot.pk], items)
    staffing = Staffing.objects.filter(depot=depot).first()
    filter_item = SupplyItem.objects.filter(code=request.GET.get("item", "")).first()
    context = {
        "depot": depot,
        "ancestors": [*region_ancestors(region=depot.region, user=user), depot.region],
        "rows": [(item, table[(depot.pk, item.pk)]) for item in items],
        "staffing": staffing,
        "movements": movements_for_depot(depot=depot, item=filter_item),
        "filter_item": filter_item,
        "items": items,
        "targets": Depot.objects.filter(district_id=depot.district_id).exclude(pk=depot.pk).order_by("name"),
        "requests": SupplyRequest.objects.filter(depot=depot)
        .select_related("item")
        .order_by("-created_at")[:20],
        "can_keep": user.role in KEEPERS and user.caps.can_write,
        "is_warehouse": depot.region.level == Level.DISTRICT and depot.site_id is None,
        "errors": errors,
        "error_field": field,
        "posted": request.POST if errors else {},
        # A fresh key per form shown: the same form sent twice writes once (the services' idempotency).
        "move_key": uuid.uuid4().hex,
        "request_key": uuid.uuid4().hex,
        "today": local_today(),
        "warn_days": warn_days(),
        "levels": {"out": OUT, "short": SHORT},
    }
    return render(request, "resources/depot.html", context, status=400 if errors else 200)


@scoped
def request_list(request: ScopedRequest) -> HttpResponse:
    """The supply requests of the user's units; for HQ, each short item's allocation page."""
    user = request.user
    status = request.GET.get("status", "")
    if status not in SupplyRequest.Status.values:
        status = ""
    rows = list(requests_for_user(user=user, status=status)[:300])
    open_items = sorted(
        {r.item for r in rows if r.status in (SupplyRequest.Status.OPEN, SupplyRequest.Status.PARTLY)},
        key=lambda i: (i.sort, i.pk),
    )
    keeps = (
        {d.pk for d in depots_for_user(user=user)} if user.role in KEEPERS and user.caps.can_write else set()
    )
    context = {
        "rows": [(r, r.depot_id in keeps) for r in rows],
        "status": status,
        "statuses": SupplyRequest.Status.choices,
        "open_items": open_items,
        "is_hq": user.role == Role.DISTRICT_HQ,
    }
    return render(request, "resources/requests.html", context)


@scoped
def request_close_view(request: ScopedRequest, request_id: int) -> HttpResponse:
    """Withdraw a request (its unit) or decline it (HQ)."""
    supply_request = request_get_for_user(user=request.user, request_id=request_id)  # 404 before 405
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        request_close(
            actor=request.user, request=supply_request, status=request.POST.get("status", ""),
            note=request.POST.get("note", "")[:100],
        )  # fmt: skip
    except SupplyError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("申请已关闭。"))
    return redirect("resources:requests")


@scoped
def allocation(request: ScopedRequest, item_code: str) -> HttpResponse:
    """HQ splits the warehouse's stock of an item among the open requests: proposed by need, adjusted,
    confirmed (each share is an allocation transfer in the ledger)."""
    user = request.user
    if user.role != Role.DISTRICT_HQ:
        raise PermissionDenied
    item = SupplyItem.objects.filter(code=item_code).first()
    roots = region_roots_for_user(user=user)
    if item is None or not roots:
        raise Http404
    district = district_of(roots[0])
    warehouse = depot_for_region(district)
    errors: list[str] = []
    if request.method == "POST":
        proposal = allocation_proposal(warehouse, item)
        decisions: dict[int, int] = {}
        for share in proposal.shares:
            try:
                decisions[share.request.pk] = _int(request.POST.get(f"r{share.request.pk}", "0"), "quantity")
            except SupplyError:
                errors.append(_("%(unit)s：分配数量须为整数。") % {"unit": share.request.depot.name})
        if not errors:
            try:
                transfers = allocation_confirm(
                    actor=user, district_depot=warehouse, item=item, decisions=decisions,
                    note=request.POST.get("note", "")[:200],
                )  # fmt: skip
            except SupplyError as exc:
                errors.append(exc.message)
            else:
                messages.success(
                    request,
                    _("已调拨 %(n)s 个单位，共 %(q)s%(unit)s。")
                    % {"n": len(transfers), "q": sum(t.into.quantity for t in transfers), "unit": item.unit},
                )
                return redirect("resources:requests")
    proposal = allocation_proposal(warehouse, item)
    context = {
        "item": item,
        "warehouse": warehouse,
        "proposal": proposal,
        "errors": errors,
        "posted": request.POST if errors else {},
    }
    return render(request, "resources/allocation.html", context, status=400 if errors else 200)
