"""The battle map (网格作战图) of a region: its units coloured by a measure, drawn by ``lib.regionmap_svg``.

The units are the region's children with their boundaries; their values come from the dashboard's
snapshot (``figures.UnitFigures``), so drawing the map reads the children's boundaries and nothing
else. Each unit links to its own dashboard with the same measure (drill down). A grid has no children:
its map shows the grid itself.

The risk measure (风险等级) colours a district's towns by level: the level is written under each
town's name and in the legend, and each town's tooltip carries the reason for its level
(``_with_reasons``), so the map reads the same in greyscale print and for colour-blind readers.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from epigrid.dashboard.figures import MEASURES, Figures, UnitFigures
from epigrid.dashboard.risk import risk_categories, risk_rows
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
        if key == "risk" and region.level != Level.DISTRICT:
            continue  # levels are given to towns and streets: only a district's map shows them
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


def _category(unit: UnitFigures, measure: str) -> str | None:
    if measure == "risk":
        return unit.risk or None
    return unit.report if unit.report in ("reported", "zero", "missing") else None


# A unit's tooltip as ``regionmap_svg`` writes it: its ``<a>``/``<g>`` with the unit's id, then its title.
_UNIT_TITLE = re.compile(r'(data-id="(\d+)"><title>)([^<]*)(</title>)')


def _with_reasons(svg: str, reasons: dict[int, str]) -> str:
    """Add each town's reason to its tooltip (the renderer's tooltip holds name, measure and value only)."""

    def add(match: re.Match[str]) -> str:
        reason = reasons.get(int(match.group(2)))
        if not reason:
            return match.group(0)
        return f"{match.group(1)}{match.group(3)}{escape('。' + reason)}{match.group(4)}"

    return _UNIT_TITLE.sub(add, svg)


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
    categories = risk_categories() if measure == "risk" else _categories()
    levels: dict[Any, str] = {c.key: c.label for c in categories}
    units: list[MapUnit] = []
    for unit in figures.units:
        href = reverse("dashboard:region", args=[unit.region_id]) + "?" + urlencode({"measure": measure})
        if kind == "category":
            category = _category(unit, measure)
            level_label = levels.get(category, "") if measure == "risk" and category else None
            units.append(
                MapUnit(id=unit.region_id, name=unit.name, geometry=boundaries.get(unit.region_id),
                        category=category, href=href, label=level_label)
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
        categories=categories if kind == "category" else None,
        note=_("数据截至 %(y)d年%(m)d月%(d)d日 %(hm)s")
        % {"y": at.year, "m": at.month, "d": at.day, "hm": f"{at:%H:%M}"},
        texts=_texts(),
        style_nonce=style_nonce,
    )
    if measure == "risk":
        svg = _with_reasons(svg, {row.region_id: row.reason for row in risk_rows(figures.risk)})
    return mark_safe(svg)  # noqa: S308 — built by regionmap_svg, which escapes every text (and _with_reasons)
