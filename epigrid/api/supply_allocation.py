"""The district's allocation of a short item: the open requests with each one's need, the split of the
warehouse's stock that ``resources.forecast.allocation_proposal`` proposes, and HQ's confirmation
(``resources.services.allocation_confirm``: one allocation transfer per request). HQ only.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import Field, Query, Schema, Status
from ninja.errors import HttpError

from epigrid.api.common import ApiRouter, Id, actor, require
from epigrid.api.supplies import (
    RequestOut,
    TransferOut,
    field_error,
    item_by_code,
    item_codes,
    movement_out,
    request_out,
    supply_error,
)
from epigrid.core.models import User
from epigrid.core.roles import Role
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import scope_for
from epigrid.regions.selectors import region_get_for_user
from epigrid.resources.forecast import allocation_proposal
from epigrid.resources.models import Depot, SupplyRequest
from epigrid.resources.selectors import (
    requests_for_user,
)
from epigrid.resources.services import (
    SupplyError,
    allocation_confirm,
    depot_for_region,
)

router = ApiRouter(tags=["supplies"])


# --- the district's allocation ---------------------------------------------------------------------


class ShareOut(Schema):
    request: RequestOut
    outstanding: int = Field(description="asked for, less what was already allocated")
    need: int = Field(description="use over the days asked for, less the depot's stock; at most outstanding")
    proposed: int


class ProposalOut(Schema):
    district_id: int
    depot_id: int | None = Field(description="the district warehouse; null when it was never stocked")
    item: str
    available: int
    need_total: int
    proposed_total: int
    shares: list[ShareOut]


class ProposalFilter(Schema):
    item: str = Field(description="an item code")
    region_id: int | None = Field(None, description="the district (default: the caller's)")


class AllocationIn(Schema):
    item: str
    decisions: dict[Id, int] = Field(
        description="{request id: quantity}: the proposal or the district's figures"
    )
    note: str = ""


def _hq_district(user: User, region_id: int | None) -> Region:
    if user.role != Role.DISTRICT_HQ:
        raise HttpError(403, "您的角色无权执行此操作")
    if region_id is not None:
        region = region_get_for_user(user=user, region_id=region_id)
        if region.level != Level.DISTRICT:
            raise field_error(["query", "region_id"], "请选择区/县。")
        return region
    district = next((r for r in scope_for(user).roots if r.level == Level.DISTRICT), None)
    if district is None:
        raise HttpError(403, "您的角色无权执行此操作")
    return district


@router.get(
    "/supplies/allocation",
    response=ProposalOut,
    summary="HQ: the district's open requests for an item and the split its warehouse allows",
)
def allocation_get(request: HttpRequest, filters: Query[ProposalFilter]) -> dict[str, object]:
    user = actor(request)
    district = _hq_district(user, filters.region_id)
    item = item_by_code(filters.item, ["query", "item"])
    warehouse = Depot.objects.filter(region=district, site__isnull=True).first()
    # A read creates no depot: a warehouse never stocked stands in unsaved (id 0 matches no stock).
    depot = warehouse or Depot(id=0, region=district, district_id=district.pk, name=district.name)
    proposal = allocation_proposal(depot, item)
    codes = item_codes()
    return {
        "district_id": district.pk,
        "depot_id": warehouse.pk if warehouse else None,
        "item": item.code,
        "available": proposal.available,
        "need_total": proposal.need_total,
        "proposed_total": proposal.proposed_total,
        "shares": [
            {
                "request": request_out(s.request, codes),
                "outstanding": s.outstanding,
                "need": s.need,
                "proposed": s.proposed,
            }
            for s in proposal.shares
        ],
    }


class AllocationOut(Schema):
    transfers: list[TransferOut]
    requests: list[RequestOut]


@router.post(
    "/supplies/allocation",
    response={201: AllocationOut},
    summary="HQ: send the warehouse's stock to the requests as decided (refused as a whole)",
)
def allocation_post(request: HttpRequest, payload: AllocationIn) -> Status[dict[str, object]]:
    user = actor(request)
    district = _hq_district(user, None)
    require(user, "can_write")
    # A request outside the caller's scope is a 404, as any id is.
    ids = list(payload.decisions)
    found = set(requests_for_user(user=user).filter(pk__in=ids).values_list("pk", flat=True))
    if set(ids) - found:
        raise Http404
    item = item_by_code(payload.item, ["body", "payload", "item"])
    try:
        transfers = allocation_confirm(
            actor=user, district_depot=depot_for_region(district), item=item, decisions=payload.decisions,
            note=payload.note,
        )  # fmt: skip
    except SupplyError as exc:
        raise supply_error(exc, decisions=True) from None
    codes = item_codes()
    rows = SupplyRequest.objects.filter(pk__in=ids).select_related("depot", "requested_by").order_by("id")
    return Status(
        201,
        {
            "transfers": [
                {"out": movement_out(t.out, codes), "into": movement_out(t.into, codes)} for t in transfers
            ],
            "requests": [request_out(r, codes) for r in rows],
        },
    )
