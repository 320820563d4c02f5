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
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# ---------------------------------------------------------------------------------------------
# Public constants
# ---------------------------------------------------------------------------------------------

# Locally installed CJK fonts only: no web font is ever fetched.
FONT_FAMILY = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', SimHei, sans-serif"

# Sequential yellow–orange–brown (the hues of ColorBrewer's YlOrBr, colour-blind safe), light to dark.
# What a greyscale printer or copier keeps is the grey level (Rec. 709 luma of the sRGB values), in
# which deep reds collapse into black; these ramps step evenly in it. Five classes (the default): grey
# 219, 173, 132, 90, 49 (CIE L* 88, 74, 61, 45, 24); other counts spread over the seven of RAMP
# (YlOrBr itself: grey 227, 200, 166, 132, 98, 70, 49).
RAMP = ("#fee391", "#fec44f", "#fe9929", "#ec7014", "#cc4c02", "#993404", "#662506")
RAMP_5 = ("#fed98e", "#fea13a", "#ec7014", "#b84703", "#662506")
ZERO_FILL = "#f7f7f7"  # grey 247, L* 97: paler than every class
NO_DATA_FILL = "#ffffff"  # under grey hatching
NO_DATA_HATCH = "#9ca3af"
BORDER = "#4b5563"
MAX_CLASSES = len(RAMP)

CHUNKS = 16  # a ring's simplification starts from up to this many chains
MIN_FONT = 9.0  # px; about 7 pt on A4 landscape
MAX_FONT = 16.0

MAP_CSS = (
    ".regionmap .rm-units a:hover path,.regionmap .rm-units a:focus path{stroke:#111827;stroke-width:2}"
    ".regionmap .rm-units a:focus{outline:none}"
    ".regionmap .rm-units a:focus-visible path{stroke:#1d4ed8;stroke-width:2.5}"
    ".regionmap .rm-nb a:hover text,.regionmap .rm-nb a:focus-visible text{text-decoration:underline}"
    "@media print{.regionmap .rm-units{stroke:#000}"
    ".regionmap .rm-units a:hover path,.regionmap .rm-units a:focus path{stroke:#000;stroke-width:.6}"
    ".regionmap .rm-panel{stroke:#000}}"
)


@dataclass(frozen=True, slots=True)
class MapTexts:
    """The fixed words of the map, Chinese by default; pass translated ones for another language.

    The templates are ``str.format`` strings with the named fields shown.
    """

    legend: str = "图例"
    no_data: str = "无数据"
    no_boundary: str = "无边界"
    empty: str = "暂无边界数据，无法绘制作战图"
    more: str = "另有 {n} 个"
    count: str = "{n}个"
    tooltip: str = "{name}：{measure} {value}"
    kilometres: str = "公里"
    metres: str = "米"
    north: str = "北"
    description: str = "{title}：{n} 个单位按{measure}着色。"


@dataclass(frozen=True, slots=True)
class MapUnit:
    """One region on the map.

    ``geometry`` is a GeoJSON Polygon or MultiPolygon (lon/lat, WGS 84; a Feature is unwrapped) or
    None. ``value`` is the numeric measure, ``category`` the key of a ``Category`` for categorical
    maps; the one not in use is ignored. ``href`` is the drill-down link, ``label`` a short text
    shown under the name when there is room (e.g. "12人").
    """

    id: int
    name: str
    geometry: Mapping[str, Any] | None = None
    value: float | None = None
    category: str | None = None
    href: str | None = None
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Category:
    """A colour of a categorical map, e.g. a report status."""

    key: str
    label: str
    fill: str


# Today's report status of a village or town: lightness 69 / 87 / 48, blue against red.
REPORT_STATUS = (
    Category("reported", "已报告", "#6baed6"),
    Category("zero", "零报告", "#c6dbef"),
    Category("missing", "未报告", "#d7301f"),
)


@dataclass(frozen=True, slots=True)
class LegendEntry:
    """One class of the legend: ``key`` is "0", "k1"…"k7", "none" or a category's key."""

    key: str
    label: str
    fill: str
    count: int
    hatched: bool = False


