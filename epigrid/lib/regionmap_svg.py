"""The battle map (网格作战图) of the command dashboard: region units coloured by a measure, drawn as SVG.

The dashboard shows the children of the region being looked at (a district's towns, a town's villages,
a city's thousand grids), each filled by a measure (people under observation, fever alerts, cases) or
by a category (report status). Government intranets have no internet and the map must print, so it is
drawn here on the server: no script, no web font, no tile, one standalone SVG document that the page
puts inline in its HTML and also serves as an ``.svg`` download. Stdlib only, no Django: the caller
passes every user-visible text it wants translated (``MapTexts``; Chinese defaults).

What is drawn:

* Units: one ``<a href>`` per unit (drill down to its dashboard) around its ``<path>`` and a ``<title>``
  tooltip "name：measure value". Polygons and MultiPolygons, holes by ``fill-rule="evenodd"``.
* Projection: equirectangular, longitude scaled by the cosine of the mean latitude, fitted with margins
  to the map area, y flipped. Across a city (under 200 km) the distortion is well under 1 %.
* Size and speed: rings are simplified by Douglas–Peucker to half a pixel of the drawing (measured on
  lon/lat with the projection's scales, so only kept points are projected) and written as relative
  steps on a 0.1 px grid. A city of 1,000 irregular units of 200 vertices each: about 330 KB, drawn in
  about 130 ms of CPU in CPython 3.13. A unit smaller than a pixel is drawn as a dot, still a link.
* Labels: the unit's name (and its short ``label``, e.g. "12人", on a second line when there is room)
  at an interior point chosen for a horizontal text box: the midpoints of the widest interior runs on
  a few horizontal scanlines, each re-centred once vertically and horizontally, the one that holds the
  largest text wins. Unlike a centroid it always lies inside (U shapes, rings with holes); unlike a
  full pole-of-inaccessibility search it costs a few passes over the edges, which keeps 1,000 units
  fast in pure Python. The font size follows the room (9 to 16 px); the box's four sides are checked
  against the boundary; a name that does not fit loses its administrative suffix (镇, 街道, 社区…)
  and then is left out (the tooltip still names the unit).
* Classes (``classify``): zero has its own pale class "0" and a missing value (None, NaN) the hatched
  "无数据" class; the other values fall into up to 5 classes whose upper bounds are the quantiles of
  the non-zero values rounded up to "nice" numbers (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10ⁿ; two
  significant digits when those would merge classes), the top class ending at the maximum. Epidemic
  counts are skewed (many 1-3, a few hundreds): quantiles give every class members, and the rounding
  gives legend labels a reader can hold ("1–2, 3–5, 6–15, 16–40, 41–213"); equal intervals would put
  nearly every unit in the first class, and Jenks natural breaks cost O(n²) in pure Python and move
  with every new case. With no more distinct non-zero values than classes, each value is its own
  class. A caller that must keep colours comparable between days passes fixed ``breaks``. Colours: a
  yellow–orange–brown ramp (ColorBrewer YlOrBr hues, colour-blind safe) whose grey level falls by
  about 42 of 255 per class, so the classes stay apart in greyscale print; the highest class is
  always the darkest.
* Units without usable geometry (None, fewer than 3 distinct points, NaN, lon/lat out of range) are
  listed by name and value in a "无边界" box beside the map, never dropped silently; with no geometry
  at all the map area says so ("暂无边界数据，无法绘制作战图").
* Legend with counts per class, a scale bar (km, or m under 1 km) and a north arrow, the title and an
  optional note line ("数据截至 …").

Styling: presentation attributes carry every colour (the site's CSP refuses inline styles, so an
inline ``<style>`` may be ignored in the page) and classes name every part, so a page's stylesheet or
print CSS can restyle it; a ``<style>`` element (``MAP_CSS``: hover, keyboard focus, print) is embedded
for the standalone download and for pages that pass its CSP nonce. No ``style=`` attribute anywhere.

Accessibility: ``<title>``/``<desc>`` (with the legend's counts) label the document. The root has
``role="img"`` when nothing in it is a link; with drill-down links it is ``role="group"`` instead,
because ``img`` makes its children presentational and would hide the links from screen readers.

Output is deterministic (same input, same bytes) and always well-formed XML: every text is escaped
and stripped of characters XML cannot carry, and hostile geometry is treated as no geometry.

Where it lives: this module draws the document and is the public entry point (it re-exports the
names of the others); ``regionmap_classes`` holds the data types, the classes and the palette,
``regionmap_geometry`` the GeoJSON parsing, projection, simplification and path data, and
``regionmap_labels`` the text escaping and fitting and the labels' placement.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from epigrid.lib.regionmap_classes import (
    MAX_CLASSES,
    NO_DATA_FILL,
    NO_DATA_HATCH,
    RAMP,
    RAMP_5,
    REPORT_STATUS,
    ZERO_FILL,
    Category,
    LegendEntry,
    MapLegend,
    MapTexts,
    MapUnit,
    _number,
    classify,
    format_value,
    nice_breaks,
)
from epigrid.lib.regionmap_classes import _lightness as _lightness
from epigrid.lib.regionmap_geometry import CHUNKS, _Drawn, _polygons, _project
from epigrid.lib.regionmap_geometry import _simplify as _simplify
from epigrid.lib.regionmap_labels import _NOT_XML, MAX_FONT, MIN_FONT, _cut, _labels, _text

__all__ = [
    "BORDER",
    "CHUNKS",
    "FONT_FAMILY",
    "MAP_CSS",
    "MAX_CLASSES",
    "MAX_FONT",
    "MIN_FONT",
    "NO_DATA_FILL",
    "NO_DATA_HATCH",
    "RAMP",
    "RAMP_5",
    "REPORT_STATUS",
    "ZERO_FILL",
    "Category",
    "LegendEntry",
    "MapLegend",
    "MapTexts",
    "MapUnit",
    "classify",
    "format_value",
    "nice_breaks",
    "render_map",
]

# ---------------------------------------------------------------------------------------------
# Public constants
# ---------------------------------------------------------------------------------------------

# Locally installed CJK fonts only: no web font is ever fetched.
FONT_FAMILY = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', SimHei, sans-serif"
BORDER = "#4b5563"

MAP_CSS = (
    ".regionmap .rm-units a:hover path,.regionmap .rm-units a:focus path{stroke:#111827;stroke-width:2}"
    ".regionmap .rm-units a:focus{outline:none}"
    ".regionmap .rm-units a:focus-visible path{stroke:#1d4ed8;stroke-width:2.5}"
    ".regionmap .rm-nb a:hover text,.regionmap .rm-nb a:focus-visible text{text-decoration:underline}"
    "@media print{.regionmap .rm-units{stroke:#000}"
    ".regionmap .rm-units a:hover path,.regionmap .rm-units a:focus path{stroke:#000;stroke-width:.6}"
    ".regionmap .rm-panel{stroke:#000}}"
)

_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
_UNSAFE_SCHEME = re.compile(r"\s*(javascript|vbscript|data)\s*:", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------

_MARGIN = 16.0
_PANEL = 200.0


def _link(href: str | None) -> str | None:
    """The escaped link, or None for none, a blank one or a script/data URL."""
    cleaned = _NOT_XML.sub("", href or "").strip()
    if not cleaned or _UNSAFE_SCHEME.match(cleaned):
        return None
    return _text(cleaned)


def _value_text(unit: MapUnit, entry: LegendEntry, categorical: bool, texts: MapTexts) -> str:
    if entry.key == "none":
        return texts.no_data
    if categorical:
        return entry.label
    return format_value(_number(unit.value))


def _nice_distance(km: float) -> float:
    """The largest 1, 2 or 5 × 10ⁿ km not above ``km``."""
    scale = 10.0 ** math.floor(math.log10(km))
    for step in (5.0, 2.0, 1.0):
        if step * scale <= km:
            return round(step * scale, 9)
    return scale


def render_map(
    units: Sequence[MapUnit],
    *,
    title: str,
    measure_label: str,
    width: int = 1120,
    height: int = 792,
    categories: Sequence[Category] | None = None,
    classes: int = 5,
    breaks: Sequence[float] | None = None,
    highlight_id: int | None = None,
    note: str | None = None,
    texts: MapTexts = MapTexts(),  # noqa: B008 — frozen dataclass, imported from regionmap_classes
    id_prefix: str = "rm",
    style_nonce: str | None = None,
) -> str:
    """Return the battle map as a standalone SVG document (see the module for what it shows).

    ``width``/``height`` are the viewBox in px (default about A4 landscape at 96 dpi). ``id_prefix``
    keeps the document's ids unique when a page holds several maps; ``style_nonce`` goes on the
    ``<style>`` element for a page whose CSP allows inline style by nonce.
    """
    if width < 400 or height < 300:
        raise ValueError("the map needs at least 400 × 300 px")
    if not _ID.match(id_prefix):
        raise ValueError("id_prefix must be a letter followed by letters, digits, _ or -")
    legend = classify(
        units, measure_label=measure_label, categories=categories, classes=classes, breaks=breaks, texts=texts
    )
    entries = legend.entries
    categorical = categories is not None
    hatch = f"{id_prefix}-nodata"

    def paint(entry: LegendEntry) -> str:
        return f"url(#{hatch})" if entry.hatched else entry.fill

    # Geometry: parse, frame, project, simplify.
    polygons = [_polygons(u.geometry) for u in units]
    header = 72.0 if note else 52.0
    map_x0, map_y0 = _MARGIN, header
    map_x1, map_y1 = width - _MARGIN * 2 - _PANEL, height - _MARGIN
    drawn, km_per_px = _project(polygons, map_x0, map_y0, map_x1, map_y1)
    on_map = {d.index for d in drawn}
    unmapped = [i for i in range(len(units)) if i not in on_map]
    any_link = any(_link(u.href) for u in units)

    # Document head.
    summary = "；".join(f"{e.label}：{texts.count.format(n=e.count)}" for e in entries if e.count)
    description = texts.description.format(title=title, n=len(units), measure=measure_label)
    role = "group" if any_link else "img"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="regionmap" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="{role}" aria-labelledby="{id_prefix}-title {id_prefix}-desc" '
        f'font-family="{FONT_FAMILY}" font-size="12">',
        f'<title id="{id_prefix}-title">{_text(title)}</title>',
        f'<desc id="{id_prefix}-desc">{_text(description + summary)}</desc>',
        f"<style{f' nonce={chr(34)}{_text(style_nonce)}{chr(34)}' if style_nonce else ''}>{MAP_CSS}</style>",
        f'<defs><pattern id="{hatch}" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{NO_DATA_FILL}"/>'
        f'<path d="M0 0V6" stroke="{NO_DATA_HATCH}" stroke-width="1.5"/></pattern></defs>',
        f'<rect class="rm-background" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text class="rm-title" x="{_MARGIN:.0f}" y="34" font-size="20" font-weight="bold" '
        f'fill="#111827">{_text(_cut(title, (width - 2 * _MARGIN) / 20))}</text>',
    ]
    if note:
        out.append(
            f'<text class="rm-note" x="{_MARGIN:.0f}" y="56" fill="#4b5563">'
            f"{_text(_cut(note, (width - 2 * _MARGIN) / 12))}</text>"
        )

    # Units, grouped by class.
    if drawn:
        out.append(
            f'<g class="rm-units" stroke="{BORDER}" stroke-width="0.6" stroke-linejoin="round" '
            'fill-rule="evenodd">'
        )
        by_class: dict[int, list[_Drawn]] = {}
        for item in drawn:
            by_class.setdefault(legend.assignment[item.index], []).append(item)
        for entry_index in sorted(by_class):
            entry = entries[entry_index]
            group = entry.key if not categorical or entry.key == "none" else f"c{entry_index + 1}"
            out.append(
                f'<g class="rm-{_text(group)}" data-key="{_text(entry.key)}" fill="{_text(paint(entry))}">'
            )
            for item in by_class[entry_index]:
                unit = units[item.index]
                tip = texts.tooltip.format(
                    name=unit.name, measure=measure_label, value=_value_text(unit, entry, categorical, texts)
                )
                href = _link(unit.href)
                tag = f'a href="{href}"' if href else "g"
                out.append(
                    f'<{tag} data-id="{_text(unit.id)}"><title>{_text(tip)}</title>'
                    f'<path d="{item.d}"/></{tag.split()[0]}>'
                )
            out.append("</g>")
        out.append("</g>")
        for item in drawn:
            if highlight_id is not None and units[item.index].id == highlight_id:
                out.append(
                    f'<path class="rm-highlight" d="{item.d}" fill="none" stroke="#111827" '
                    'stroke-width="2.5" fill-rule="evenodd" pointer-events="none"/>'
                )
        out.extend(_labels(units, drawn, legend))
    else:
        cx, cy = (map_x0 + map_x1) / 2, (map_y0 + map_y1) / 2
        out.append(
            f'<rect class="rm-empty" x="{map_x0:.0f}" y="{map_y0:.0f}" width="{map_x1 - map_x0:.0f}" '
            f'height="{map_y1 - map_y0:.0f}" fill="#f9fafb" stroke="#d1d5db" stroke-dasharray="6 4"/>'
            f'<text class="rm-empty-text" x="{cx:.0f}" y="{cy:.0f}" text-anchor="middle" font-size="18" '
            f'fill="#6b7280">{_text(texts.empty)}</text>'
        )

    # Side panel: legend, units without boundary, scale bar and north arrow.
    px0 = width - _MARGIN - _PANEL
    px1 = width - _MARGIN
    y = header
    rows = [e for e in entries if e.key != "none" or e.count]
    legend_height = 50 + 20 * len(rows)
    out.append(
        f'<g class="rm-legend"><rect class="rm-panel" x="{px0:.0f}" y="{y:.0f}" width="{_PANEL:.0f}" '
        f'height="{legend_height}" fill="#ffffff" stroke="#d1d5db"/>'
        f'<text class="rm-legend-heading" x="{px0 + 10:.0f}" y="{y + 20:.0f}" font-size="14" '
        f'font-weight="bold" fill="#111827">{_text(texts.legend)}</text>'
        f'<text class="rm-legend-measure" x="{px0 + 10:.0f}" y="{y + 38:.0f}" fill="#4b5563">'
        f"{_text(_cut(measure_label, 15))}</text>"
    )
    for k, entry in enumerate(rows):
        ry = y + 48 + 20 * k
        out.append(
            f'<g class="rm-legend-row" data-key="{_text(entry.key)}">'
            f'<rect x="{px0 + 10:.0f}" y="{ry:.0f}" width="22" height="14" fill="{_text(paint(entry))}" '
            f'stroke="{BORDER}" stroke-width="0.6"/>'
            f'<text x="{px0 + 40:.0f}" y="{ry + 11:.0f}" fill="#111827">{_text(_cut(entry.label, 10))}</text>'
            f'<text x="{px1 - 10:.0f}" y="{ry + 11:.0f}" text-anchor="end" fill="#374151">'
            f"{_text(texts.count.format(n=entry.count))}</text></g>"
        )
    out.append("</g>")
    y += legend_height + 14
    scale_top = height - _MARGIN - 58
    if unmapped:
        out.extend(_unmapped_box(units, unmapped, legend, categorical, texts, paint, px0, y, scale_top - 12))
    if drawn:
        out.extend(_scale_and_north(km_per_px, px0, scale_top, texts))
    out.append("</svg>")
    return "\n".join(out)


def _unmapped_box(
    units: Sequence[MapUnit],
    unmapped: list[int],
    legend: MapLegend,
    categorical: bool,
    texts: MapTexts,
    paint: Any,
    x0: float,
    y0: float,
    bottom: float,
) -> list[str]:
    """The units without a usable boundary, by name and value, as many as fit, then "另有 N 个"."""
    capacity = max(0, int((bottom - y0 - 34) // 17))
    shown = unmapped if len(unmapped) <= capacity else unmapped[: max(0, capacity - 1)]
    height = 34 + 17 * (len(shown) + (1 if len(shown) < len(unmapped) else 0))
    out = [
        f'<g class="rm-nb"><rect class="rm-panel" x="{x0:.0f}" y="{y0:.0f}" width="{_PANEL:.0f}" '
        f'height="{height}" fill="#ffffff" stroke="#d1d5db"/>'
        f'<text class="rm-nb-heading" x="{x0 + 10:.0f}" y="{y0 + 20:.0f}" font-size="13" font-weight="bold" '
        f'fill="#111827">{_text(texts.no_boundary)}（{len(unmapped)}）</text>'
    ]
    for k, index in enumerate(shown):
        unit = units[index]
        entry = legend.entries[legend.assignment[index]]
        value = _value_text(unit, entry, categorical, texts)
        ry = y0 + 30 + 17 * k
        tip = texts.tooltip.format(name=unit.name, measure=legend.heading, value=value)
        row = (
            f"<title>{_text(tip)}</title>"
            f'<rect x="{x0 + 10:.0f}" y="{ry + 2:.0f}" width="10" height="10" fill="{_text(paint(entry))}" '
            f'stroke="{BORDER}" stroke-width="0.6"/>'
            f'<text x="{x0 + 26:.0f}" y="{ry + 11:.0f}" fill="#111827">{_text(_cut(unit.name, 9))}</text>'
            f'<text x="{x0 + _PANEL - 10:.0f}" y="{ry + 11:.0f}" text-anchor="end" fill="#374151">'
            f"{_text(_cut(value, 6))}</text>"
        )
        href = _link(unit.href)
        if href:
            out.append(f'<a href="{href}" data-id="{_text(unit.id)}">{row}</a>')
        else:
            out.append(f'<g data-id="{_text(unit.id)}">{row}</g>')
    if len(shown) < len(unmapped):
        ry = y0 + 30 + 17 * len(shown)
        out.append(
            f'<text x="{x0 + 10:.0f}" y="{ry + 11:.0f}" fill="#4b5563">'
            f"{_text(texts.more.format(n=len(unmapped) - len(shown)))}</text>"
        )
    out.append("</g>")
    return out


def _scale_and_north(km_per_px: float, x0: float, top: float, texts: MapTexts) -> list[str]:
    """A two-segment black-and-white scale bar and a north arrow, in the panel's bottom corner."""
    km = _nice_distance(120 * km_per_px)
    length = km / km_per_px
    if km >= 1:
        caption = f"{format_value(km)} {texts.kilometres}"
    else:
        caption = f"{format_value(km * 1000)} {texts.metres}"
    bx, by = x0 + 10, top + 40
    half = length / 2
    nx, ny = x0 + _PANEL - 24, top + 4
    return [
        f'<g class="rm-scale" font-size="11" fill="#111827">'
        f'<rect x="{bx:.1f}" y="{by:.1f}" width="{half:.1f}" height="5" fill="#111827" stroke="#111827" '
        'stroke-width="0.8"/>'
        f'<rect x="{bx + half:.1f}" y="{by:.1f}" width="{half:.1f}" height="5" fill="#ffffff" '
        'stroke="#111827" stroke-width="0.8"/>'
        f'<text x="{bx:.1f}" y="{by - 4:.1f}" text-anchor="middle">0</text>'
        f'<text x="{bx + length:.1f}" y="{by - 4:.1f}" text-anchor="middle">{_text(caption)}</text></g>',
        f'<g class="rm-north" stroke="#111827" stroke-width="0.8" stroke-linejoin="round">'
        f'<path d="M{nx:.1f} {ny + 14:.1f}l-7 30 7-7z" fill="#111827"/>'
        f'<path d="M{nx:.1f} {ny + 14:.1f}l7 30-7-7z" fill="#ffffff"/>'
        f'<text x="{nx:.1f}" y="{ny + 10:.1f}" text-anchor="middle" font-size="13" font-weight="bold" '
        f'fill="#111827" stroke="none">{_text(texts.north)}</text></g>',
    ]
