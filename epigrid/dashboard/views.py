"""The command dashboard's pages: a region's figures, battle map, epidemic curve and Rt; the HQ wall."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.context_processors import csp as csp_context
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.csp import csp_override

from epigrid.core.access import ScopedRequest, scoped
from epigrid.core.clock import local_today
from epigrid.dashboard.battlemap import battle_map, measure_choices, measure_from
from epigrid.dashboard.figures import Figures
from epigrid.dashboard.presenters import computed_at, tiles, yesterday_cutoff
from epigrid.dashboard.reproduction import (
    RtParams,
    RtParamsError,
    rt_from_json,
    rt_params_from,
    rt_summaries,
)
from epigrid.dashboard.risk import risk_headline, risk_rows
from epigrid.dashboard.snapshots import snapshot_get
from epigrid.regions.models import Level, Region
from epigrid.regions.selectors import region_ancestors, region_get_for_user, region_roots_for_user

# The HQ wall reloads itself this often (seconds); the snapshot behind it is refreshed every minute.
WALL_REFRESH = 60
# The battle map carries a small <style> (hover, focus, print) and plotly.js creates <style> elements
# (given the nonce by charts.js): these pages admit inline style by the page's nonce, never unsafe-inline.
PAGE_CSP: dict[str, Any] = {**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.NONCE]}


def _map_page[View: Callable[..., HttpResponse]](view: View) -> View:
    wrapped: View = csp_override(PAGE_CSP)(view)
    return wrapped


def _nonce(request: ScopedRequest) -> str:
    return str(csp_context(request)["csp_nonce"])


@scoped
def dashboard_home(request: ScopedRequest) -> HttpResponse:
    """Send the user to the dashboard of the top region they work in."""
    for root in region_roots_for_user(user=request.user):
        return redirect("dashboard:region", root.pk)
    return render(request, "dashboard/none.html", status=404)


def _context(region: Region) -> tuple[Figures, dict[str, object]]:
    figures, refreshing = snapshot_get(region)
    return figures, {
        "region": region,
        "figures": figures,
        "tiles": tiles(figures, region),
        "computed_at": computed_at(figures),
        "yesterday_cutoff": yesterday_cutoff(figures),
        "refreshing": refreshing,
        # The towns' levels (a district's all, below it the own town's) and the region's own level.
        "risk_rows": risk_rows(figures.risk) if region.level == Level.DISTRICT else [],
        "risk": risk_headline(figures.risk, region),
    }


def _curve_data(request: ScopedRequest, figures: Figures) -> dict[str, object]:
    by = "report" if request.GET.get("by") == "report" else "onset"
    curve = figures.curve
    series = curve.get(by, {"local": [], "imported": []})
    return {
        "by": by,
        "days": curve.get("days", []),
        "local": series["local"],
        "imported": series["imported"],
        "labels": {
            "local": _("本地病例"),
            "imported": _("输入病例"),
            "x": _("报告日期") if by == "report" else _("发病日期"),
            "y": _("病例数"),
        },
        "onset_unknown": curve.get("onset_unknown", 0),
    }


def _rt(region: Region, params: RtParams) -> dict[str, object]:
    if region.level > Level.TOWN:
        return {"rt_shown": False}
    return {"rt_shown": True, "rt": rt_summaries(region=region, today=local_today(), params=params)}


def _rt_of(figures: Figures) -> dict[str, object]:
    if figures.rt is None:
        return {"rt_shown": False}
    return {"rt_shown": True, "rt": rt_from_json(figures.rt)}


@_map_page
@scoped
def dashboard_page(request: ScopedRequest, region_id: int) -> HttpResponse:
    """A region's key figures with their change, its battle map, the epidemic curve and Rt."""
    region = region_get_for_user(user=request.user, region_id=region_id)
    figures, context = _context(region)
    measure = measure_from(request.GET.get("measure", ""))
    context.update(
        {
            "ancestors": region_ancestors(region=region, user=request.user),
            "measure": measure,
            "measures": measure_choices(region, measure),
            "map_svg": battle_map(region, figures, measure, style_nonce=_nonce(request)),
            "curve": _curve_data(request, figures),
            **_rt_of(figures),
        }
    )
    return render(request, "dashboard/dashboard.html", context)


@scoped
def map_svg(request: ScopedRequest, region_id: int) -> HttpResponse:
    """The battle map alone, as an SVG file to print or put in a document."""
    region = region_get_for_user(user=request.user, region_id=region_id)
    figures, _refreshing = snapshot_get(region)
    measure = measure_from(request.GET.get("measure", ""))
    response = HttpResponse(battle_map(region, figures, measure), content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="battle-map-{region.code}-{measure}.svg"'
    return response


@_map_page
@scoped
def wall_page(request: ScopedRequest, region_id: int) -> HttpResponse:
    """The big screen (大屏) for the HQ wall: dark, large type, reloads itself every minute."""
    region = region_get_for_user(user=request.user, region_id=region_id)
    figures, context = _context(region)
    measure = measure_from(request.GET.get("measure", ""))
    context.update(
        {
            "measure": measure,
            "map_svg": battle_map(region, figures, measure, style_nonce=_nonce(request)),
            "curve": _curve_data(request, figures),
            "refresh": WALL_REFRESH,
            **_rt_of(figures),
        }
    )
    return render(request, "dashboard/wall.html", context)


@_map_page
@scoped
def rt_page(request: ScopedRequest, region_id: int) -> HttpResponse:
    """Rt of the district and its towns over time, with the serial interval and prior as chosen."""
    region = region_get_for_user(user=request.user, region_id=region_id)
    error = ""
    try:
        params = rt_params_from(request.GET)
    except RtParamsError as exc:
        error = str(exc)
        params = RtParams()
    # The default serial interval's Rt is in the snapshot (refreshed every minute); others are computed.
    rt = _rt_of(snapshot_get(region)[0]) if params == RtParams() else _rt(region, params)
    context: dict[str, object] = {
        "region": region,
        "ancestors": region_ancestors(region=region, user=request.user),
        "params": params,
        "error": error,
        **rt,
    }
    return render(request, "dashboard/rt.html", context, status=400 if error else 200)