@dataclass(frozen=True, slots=True)
class MapLegend:
    """The classes of a map and each unit's class.

    ``assignment[i]`` is the index in ``entries`` of the class of the i-th unit (input order).
    ``breaks`` are the upper bounds of the numeric classes (empty for categorical maps); a value v
    other than zero falls in the first class whose bound is ≥ v, or in an open top class above the
    last bound when the caller fixed the breaks.
    """

    heading: str
    entries: tuple[LegendEntry, ...]
    assignment: tuple[int, ...]
    breaks: tuple[float, ...]


# ---------------------------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------------------------

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
_UNSAFE_SCHEME = re.compile(r"\s*(javascript|vbscript|data)\s*:", re.IGNORECASE)
_SUFFIXES = (
    "街道办事处",
    "社区居委会",
    "村民委员会",
    "居民委员会",
    "办事处",
    "居委会",
    "村委会",
    "街道",
    "社区",
    "网格",
    "镇",
    "乡",
    "村",
)


def _text(value: object) -> str:
    """Escape for XML text and attribute values, dropping characters XML cannot carry."""
    raw = _NOT_XML.sub("", str(value))
    return raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def format_value(value: float | None, decimals: int = 2) -> str:
    """Format a measure: "1,234" (thousands always separated by a comma: Chinese official tables
    write 1,234 or 1234, and one map uses one style), "12.5" (at most ``decimals`` decimals, trailing
    zeros dropped); "" for None, NaN or infinity."""
    if value is None or not math.isfinite(value):
        return ""
    text = f"{round(value, decimals):,.{decimals}f}" if decimals > 0 else f"{round(value):,d}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _em(text: str) -> float:
    """Width of a text in em: CJK and other wide characters 1, the rest about 0.6."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6 for ch in text)


def _abbreviate(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _cut(text: str, em: float) -> str:
    """Shorten a text to at most ``em`` em, with "…" when cut."""
    if _em(text) <= em:
        return text
    out, used = "", 1.0
    for ch in text:
        used += _em(ch)
        if used > em:
            break
        out += ch
    return out + "…"


# ---------------------------------------------------------------------------------------------
# Classification
# ---------------------------------------------------------------------------------------------

_NICE = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def _round_up(value: float, integer: bool, nice: bool) -> float:
    """The smallest "nice" number (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10ⁿ), or with ``nice`` false the
    smallest number of two significant digits, not below a positive value (integers when asked)."""
    if value <= 0:
        return value
    magnitude = math.floor(math.log10(value))
    if nice:
        scale = 10.0**magnitude
        result = value
        for step in _NICE:
            if step * scale >= value * (1 - 1e-12):
                result = round(step * scale, 12)
                break
    else:
        scale = 10.0 ** (magnitude - 1)
        result = round(math.ceil(value / scale - 1e-9) * scale, 12)
    return float(math.ceil(result - 1e-9)) if integer else result


def nice_breaks(values: Sequence[float], classes: int = 5) -> tuple[float, ...]:
    """Upper bounds of up to ``classes`` classes for finite non-zero values, the last one their maximum.

    With at most ``classes`` distinct values, the distinct values themselves. Otherwise the i/k
    quantiles rounded up to nice numbers (integers when all values are), duplicates and those at or
    above the maximum dropped: every class holds at least the quantile that made it. When the nice
    numbers are too coarse and merge classes (quantiles 8, 16, 24, 32 would become 8, 20, 25, 40),
    the quantiles are rounded up to two significant digits instead.
    """
    data = sorted(v for v in values if v != 0 and math.isfinite(v))
    if not data:
        return ()
    distinct = sorted(set(data))
    if len(distinct) <= classes:
        return tuple(distinct)
    integer = all(v == int(v) for v in data)
    top = data[-1]
    n = len(data)
    quantiles = [data[math.ceil(i * n / classes) - 1] for i in range(1, classes)]
    candidates: list[list[float]] = []
    for nice in (True, False):
        bounds: list[float] = []
        for quantile in quantiles:
            bound = _round_up(quantile, integer, nice)
            if bound < top and (not bounds or bound > bounds[-1]):
                bounds.append(bound)
        candidates.append([*bounds, top])
    rounded, close = candidates
    return tuple(rounded if len(rounded) >= len(close) else close)


def _ramp(count: int) -> list[str]:
    """``count`` colours of the ramp spread from light to the darkest."""
    if count == len(RAMP_5):
        return list(RAMP_5)
    if count <= 1:
        return [RAMP[-1]] * count
    last = len(RAMP) - 1
    return [RAMP[int(i * last / (count - 1) + 0.5)] for i in range(count)]


def _class_labels(
    bounds: Sequence[float], open_top: bool, exact: bool, integer: bool, negative: bool
) -> list[str]:
    if exact:
        return [format_value(b) for b in bounds]
    labels: list[str] = []
    for i in range(len(bounds) + (1 if open_top else 0)):
        lower = bounds[i - 1] if i > 0 else (None if negative else 0.0)
        upper = bounds[i] if i < len(bounds) else None
        if integer:
            first = None if lower is None else lower + 1
            if upper is None:
                labels.append(f"≥{format_value(first)}")
            elif first is None:
                labels.append(f"≤{format_value(upper)}")
            elif first >= upper:
                labels.append(format_value(upper))
            else:
                labels.append(f"{format_value(first)}–{format_value(upper)}")
        elif upper is None:
            labels.append(f">{format_value(lower)}")
        elif lower is None:
            labels.append(f"≤{format_value(upper)}")
        else:
            labels.append(f"{format_value(lower)}–{format_value(upper)}")
    return labels


def _number(value: float | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def classify(
    units: Sequence[MapUnit],
    *,
    measure_label: str = "",
    categories: Sequence[Category] | None = None,
    classes: int = 5,
    breaks: Sequence[float] | None = None,
    texts: MapTexts = MapTexts(),
) -> MapLegend:
    """Put every unit in a class: by ``categories`` when given, else by ``value`` (see the module)."""
    if not 1 <= classes <= MAX_CLASSES:
        raise ValueError(f"classes must be 1 to {MAX_CLASSES}")
    entries: list[LegendEntry] = []
    raw: list[int] = []  # index into entries, -1 for no data
    bounds: tuple[float, ...] = ()
    if categories is not None:
        index = {c.key: i for i, c in reversed(list(enumerate(categories)))}
        entries = [LegendEntry(c.key, c.label, c.fill, 0) for c in categories]
        raw = [index.get(u.category, -1) if u.category is not None else -1 for u in units]
    else:
        values = [_number(u.value) for u in units]
        present = [v for v in values if v is not None]
        fixed = breaks is not None
        if breaks is not None:
            bounds = tuple(sorted({float(b) for b in breaks if math.isfinite(b)}))
            if not bounds or len(bounds) + 1 > MAX_CLASSES:
                raise ValueError(f"breaks must hold 1 to {MAX_CLASSES - 1} finite numbers")
        else:
            bounds = nice_breaks(present, classes)
        distinct = {v for v in present if v != 0}
        exact = not fixed and len(distinct) <= classes
        integer = all(v == int(v) for v in present) and all(b == int(b) for b in bounds)
        negative = any(v < 0 for v in present)
        labels = _class_labels(bounds, fixed, exact, integer, negative)
        entries = [LegendEntry("0", "0", ZERO_FILL, 0)]
        entries += [
            LegendEntry(f"k{i + 1}", label, fill, 0)
            for i, (label, fill) in enumerate(zip(labels, _ramp(len(labels)), strict=True))
        ]
        for v in values:
            if v is None:
                raw.append(-1)
            elif v == 0:
                raw.append(0)
            else:
                raw.append(1 + min(bisect.bisect_left(bounds, v), len(labels) - 1))
    counts = [0] * len(entries)
    missing = 0
    for i in raw:
        if i < 0:
            missing += 1
        else:
            counts[i] += 1
    entries = [
        LegendEntry(e.key, e.label, e.fill, n, e.hatched) for e, n in zip(entries, counts, strict=True)
    ]
    if missing:
        entries.append(LegendEntry("none", texts.no_data, NO_DATA_FILL, missing, hatched=True))
    none_index = len(entries) - 1
    assignment = tuple(i if i >= 0 else none_index for i in raw)
    return MapLegend(measure_label, tuple(entries), assignment, bounds)


def _lightness(colour: str) -> float:
    """CIE L* of a "#rrggbb" colour (0 black … 100 white); 50 when it cannot be read."""
    try:
        r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    except (ValueError, IndexError):
        return 50.0
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return 116 * y ** (1 / 3) - 16 if y > 0.008856 else 903.3 * y


# ---------------------------------------------------------------------------------------------
# Geometry
# ---------------------------------------------------------------------------------------------

# A ring: longitudes, latitudes (closing point dropped), and its box (west, south, east, north).
_Ring = tuple[Sequence[float], Sequence[float], tuple[float, float, float, float]]
_BAD = (TypeError, ValueError, KeyError, IndexError, OverflowError, AttributeError, StopIteration)


class _BadCoordinate(Exception):
    """A coordinate that is not a finite longitude/latitude: the whole geometry is unusable."""


def _area2(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Twice the signed area of a ring, computed about its first point (no cancellation)."""
    x0, y0 = xs[0], ys[0]
    cx = [x - x0 for x in xs]
    cy = [y - y0 for y in ys]
    return math.sumprod(cx, cy[1:] + cy[:1]) - math.sumprod(cx[1:] + cx[:1], cy)


