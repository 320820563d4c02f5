"""The battle map's data and its classes: units, categories, texts, palette and legend.

Holds the types a caller hands to ``regionmap_svg.render_map`` (``MapUnit``, ``Category``,
``MapTexts``) and what ``classify`` makes of them (``MapLegend`` of ``LegendEntry``): zero, no data
and up to 7 numeric classes bounded by ``nice_breaks``, or one class per category; the colour ramps,
``format_value`` for the legend's and tooltips' numbers and ``_lightness`` for the labels' contrast.
See ``regionmap_svg`` for why the classes and colours are what they are. Stdlib only.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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
MAX_CLASSES = len(RAMP)


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
