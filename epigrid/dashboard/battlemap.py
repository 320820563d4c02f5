"""The battle map (网格作战图) of a region: its units coloured by a measure, drawn by ``lib.regionmap_svg``.

The units are the region's children with their boundaries; their values come from the dashboard's
snapshot (``figures.UnitFigures``), so drawing the map reads the children's boundaries and nothing
else. Each unit links to its own dashboard with the same measure (drill down). A grid has no children:
its map shows the grid itself.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from epigrid.dashboard.figures import MEASURES, Figures, UnitFigures
from epigrid.lib.regionmap_svg import REPORT_STATUS, Category, MapTexts, MapUnit, render_map
from epigrid.regions.models import Level, Region

DEFAULT_MEASURE = "observation"


def measure_from(raw: str) -> str:
    """The measure asked for, or the default for anything unknown."""
    return raw if raw in MEASURES else DEFAULT_MEASURE


def measure_choices(region: Region, current: str) -> list[tuple[str, str, str, bool]]:
    """(key, label, href, active) of each measure the region's map can show."""
    base = reverse("dashboard:region", args=[region.pk])
    choices = []
    for key, (label, _kind) in MEASURES.items():
        if key == "reports" and region.level >= Level.VILLAGE:
            continue  # grids do not report: a village's map has no report status
        choices.append((key, str(label), f"{base}?{urlencode({'measure': key})}", key == current))
    return choices


def _texts() -> MapTexts:
    return MapTexts(
        legend=_("图例"),
        no_data=_("无数据"),
        no_boundary=_("无边界"),
        empty=_("暂无边界数据，无法绘制作战图"),
        more=_("另有 {n} 个"),
        count=_("{n}个"),
        tooltip=_("{name}：{measure} {value}"),
        kilometres=_("公里"),
        metres=_("米"),
        north=_("北"),
        description=_("{title}：{n} 个单位按{measure}着色。"),
    )


def _categories() -> list[Category]:
    labels = {"reported": _("已报告"), "zero": _("零报告"), "missing": _("未报告")}
    return [Category(c.key, labels.get(c.key, c.label), c.fill) for c in REPORT_STATUS]


def _value(unit: UnitFigures, measure: str) -> int:
    value = getattr(unit, measure)
    return int(value) if isinstance(value, int) else 0


def battle_map(
    region: Region, figures: Figures, measure: str, *, style_nonce: str | None = None
) -> SafeString:
    """The region's battle map as SVG markup (every text escaped by the renderer)."""
    label, kind = MEASURES[measure]
    boundaries = dict(
        Region.objects.filter(pk__in=[u.region_id for u in figures.units]).values_list("pk", "boundary")
    )
    units: list[MapUnit] = []
    for unit in figures.units:
        href = reverse("dashboard:region", args=[unit.region_id]) + "?" + urlencode({"measure": measure})
        if kind == "category":
            category = unit.report if unit.report in ("reported", "zero", "missing") else None
            units.append(
                MapUnit(id=unit.region_id, name=unit.name, geometry=boundaries.get(unit.region_id),
                        category=category, href=href)
            )  # fmt: skip
            continue
        value = _value(unit, measure)
        units.append(
            MapUnit(
                id=unit.region_id,
                name=unit.name,
                geometry=boundaries.get(unit.region_id),
                value=value,
                href=href,
                label=str(value) if value else None,
            )
        )
    if not figures.units:  # a grid: the grid itself, uncoloured by children
        units.append(MapUnit(id=region.pk, name=region.name, geometry=region.boundary, value=None))
    at = timezone.localtime(dt.datetime.fromisoformat(figures.computed_at))
    svg = render_map(
        units,
        title=_("%(region)s 网格作战图：%(measure)s") % {"region": region.name, "measure": label},
        measure_label=str(label),
        categories=_categories() if kind == "category" else None,
        note=_("数据截至 %(y)d年%(m)d月%(d)d日 %(hm)s")
        % {"y": at.year, "m": at.month, "d": at.day, "hm": f"{at:%H:%M}"},
        texts=_texts(),
        style_nonce=style_nonce,
    )
    return mark_safe(svg)  # noqa: S308 — built by regionmap_svg, which escapes every text