def _ring(raw: Any) -> _Ring | None:
    """One ring in lon/lat, or None when it has fewer than 3 distinct points or no area.

    Raises ``_BadCoordinate`` (or a TypeError and the like) for a position that is not a pair of
    finite numbers in range.
    """
    if not raw:
        return None
    xs: Sequence[float] = [p[0] for p in raw]
    ys: Sequence[float] = [p[1] for p in raw]
    # A sum is finite only if every term is (an overflow needs terms far out of range): one fast pass.
    if not (math.isfinite(sum(xs)) and math.isfinite(sum(ys))):
        raise _BadCoordinate
    west, east, south, north = min(xs), max(xs), min(ys), max(ys)
    if west < -180 or east > 180 or south < -90 or north > 90:
        raise _BadCoordinate
    if len(xs) > 1 and xs[0] == xs[-1] and ys[0] == ys[-1]:
        xs, ys = xs[:-1], ys[:-1]
    n = len(xs)
    if n < 3 or west == east or south == north:
        return None
    limit = 1e-9 * (east - west) * (north - south)
    # A sample of about 16 points decides for large rings; the full ring only when the sample is flat.
    step = max(1, n // 16)
    if step == 1 or abs(_area2(xs[::step], ys[::step])) <= limit:
        if abs(_area2(xs, ys)) <= limit:
            return None  # collinear: no area
    return xs, ys, (float(west), float(south), float(east), float(north))


def _polygons(geometry: Any) -> list[list[_Ring]]:
    """The polygons of a GeoJSON geometry, each a list of rings (exterior first); [] if unusable."""
    try:
        if not isinstance(geometry, Mapping):
            return []
        kind = geometry.get("type")
        if kind == "Feature":
            geometry = geometry.get("geometry")
            if not isinstance(geometry, Mapping):
                return []
            kind = geometry.get("type")
        if kind == "Polygon":
            raw_polygons = [geometry["coordinates"]]
        elif kind == "MultiPolygon":
            raw_polygons = list(geometry["coordinates"])
        else:
            return []
        polygons: list[list[_Ring]] = []
        for raw_polygon in raw_polygons:
            rings: list[_Ring] = []
            for k, raw_ring in enumerate(raw_polygon):
                ring = _ring(raw_ring)
                if ring is None:
                    if k == 0:
                        break  # no exterior: its holes mean nothing
                    continue
                rings.append(ring)
            if rings:
                polygons.append(rings)
        return polygons
    except (_BadCoordinate, *_BAD):
        return []


def _simplify(xs: Sequence[float], ys: Sequence[float], tolerance: float, aspect: float) -> list[int]:
    """Douglas–Peucker on a closed ring (no closing point): the indices of the points kept.

    Runs on longitude/latitude: ``aspect`` is the x scale (cos latitude) and ``tolerance`` is in
    degrees of latitude; the cross product's common factor ``aspect`` is taken out, so no point is
    projected before it is known to be kept. The ring starts cut into up to ``CHUNKS`` chains of at
    least 12 points at fixed vertices (kept: a few more vertices than strictly needed, about 9 % more
    bytes) so that the first levels, which would visit every point, are skipped: in pure Python the
    cost is per call and per visited point, and this takes a fifth off the time.
    """
    n = len(xs)
    if n <= 4:
        return list(range(n))
    px = [*xs, xs[0]]
    py = [*ys, ys[0]]
    k2 = aspect * aspect
    tol2 = tolerance * tolerance
    step = max(2, n // max(2, min(CHUNKS, n // 12)))
    kept = list(range(0, n, step))
    stack: list[int] = []
    for a, b in zip(kept, [*kept[1:], n], strict=True):
        if b - a > 1:
            stack += (a, b)
    pop = stack.pop
    keep = kept.append
    while stack:
        j = pop()
        i = pop()
        ax = px[i]
        ay = py[i]
        dx = px[j] - ax
        dy = py[j] - ay
        length2 = k2 * dx * dx + dy * dy
        if length2 > 0:
            # Signed cross products, offset c apart: the farthest point is the max or the min.
            c = dx * ay - dy * ax
            cross = [dy * x - dx * y for x, y in zip(px[i + 1 : j], py[i + 1 : j], strict=False)]
            high = max(cross)
            low = min(cross)
            worst = high + c if high + c >= -(low + c) else -(low + c)
            if k2 * worst * worst <= tol2 * length2:
                continue
            k = cross.index(high if high + c >= -(low + c) else low) + i + 1
        else:
            dist = [
                k2 * (x - ax) * (x - ax) + (y - ay) * (y - ay)
                for x, y in zip(px[i + 1 : j], py[i + 1 : j], strict=False)
            ]
            worst = max(dist)
            if worst <= tol2:
                continue
            k = dist.index(worst) + i + 1
        keep(k)
        if k - i > 1:
            stack += (i, k)
        if j - k > 1:
            stack += (k, j)
    kept.sort()
    return kept


@lru_cache(maxsize=512)
def _template(steps: int) -> str:
    return "M%g %gl" + " ".join(["%g %g"] * steps) + "z"


def _ring_path(qx: list[int], qy: list[int]) -> str:
    """Path data of a ring given in tenths of a pixel: the first point, then relative steps (between
    rounded points, so no drift); "" when fewer than 3 distinct points remain."""
    if len(qx) < 3:
        return ""
    if (len(qx) <= 12 or max(qx) - min(qx) + max(qy) - min(qy) < 3) and len(
        set(zip(qx, qy, strict=True))
    ) < 3:
        return ""  # a sub-pixel ring rounds to fewer than 3 distinct points
    sx = [(b - a) / 10 for a, b in itertools.pairwise(qx)]
    sy = [(b - a) / 10 for a, b in itertools.pairwise(qy)]
    steps = itertools.chain.from_iterable(zip(sx, sy, strict=True))
    return (_template(len(sx)) % (qx[0] / 10, qy[0] / 10, *steps)).replace(" -", "-")


# An edge (x1, y1, x2, y2) in pixels.
_Edge = tuple[float, float, float, float]


def _cross_h(edges: list[_Edge], y: float) -> list[float]:
    """Where the horizontal line at y crosses the boundary, sorted."""
    return sorted([x1 + (y - y1) * (x2 - x1) / (y2 - y1) for x1, y1, x2, y2 in edges if (y1 > y) != (y2 > y)])


def _cross_v(edges: list[_Edge], x: float) -> list[float]:
    return sorted([y1 + (x - x1) * (y2 - y1) / (x2 - x1) for x1, y1, x2, y2 in edges if (x1 > x) != (x2 > x)])


def _run(crossings: list[float], at: float) -> tuple[float, float] | None:
    """The interior run (even-odd) of a scanline that contains ``at``."""
    for k in range(0, len(crossings) - 1, 2):
        if crossings[k] <= at <= crossings[k + 1]:
            return crossings[k], crossings[k + 1]
    return None


def _box_inside(edges: list[_Edge], cx: float, cy: float, half_w: float, half_h: float) -> bool:
    """Whether the four sides of a box lie inside (no boundary crosses them, the corner is inside)."""
    left, right, top, bottom = cx - half_w, cx + half_w, cy - half_h, cy + half_h
    for y in (top, bottom):
        crossings = _cross_h(edges, y)
        if any(left < c < right for c in crossings) or sum(1 for c in crossings if c <= left) % 2 == 0:
            return False
    for x in (left, right):
        if any(top < c < bottom for c in _cross_v(edges, x)):
            return False
    return True


def _anchor(edges: list[_Edge], box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """An interior point for a horizontal label and the room there: (x, y, width, height)."""
    _west, north, _east, south = box
    height = south - north
    lines = 3 if height < 40 else 5 if height < 160 else 7
    candidates: list[tuple[float, int, float, float]] = []
    for i in range(lines):
        y = north + height * (i + 0.5) / lines
        crossings = _cross_h(edges, y)
        best: tuple[float, float] | None = None
        for k in range(0, len(crossings) - 1, 2):
            if best is None or crossings[k + 1] - crossings[k] > best[1] - best[0]:
                best = (crossings[k], crossings[k + 1])
        if best is not None:
            candidates.append((-(best[1] - best[0]), i, (best[0] + best[1]) / 2, y))
    candidates.sort()
    chosen = (0.0, 0.0, 0.0, 0.0)
    for negative_width, _i, x, y in candidates[: 1 if height < 40 else 3]:
        width, height_room = -negative_width, 0.0
        vertical = _run(_cross_v(edges, x), y)
        if vertical is not None:
            y, height_room = (vertical[0] + vertical[1]) / 2, vertical[1] - vertical[0]
            horizontal = _run(_cross_h(edges, y), x)
            if horizontal is not None:
                x, width = (horizontal[0] + horizontal[1]) / 2, horizontal[1] - horizontal[0]
        if min(width, 2.5 * height_room) > min(chosen[2], 2.5 * chosen[3]):
            chosen = (x, y, width, height_room)
    return chosen


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------

_KM_PER_DEGREE = 111.195  # one degree of latitude on a sphere of the mean Earth radius
_MARGIN = 16.0
_PANEL = 200.0


@dataclass(slots=True)
class _Drawn:
    """A unit with usable geometry, once projected: path data, rings and box in pixels."""

    index: int
    d: str
    rings: list[tuple[list[int], list[int]]]  # in tenths of a pixel
    box: tuple[float, float, float, float]  # west, north, east, south in pixels

    def edges(self) -> list[_Edge]:
        """Every ring's edges in pixels, for placing the label (built only for units big enough)."""
        edges: list[_Edge] = []
        for qx, qy in self.rings:
            xs = [x / 10 for x in qx]
            ys = [y / 10 for y in qy]
            edges.extend(zip(xs, ys, xs[1:] + xs[:1], ys[1:] + ys[:1], strict=True))
        return edges


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
    texts: MapTexts = MapTexts(),
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
    boxes = [ring[2] for unit_polygons in polygons for rings in unit_polygons for ring in rings[:1]]
    header = 72.0 if note else 52.0
    map_x0, map_y0 = _MARGIN, header
    map_x1, map_y1 = width - _MARGIN * 2 - _PANEL, height - _MARGIN
    drawn: list[_Drawn] = []
    km_per_px = 0.0
    if boxes:
        west = min(b[0] for b in boxes)
        south = min(b[1] for b in boxes)
        east = max(b[2] for b in boxes)
        north = max(b[3] for b in boxes)
        coslat = math.cos(math.radians((south + north) / 2))
        span_x = max((east - west) * coslat, 1e-12)
        span_y = max(north - south, 1e-12)
        pad = 8.0
        scale = min((map_x1 - map_x0 - 2 * pad) / span_x, (map_y1 - map_y0 - 2 * pad) / span_y)
        kx = coslat * scale
        ox = map_x0 + (map_x1 - map_x0 - span_x * scale) / 2 - west * kx
        oy = map_y0 + (map_y1 - map_y0 - span_y * scale) / 2 + north * scale
        km_per_px = _KM_PER_DEGREE / scale
        tolerance = 0.5 / scale  # half a pixel, in degrees of latitude
        kx10, ox10, scale10, oy10 = kx * 10, ox * 10, scale * 10, oy * 10
        for index, unit_polygons in enumerate(polygons):
            if not unit_polygons:
                continue
            parts: list[str] = []
            drawn_rings: list[tuple[list[int], list[int]]] = []
            for rings in unit_polygons:
                for k, (lons, lats, _box) in enumerate(rings):
                    kept = _simplify(lons, lats, tolerance, coslat)
                    # Projected straight to tenths of a pixel, the grid the path is written on.
                    qx = [round(lons[i] * kx10 + ox10) for i in kept]
                    qy = [round(oy10 - lats[i] * scale10) for i in kept]
                    d = _ring_path(qx, qy)
                    if not d and len(kept) < len(lons):
                        qx = [round(x * kx10 + ox10) for x in lons]  # too small to simplify: all points
                        qy = [round(oy10 - y * scale10) for y in lats]
                        d = _ring_path(qx, qy)
                    if not d:
                        if k == 0:
                            break  # smaller than a tenth of a pixel
                        continue
                    parts.append(d)
                    drawn_rings.append((qx, qy))
            if not parts:
                # Too small to draw at this scale: a dot at its place keeps it visible and clickable.
                lons, lats, (w, s, e, n) = unit_polygons[0][0]
                cx, cy = (w + e) / 2 * kx + ox, oy - (s + n) / 2 * scale
                parts.append(f"M{cx - 2:.1f} {cy:.1f}a2 2 0 1 0 4 0a2 2 0 1 0-4 0z")
                drawn_rings = []
            outer = [rings[0][2] for rings in unit_polygons]
            box = (
                min(b[0] for b in outer) * kx + ox,
                oy - max(b[3] for b in outer) * scale,
                max(b[2] for b in outer) * kx + ox,
                oy - min(b[1] for b in outer) * scale,
            )
            drawn.append(_Drawn(index, "".join(parts), drawn_rings, box))
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


def _labels(units: Sequence[MapUnit], drawn: list[_Drawn], legend: MapLegend) -> list[str]:
    """Names (and short labels) inside the units, sized to the room, light on dark fills."""
    out = [
        '<g class="rm-labels" pointer-events="none" text-anchor="middle" fill="#111827" stroke="#ffffff" '
        'stroke-width="2.5" stroke-linejoin="round" paint-order="stroke">'
    ]
    for item in drawn:
        west, north, east, south = item.box
        unit = units[item.index]
        name = " ".join(unit.name.split())
        extra = " ".join((unit.label or "").split())
        if not name or not item.rings:
            continue
        short = _abbreviate(name)
        if (east - west) * 0.92 < _em(short) * MIN_FONT or (south - north) * 0.92 < 1.2 * MIN_FONT:
            continue  # not even the short name fits the box around the unit
        edges = item.edges()
        x, y, room_w, room_h = _anchor(edges, item.box)
        if room_w < MIN_FONT or room_h < MIN_FONT:
            continue
        attempts = [(name, extra), (name, ""), (short, "")] if extra else [(name, ""), (short, "")]
        placed: tuple[str, str, float] | None = None
        for text, sub in attempts:
            em_w = max(_em(text), 0.8 * _em(sub)) if sub else _em(text)
            em_h = 2.2 if sub else 1.2
            size = min(MAX_FONT, 0.92 * room_w / em_w, 0.92 * room_h / em_h)
            for _try in range(2):
                if size < MIN_FONT:
                    break
                if _box_inside(edges, x, y, em_w * size / 2, em_h * size / 2):
                    placed = (text, sub, size)
                    break
                size *= 0.8
            if placed:
                break
        if placed is None:
            continue
        text, sub, size = placed
        entry = legend.entries[legend.assignment[item.index]]
        dark = not entry.hatched and _lightness(entry.fill) < 55
        colour = ' class="rm-name rm-on-dark" fill="#ffffff" stroke="#1f2937"' if dark else ' class="rm-name"'
        if sub:
            out.append(
                f'<text{colour} x="{x:.1f}" y="{y - 0.15 * size:.1f}" font-size="{size:.1f}">'
                f"{_text(text)}</text>"
                f'<text{colour.replace("rm-name", "rm-sub")} x="{x:.1f}" y="{y + 0.88 * size:.1f}" '
                f'font-size="{0.8 * size:.1f}">{_text(sub)}</text>'
            )
        else:
            out.append(
                f'<text{colour} x="{x:.1f}" y="{y + 0.35 * size:.1f}" font-size="{size:.1f}">'
                f"{_text(text)}</text>"
            )
    out.append("</g>")
    return out


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
