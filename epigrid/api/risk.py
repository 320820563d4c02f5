"""Risk levels (低/中/高风险) of towns and streets, and the versions of the rules behind them, as JSON.

Counts only, nobody named (nothing to audit). Scoped like the dashboard: a region outside the caller's
scope is a 404. The versions live under a region too (``/risk/{region_id}/policies``): they belong to
the region's district (with the national ones), so a caller from another district gets a 404 there
as well, and only that district's HQ may add one (403 otherwise; 422 naming each wrong field; the
same ``idempotency_key`` twice adds one version, 201 then 200).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema, Status
from ninja.errors import HttpError, ValidationError

from epigrid.api.common import ApiRouter, PathId, actor
from epigrid.core.clock import local_today
from epigrid.regions.models import Level, Region
from epigrid.regions.selectors import region_get_for_user
from epigrid.risk.forms import DayInvalid, day_from
from epigrid.risk.models import RiskPolicy
from epigrid.risk.selectors import (
    NoRiskLevel,
    RiskAssessment,
    levels_sorted,
    policies_for_district,
    region_risk,
    risk_levels,
)
from epigrid.risk.services import FieldError, PolicyInput, PolicyInvalid, risk_policy_add

router = ApiRouter(tags=["risk"])


class AssessmentOut(Schema):
    region_id: int
    name: str
    level: str = Field(description="low, medium or high")
    label: str = Field(description="低风险 / 中风险 / 高风险, in the request's language")
    new_confirmed: int = Field(description="confirmed (and clinically diagnosed) in the window")
    cumulative_confirmed: int = Field(description="ever confirmed by the day, recovered and died included")
    clusters: int = Field(description="clusters with a case confirmed in the window")
    window_start: dt.date
    window_end: dt.date
    policy_version: int
    reason: str


class RiskOut(Schema):
    day: dt.date
    region: AssessmentOut | None = Field(description="the region's own level; null before any version")
    towns: list[AssessmentOut] = Field(description="a district's towns, highest level first; else empty")


def _out(a: RiskAssessment, name: str) -> dict[str, object]:
    return {**vars(a), "name": name, "label": a.label}


def _district_of(region: Region) -> Region:
    if region.level == Level.DISTRICT:
        return region
    return Region.objects.get(pk=region.depth_ids[Level.DISTRICT - 1])


@router.get(
    "/risk/{int:region_id}",
    response=RiskOut,
    summary="A region's risk level as of a day (a district: the highest of its towns), with its towns'",
)
def risk(request: HttpRequest, region_id: PathId, day: str = "") -> dict[str, object]:
    user = actor(request)
    region = region_get_for_user(user=user, region_id=region_id)
    try:
        on = day_from(day.strip(), local_today())
    except DayInvalid as exc:
        raise ValidationError([{"loc": ["query", "day"], "msg": str(exc), "type": "value_error"}]) from None
    towns: list[dict[str, object]] = []
    if region.level == Level.DISTRICT:
        levels = risk_levels(district=region, day=on)
        names = dict(Region.objects.filter(pk__in=list(levels)).values_list("pk", "name"))
        towns = [_out(a, name) for name, a in levels_sorted(levels, names)]
    try:
        own: dict[str, object] | None = _out(region_risk(region=region, day=on), region.name)
    except NoRiskLevel:
        own = None
    return {"day": on, "region": own, "towns": towns}


class PolicyOut(Schema):
    id: int
    version: int
    district_id: int | None = Field(description="null: the national rules every district follows")
    name: str
    effective_from: dt.date
    window_days: int
    medium_max_cumulative: int = Field(description="medium up to this cumulative count; high needs more")
    high_requires_cluster: bool
    cluster_min_cases: int
    note: str
    created_at: dt.datetime


class PolicyIn(Schema):
    name: str = Field("", max_length=200)
    effective_from: dt.date | None = Field(None, description="today or later, not before the latest version")
    window_days: int | None = 14
    medium_max_cumulative: int | None = 50
    high_requires_cluster: bool = True
    cluster_min_cases: int | None = 2
    note: str = Field("", max_length=2000)
    idempotency_key: str = Field("", max_length=64)


def _policy(p: RiskPolicy) -> dict[str, object]:
    return {
        "id": p.pk, "version": p.version, "district_id": p.district_id, "name": p.name,
        "effective_from": p.effective_from, "window_days": p.window_days,
        "medium_max_cumulative": p.medium_max_cumulative, "high_requires_cluster": p.high_requires_cluster,
        "cluster_min_cases": p.cluster_min_cases, "note": p.note, "created_at": p.created_at,
    }  # fmt: skip


@router.get(
    "/risk/{int:region_id}/policies",
    response=list[PolicyOut],
    summary="The versions of the risk rules the region's district follows, newest first",
)
def policies(request: HttpRequest, region_id: PathId) -> list[dict[str, object]]:
    region = region_get_for_user(user=actor(request), region_id=region_id)
    return [_policy(p) for p in policies_for_district(district_id=_district_of(region).pk)]


def _errors(errors: list[FieldError]) -> ValidationError:
    return ValidationError(
        [
            {"loc": ["body", "payload", e.field or "__all__"], "msg": str(e.message), "type": "value_error"}
            for e in errors
        ]
    )


@router.post(
    "/risk/{int:region_id}/policies",
    response={200: PolicyOut, 201: PolicyOut},
    summary="Add a version of the risk rules for the region's district (its HQ only)",
)
def policy_add(request: HttpRequest, region_id: PathId, payload: PolicyIn) -> Status[dict[str, object]]:
    user = actor(request)
    region = region_get_for_user(user=user, region_id=region_id)
    data = PolicyInput(**payload.dict())
    try:
        result = risk_policy_add(actor=user, district=_district_of(region), data=data)
    except PermissionDenied:
        raise HttpError(403, _("只有区指挥部可以修改风险等级规则")) from None
    except PolicyInvalid as exc:
        raise _errors(exc.errors) from None
    return Status(201 if result.created else 200, _policy(result.policy))
