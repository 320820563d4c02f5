"""The command dashboard's figures, battle-map units, epidemic curve inputs and Rt, as JSON.

Counts only, nobody named (nothing to audit). Scoped to the caller's regions: another region is a 404.
The figures come from the same snapshot as the pages (``dashboard.snapshots``), so a wall client polling
every few seconds costs one primary-key read.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema
from ninja.errors import ValidationError

from epigrid.api.common import ApiRouter, PathId, actor
from epigrid.core.clock import local_today
from epigrid.dashboard.figures import KEY_FIGURES, MEASURES
from epigrid.dashboard.reproduction import RT_LEVELS, RtParams, RtParamsError, rt_params_from, rt_summaries
from epigrid.dashboard.snapshots import snapshot_get
from epigrid.regions.models import Level
from epigrid.regions.selectors import region_get_for_user

router = ApiRouter(tags=["dashboard"])


class FigureOut(Schema):
    key: str
    label: str
    value: int
    yesterday: int = Field(description="the value at yesterday's report cut-off")
    change: int


class UnitOut(Schema):
    region_id: int
    name: str
    observation: int
    alerts: int
    cases: int
    missed: int
    report: str = Field(description="reported, zero, missing, or none (the unit does not report)")


class DashboardOut(Schema):
    region_id: int
    computed_at: dt.datetime
    yesterday_cutoff: dt.datetime
    refreshing: bool = Field(description="served from an older snapshot while a refresh runs")
    figures: list[FigureOut]
    units: list[UnitOut]
    measures: list[str]


@router.get(
    "/dashboard/{int:region_id}",
    response=DashboardOut,
    summary="A region's key figures with their change since yesterday's cut-off, and its units' measures",
)
def dashboard(request: HttpRequest, region_id: PathId) -> dict[str, object]:
    user = actor(request)
    region = region_get_for_user(user=user, region_id=region_id)
    figures, refreshing = snapshot_get(region)
    return {
        "region_id": region.pk,
        "computed_at": dt.datetime.fromisoformat(figures.computed_at),
        "yesterday_cutoff": dt.datetime.fromisoformat(figures.yesterday_cutoff),
        "refreshing": refreshing,
        "figures": [
            {
                "key": f.key,
                "label": str(f.label),
                "value": figures.now.get(f.key, 0),
                "yesterday": figures.yesterday.get(f.key, 0),
                "change": figures.now.get(f.key, 0) - figures.yesterday.get(f.key, 0),
            }
            for f in KEY_FIGURES
        ],
        "units": [vars(u) for u in figures.units],
        "measures": list(MEASURES),
    }


class RtQuery(Schema):
    si_mean: float = Field(RtParams.si_mean, description="serial interval mean, days (> 1)")
    si_sd: float = Field(RtParams.si_sd, description="serial interval standard deviation, days (> 0)")
    window: int = Field(RtParams.window, description="sliding window, days (2-28)")


class RtRowOut(Schema):
    region_id: int
    name: str
    mean: float | None
    q025: float | None
    q975: float | None
    cases: int = Field(description="local cases in the last window")
    reliable: bool = Field(description="at least 12 local cases in the last window")
    doubling: str


class RtOut(Schema):
    region_id: int
    si_mean: float
    si_sd: float
    window: int
    rows: list[RtRowOut]


@router.get(
    "/dashboard/{int:region_id}/rt",
    response=RtOut,
    summary="Rt of a district and its towns, or of a town (Cori et al. 2013, as EpiEstim parametric_si)",
)
def rt(request: HttpRequest, region_id: PathId, query: Query[RtQuery]) -> dict[str, object]:
    user = actor(request)
    region = region_get_for_user(user=user, region_id=region_id)
    try:
        params = rt_params_from({"si_mean": str(query.si_mean), "si_sd": str(query.si_sd),
                                 "window": str(query.window)})  # fmt: skip
    except RtParamsError as exc:
        raise ValidationError([{"loc": ["query"], "msg": str(exc), "type": "value_error"}]) from exc
    if region.level > Level.TOWN:
        raise ValidationError([{"loc": ["path", "region_id"], "msg": _(RT_LEVELS), "type": "value_error"}])
    summary = rt_summaries(region=region, today=local_today(), params=params)
    return {
        "region_id": region.pk,
        "si_mean": params.si_mean,
        "si_sd": params.si_sd,
        "window": params.window,
        "rows": [
            {
                "region_id": r.region_id,
                "name": r.name,
                "mean": r.mean,
                "q025": r.low,
                "q975": r.high,
                "cases": r.cases,
                "reliable": r.reliable,
                "doubling": r.doubling,
            }
            for r in summary.rows
        ],
    }
