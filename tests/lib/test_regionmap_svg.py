from __future__ import annotations

import itertools
import math
import re
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from epigrid.lib.regionmap_svg import (
    MAX_FONT,
    MIN_FONT,
    RAMP,
    RAMP_5,
    REPORT_STATUS,
    ZERO_FILL,
    Category,
    MapTexts,
    MapUnit,
    _lightness,
    _simplify,
    classify,
    format_value,
    nice_breaks,
    render_map,
)

NS = "{http://www.w3.org/2000/svg}"
LON, LAT = 103.72, 36.10


def box(west, south, east, north):
    return {
        "type": "Polygon",
        "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]],
    }


def grid(values, cols=4, size=0.02, **extra):
    """Square units in rows of ``cols``, named 单元1…, linked to /r/<id>/."""
    units = []
    for i, value in enumerate(values):
        w, s = LON + (i % cols) * size, LAT + (i // cols) * size
        units.append(
            MapUnit(i + 1, f"单元{i + 1}", box(w, s, w + size, s + size), value, href=f"/r/{i + 1}/", **extra)
        )
    return units


def parse(svg):
    return ElementTree.fromstring(svg)  # noqa: S314 — our own output


def render(units, **kwargs):
    kwargs.setdefault("title", "作战图")
    kwargs.setdefault("measure_label", "医学观察人数")
    return render_map(units, **kwargs)


def unit_groups(root):
    """data-id → (class group's data-key, class group's fill) for every unit drawn on the map."""
    layer = next(g for g in root.iter(f"{NS}g") if g.get("class") == "rm-units")
    found = {}
    for group in layer:
        for item in group:
            found[int(item.get("data-id"))] = (group.get("data-key"), group.get("fill"))
    return found


def links(root):
    return {int(a.get("data-id")): a.get("href") for a in root.iter(f"{NS}a")}


NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:e-?\d+)?")


def subpaths(d):
    """The rings of a path written as "M x y l dx dy … z" (several per path), in absolute pixels."""
    rings = []
    for part in re.findall(r"M[^M]*", d):
        if "a" in part:  # a dot drawn for a unit too small to show
            continue
        numbers = [float(n) for n in NUMBER.findall(part)]
        x, y = numbers[0], numbers[1]
        ring = [(x, y)]
        for k in range(2, len(numbers), 2):
            x, y = x + numbers[k], y + numbers[k + 1]
            ring.append((x, y))
        rings.append(ring)
    return rings


def inside(point, rings):
    """Even-odd point in polygon over all rings."""
    px, py = point
    crossings = 0
    for ring in rings:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y1 > py) != (y2 > py) and px < x1 + (py - y1) * (x2 - x1) / (y2 - y1):
                crossings += 1
    return crossings % 2 == 1


def path_of(root, unit_id):
    for item in root.iter():
        if item.get("data-id") == str(unit_id):
            path = item.find(f"{NS}path")
            if path is not None:
                return path.get("d")
    raise AssertionError(f"no path for {unit_id}")


def label_of(root, text):
    for element in root.iter(f"{NS}text"):
        if element.text == text and "rm-name" in (element.get("class") or ""):
            return element
    return None


def circle(lon, lat, radius, n):
    ring = [
        [
            lon + radius * math.cos(2 * math.pi * k / n) / math.cos(math.radians(lat)),
            lat + radius * math.sin(2 * math.pi * k / n),
        ]
        for k in range(n)
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


# ---------------------------------------------------------------------------------------------
# Document
# ---------------------------------------------------------------------------------------------


def test_a_standalone_accessible_document_with_one_link_per_unit():
    units = grid([0, 1, 2, 3, 5, 8, 13, 40, None])
    units.append(MapUnit(99, "无边界村", None, 7, href="/r/99/"))
    svg = render(units, note="数据截至 2026年11月28日 18时")
    root = parse(svg)
    assert root.tag == f"{NS}svg"
    assert root.get("viewBox") == "0 0 1120 792"
    assert root.get("role") == "group"  # links inside: "img" would hide them from screen readers
    assert root.find(f"{NS}title").text == "作战图"
    assert "医学观察人数" in root.find(f"{NS}desc").text
    assert links(root) == {u.id: f"/r/{u.id}/" for u in units}
    assert len(list(root.iter(f"{NS}a"))) == len(units)
    assert "数据截至 2026年11月28日 18时" in svg
    assert "style=" not in svg
    assert "@media print" in root.find(f"{NS}style").text
    assert "Noto Sans CJK SC" in root.get("font-family") and root.get("font-family").endswith("sans-serif")
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")  # nothing fetched
    # Each link holds its tooltip and its path.
    first = next(a for a in root.iter(f"{NS}a") if a.get("data-id") == "6")
    assert first.find(f"{NS}title").text == "单元6：医学观察人数 8"
    assert first.find(f"{NS}path") is not None


def test_without_links_the_map_is_an_image():
    units = [MapUnit(1, "甲", box(LON, LAT, LON + 0.1, LAT + 0.1), 3)]
    root = parse(render(units))
    assert root.get("role") == "img"
    assert not list(root.iter(f"{NS}a"))


def test_same_input_same_bytes():
    units = grid([0, 1, 2, 3, 5, 8, 13, 40, None, 2, 3])
    assert render(units, highlight_id=3) == render(list(units), highlight_id=3)


def test_ids_prefix_and_style_nonce():
    units = grid([None, 1])
    svg = render(units, id_prefix="m2", style_nonce="abc123")
    root = parse(svg)
    assert root.find(f"{NS}defs/{NS}pattern").get("id") == "m2-nodata"
    assert root.find(f"{NS}style").get("nonce") == "abc123"
    assert 'fill="url(#m2-nodata)"' in svg
    with pytest.raises(ValueError):
        render(units, id_prefix='x" onload="1')


# ---------------------------------------------------------------------------------------------
# Classes and colours
# ---------------------------------------------------------------------------------------------


def test_highest_value_darkest_zero_pale_none_hatched():
    values = [0, 1, 1, 2, 3, 4, 6, 9, 15, 30, 80, 213, None]
    root = parse(render(grid(values)))
    found = unit_groups(root)
    top = values.index(213) + 1
    assert found[top][1] == RAMP[-1]
    assert found[values.index(0) + 1] == ("0", ZERO_FILL)
    assert found[values.index(None) + 1] == ("none", "url(#rm-nodata)")
    # Fills grow darker with the value.
    lightness = [_lightness(found[i + 1][1]) for i, v in enumerate(values) if v]
    assert lightness == sorted(lightness, reverse=True)


def test_legend_counts_and_labels():
    values = [0, 0, 1, 1, 2, 3, 4, 6, 9, 15, 30, 80, 213, None]
    legend = classify(grid(values), measure_label="病例")
    assert [e.key for e in legend.entries] == ["0", "k1", "k2", "k3", "k4", "k5", "none"]
    assert sum(e.count for e in legend.entries) == len(values)
    assert legend.entries[0].count == 2 and legend.entries[-1].count == 1
    assert legend.entries[-1].label == "无数据" and legend.entries[-1].hatched
    assert legend.breaks[-1] == 213
    assert legend.entries[-2].label.endswith("–213")
    root = parse(render(grid(values)))
    rows = {g.get("data-key"): g for g in root.iter(f"{NS}g") if g.get("class") == "rm-legend-row"}
    assert [t.text for t in rows["0"].iter(f"{NS}text")] == ["0", "2个"]
    assert [t.text for t in rows["none"].iter(f"{NS}text")] == ["无数据", "1个"]


def test_no_data_row_only_when_some_unit_has_no_value():
    legend = classify(grid([1, 2, 3]))
    assert [e.key for e in legend.entries] == ["0", "k1", "k2", "k3"]


def test_nice_breaks_on_skewed_counts():
    values = [1] * 40 + [2] * 20 + [3] * 10 + [5, 7, 9, 12, 18, 25, 40, 66, 120, 347]
    bounds = nice_breaks(values)
    assert bounds[-1] == 347
    assert list(bounds) == sorted(set(bounds))
    assert len(bounds) <= 5
    assert all(b == int(b) for b in bounds)
    # Every class has members.
    lower = 0.0
    for upper in bounds:
        assert any(lower < v <= upper for v in values)
        lower = upper


def test_few_distinct_values_are_classes_of_their_own():
    legend = classify(grid([1, 3, 3, 7]))
    assert [e.label for e in legend.entries] == ["0", "1", "3", "7"]
    assert legend.entries[-1].fill == RAMP[-1]


def test_decimal_values_and_fixed_breaks():
    legend = classify(grid([0.12, 0.5, 1.75, 2.2, 3.9, 5.5, 7.25, 9.9]), measure_label="发病率")
    assert legend.entries[1].label.startswith("0–")
    fixed = classify(grid([0, 4, 10, 11, 99, 100, 101, 5000]), breaks=[10, 100])
    assert [e.label for e in fixed.entries] == ["0", "1–10", "11–100", "≥101"]
    assert [e.count for e in fixed.entries] == [1, 2, 3, 2]


def grey(colour):
    """The grey level (0-255) a greyscale printer or CSS grayscale() makes of a colour: Rec. 709 luma."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_palette_is_ordered_in_grey_for_black_and_white_print():
    for ramp in (RAMP, RAMP_5):
        greys = [grey(c) for c in ramp]
        lightness = [_lightness(c) for c in ramp]
        assert all(a - b >= 20 for a, b in itertools.pairwise(greys))
        assert all(a - b >= 8 for a, b in itertools.pairwise(lightness))
        assert grey(ZERO_FILL) > greys[0] + 20
    five = [e.fill for e in classify(grid(list(range(1, 40)))).entries[1:]]
    assert five == list(RAMP_5)
    assert min(grey(a) - grey(b) for a, b in itertools.pairwise(five)) >= 40
    for count in range(1, 8):
        fills = [e.fill for e in classify(grid(list(range(1, 40))), classes=count).entries[1:]]
        assert fills[-1] == RAMP[-1]
        assert [grey(c) for c in fills] == sorted((grey(c) for c in fills), reverse=True)
    statuses = sorted(grey(c.fill) for c in REPORT_STATUS)
    assert min(b - a for a, b in itertools.pairwise(statuses)) >= 40


def test_categorical_map():
    units = grid([None] * 5)
    statuses = ["reported", "zero", "missing", None, "unknown"]
    units = [
        MapUnit(u.id, u.name, u.geometry, category=s, href=u.href)
        for u, s in zip(units, statuses, strict=True)
    ]
    svg = render(units, measure_label="报告状态", categories=REPORT_STATUS)
    root = parse(svg)
    found = unit_groups(root)
    assert found[1] == ("reported", "#6baed6")
    assert found[2] == ("zero", "#c6dbef")
    assert found[3] == ("missing", "#d7301f")
    assert found[4][0] == found[5][0] == "none"
    tips = {a.get("data-id"): a.find(f"{NS}title").text for a in root.iter(f"{NS}a")}
    assert tips["3"] == "单元3：报告状态 未报告"
    assert tips["4"] == "单元4：报告状态 无数据"
    legend = classify(units, categories=[Category("a", "甲", "#000000")])
    assert [(e.key, e.count) for e in legend.entries] == [("a", 0), ("none", 5)]


def test_format_value():
    assert format_value(1234) == "1,234"
    assert format_value(1234567.0) == "1,234,567"
    assert format_value(12.5) == "12.5"
    assert format_value(0.125, 2) == "0.12" or format_value(0.125, 2) == "0.13"
    assert format_value(3.0) == "3"
    assert format_value(-0.0) == "0"
    assert format_value(None) == ""
    assert format_value(math.nan) == ""


# ---------------------------------------------------------------------------------------------
# Text safety
# ---------------------------------------------------------------------------------------------


def test_hostile_names_are_escaped():
    hostile = "</text><script>alert(1)</script> & \"'村\x00\x1b\ud800"
    units = [
        MapUnit(1, hostile, box(LON, LAT, LON + 0.1, LAT + 0.1), 5, href='/r/1/?a=1&b="2"', label="<b>"),
        MapUnit(2, hostile, None, 3, href="javascript:alert(1)"),
        MapUnit(3, "乙", box(LON + 0.1, LAT, LON + 0.2, LAT + 0.1), 1, href=" JavaScript:alert(1)"),
    ]
    svg = render(units, title="<标题>&", note='"注"<', measure_label="人数&<")
    root = parse(svg)
    assert not list(root.iter(f"{NS}script"))
    assert links(root) == {1: '/r/1/?a=1&b="2"'}
    assert root.find(f"{NS}title").text == "<标题>&"
    tip = next(iter(root.iter(f"{NS}a"))).find(f"{NS}title").text
    assert tip.startswith("</text><script>alert(1)</script> & \"'村")
    assert "\x00" not in svg and "\x1b" not in svg


def test_custom_texts():
    texts = MapTexts(
        legend="Legend", no_data="No data", no_boundary="No boundary", empty="No map", count="{n}"
    )
    root = parse(render([MapUnit(1, "A", None, None)], texts=texts))
    words = {t.text for t in root.iter(f"{NS}text")}
    assert {"Legend", "No data", "No map", "No boundary（1）"} <= words


# ---------------------------------------------------------------------------------------------
# Geometry
# ---------------------------------------------------------------------------------------------


def test_holes_and_multipolygons():
    outer = [[LON, LAT], [LON + 0.1, LAT], [LON + 0.1, LAT + 0.1], [LON, LAT + 0.1], [LON, LAT]]
    hole = [
        [LON + 0.03, LAT + 0.03],
        [LON + 0.07, LAT + 0.03],
        [LON + 0.07, LAT + 0.07],
        [LON + 0.03, LAT + 0.07],
        [LON + 0.03, LAT + 0.03],
    ]
    island = [[LON + 0.2, LAT], [LON + 0.25, LAT], [LON + 0.25, LAT + 0.05], [LON + 0.2, LAT]]
    units = [
        MapUnit(1, "有洞", {"type": "Polygon", "coordinates": [outer, hole]}, 3, href="/r/1/"),
        MapUnit(2, "群岛", {"type": "MultiPolygon", "coordinates": [[hole], [island]]}, 4, href="/r/2/"),
    ]
    root = parse(render(units))
    layer = next(g for g in root.iter(f"{NS}g") if g.get("class") == "rm-units")
    assert layer.get("fill-rule") == "evenodd"
    holed = subpaths(path_of(root, 1))
    assert len(holed) == 2 and len(holed[0]) == 4 and len(holed[1]) == 4
    # The hole's centre is not inside the unit, a point between ring and hole is.
    xs = [x for x, _ in holed[0]]
    ys = [y for _, y in holed[0]]
    centre = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
    assert not inside(centre, holed)
    assert inside((min(xs) + 3, centre[1]), holed)
    assert len(subpaths(path_of(root, 2))) == 2
    # The label of the holed unit is not in the hole.
    label = label_of(root, "有洞")
    assert label is not None
    size = float(label.get("font-size"))
    assert inside((float(label.get("x")), float(label.get("y")) - 0.35 * size), holed)


def test_label_of_a_u_shape_is_inside():
    w, s, e, n = LON, LAT, LON + 0.09, LAT + 0.09
    u_shape = [
        [w, s],
        [e, s],
        [e, n],
        [e - 0.03, n],
        [e - 0.03, s + 0.02],
        [w + 0.03, s + 0.02],
        [w + 0.03, n],
        [w, n],
        [w, s],
    ]
    units = [
        MapUnit(1, "马蹄湾村", {"type": "Polygon", "coordinates": [u_shape]}, 8, href="/r/1/", label="8人")
    ]
    root = parse(render(units))
    rings = subpaths(path_of(root, 1))
    xs = [x for x, _ in rings[0]]
    ys = [y for _, y in rings[0]]
    assert not inside((sum(xs) / len(xs), sum(ys) / len(ys)), rings)  # the centroid is in the gap
    label = label_of(root, "马蹄湾村")
    assert label is not None
    size = float(label.get("font-size"))
    x, y = float(label.get("x")), float(label.get("y"))
    assert MIN_FONT <= size <= MAX_FONT
    # The whole text box (4 em wide, one line high) lies inside.
    for cx, cy in [(x - 2 * size, y - size), (x + 2 * size, y - size), (x - 2 * size, y), (x + 2 * size, y)]:
        assert inside((cx, cy), rings)


def test_labels_scale_with_units_and_are_left_out_when_too_small():
    units = [
        MapUnit(1, "大片区", box(LON, LAT, LON + 0.5, LAT + 0.4), 1),
        MapUnit(2, "中片区", box(LON + 0.5, LAT, LON + 0.53, LAT + 0.02), 1),
        MapUnit(3, "很长很长的一个名字社区", box(LON + 0.5, LAT + 0.1, LON + 0.53, LAT + 0.12), 1),
        MapUnit(4, "小", box(LON + 0.5, LAT + 0.2, LON + 0.501, LAT + 0.201), 1),
    ]
    root = parse(render(units))
    big, middle = label_of(root, "大片区"), label_of(root, "中片区")
    assert big is not None and middle is not None
    assert float(big.get("font-size")) > float(middle.get("font-size"))
    assert label_of(root, "很长很长的一个名字社区") is None
    assert label_of(root, "小") is None
    # Still on the map: a dot when it is smaller than a pixel, however many vertices it has.
    units.append(MapUnit(5, "微", circle(LON + 0.52, LAT + 0.3, 0.000002, 400), 1))
    root = parse(render(units))
    assert len(subpaths(path_of(root, 4))[0]) == 4  # a pixel and a half: still drawn
    assert path_of(root, 5).endswith("a2 2 0 1 0 4 0a2 2 0 1 0-4 0z")


def test_suffix_dropped_when_the_full_name_does_not_fit():
    units = [
        MapUnit(1, "大片区", box(LON, LAT, LON + 1.0, LAT + 1.0), 1),
        MapUnit(2, "青白石街道", box(LON + 1.0, LAT, LON + 1.08, LAT + 0.025), 1),
    ]
    root = parse(render(units))
    assert label_of(root, "青白石街道") is None
    assert label_of(root, "青白石") is not None


def test_units_without_geometry_are_listed():
    units = grid([1, 2])
    units += [
        MapUnit(10, "无图村", None, 5, href="/r/10/"),
        MapUnit(
            11,
            "坏点村",
            {"type": "Polygon", "coordinates": [[[LON, LAT], [math.nan, LAT], [LON, LAT + 1], [LON, LAT]]]},
            None,
        ),
        MapUnit(12, "远方村", box(190, 10, 191, 11), 0),
    ]
    root = parse(render(units))
    listed = next(g for g in root.iter(f"{NS}g") if g.get("class") == "rm-nb")
    words = [t.text for t in listed.iter(f"{NS}text")]
    assert words[0] == "无边界（3）"
    assert ["无图村", "5", "坏点村", "无数据", "远方村", "0"] == words[1:]
    assert set(unit_groups(root)) == {1, 2}
    assert links(root)[10] == "/r/10/"


def test_a_long_list_of_units_without_geometry_is_cut():
    units = grid([1]) + [MapUnit(100 + i, f"村{i}", None, i) for i in range(80)]
    root = parse(render(units))
    listed = next(g for g in root.iter(f"{NS}g") if g.get("class") == "rm-nb")
    words = [t.text for t in listed.iter(f"{NS}text")]
    assert words[-1].startswith("另有 ") and words[-1].endswith(" 个")
    shown = sum(1 for row in listed if row.get("data-id"))
    assert shown + int(words[-1].split()[1]) == 80


def test_empty_input():
    root = parse(render([]))
    assert "暂无边界数据，无法绘制作战图" in [t.text for t in root.iter(f"{NS}text")]


DEGENERATE = [
    None,
    {},
    {"type": "Point", "coordinates": [LON, LAT]},
    {"type": "Polygon", "coordinates": []},
    {"type": "Polygon", "coordinates": [[]]},
    {"type": "Polygon", "coordinates": [[[LON, LAT], [LON + 1, LAT + 1], [LON, LAT]]]},  # 2 distinct points
    {"type": "Polygon", "coordinates": [[[LON, LAT]] * 10]},
    {
        "type": "Polygon",
        "coordinates": [[[LON, LAT], [LON + 1, LAT + 1], [LON + 2, LAT + 2], [LON, LAT]]],
    },  # a line
    {"type": "Polygon", "coordinates": [[[LON, LAT], [LON + 1, math.inf], [LON, LAT + 1], [LON, LAT]]]},
    {"type": "Polygon", "coordinates": [[[LON, LAT], [LON, 95], [LON + 1, LAT], [LON, LAT]]]},
    {"type": "Polygon", "coordinates": [[[LON, LAT], ["x", LAT], [LON + 1, LAT + 1], [LON, LAT]]]},
    {"type": "Polygon", "coordinates": [[[LON], [LON, LAT], [LON + 1, LAT + 1], [LON, LAT]]]},
    {"type": "Polygon", "coordinates": [[[10**400, 0], [1, 1], [0, 1], [10**400, 0]]]},
    {"type": "Polygon", "coordinates": "abc"},
    {"type": "MultiPolygon", "coordinates": [None, 3]},
    {"type": "Feature", "geometry": None},
]


def test_all_degenerate_input_gives_the_empty_map_and_lists_every_unit():
    units = [MapUnit(i, f"坏{i}", g, i, href=f"/r/{i}/") for i, g in enumerate(DEGENERATE)]
    root = parse(render(units))
    assert "暂无边界数据，无法绘制作战图" in [t.text for t in root.iter(f"{NS}text")]
    assert len(links(root)) == len(DEGENERATE)


def test_a_feature_is_unwrapped():
    feature = {"type": "Feature", "properties": {}, "geometry": box(LON, LAT, LON + 0.1, LAT + 0.1)}
    root = parse(render([MapUnit(1, "甲", feature, 1)]))
    assert set(unit_groups(root)) == {1}


def test_simplification_keeps_the_shape_with_fewer_vertices():
    dense = circle(LON, LAT, 0.05, 4000)
    ring = dense["coordinates"][0]
    lons = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    # A diamond through the circle's extreme points has the same box, so the same frame.
    w, e, s, n = min(lons), max(lons), min(lats), max(lats)
    diamond = {"type": "Polygon", "coordinates": [[[w, LAT], [LON, s], [e, LAT], [LON, n], [w, LAT]]]}
    kept = subpaths(path_of(parse(render([MapUnit(1, "圆", dense, 1)])), 1))[0]
    exact = subpaths(path_of(parse(render([MapUnit(1, "圆", diamond, 1)])), 1))[0]
    assert 20 < len(kept) < 400
    for pick in (min, max):
        for axis in (0, 1):
            assert abs(pick(p[axis] for p in kept) - pick(p[axis] for p in exact)) <= 1.0


def test_simplify_stays_within_tolerance():
    ring = circle(0, 0, 1.0, 2000)["coordinates"][0][:-1]
    xs = [p[0] for p in ring]
    ys = [p[1] for p in ring]
    kept = _simplify(xs, ys, 0.001, 1.0)
    assert len(kept) < 200
    px = [xs[k] for k in kept]
    py = [ys[k] for k in kept]
    # Every dropped point lies within the tolerance of the chord that replaced it.
    for a, b in zip(kept, [*kept[1:], len(xs)], strict=True):
        x1, y1 = xs[a], ys[a]
        x2, y2 = xs[b % len(xs)], ys[b % len(xs)]
        for i in range(a + 1, b):
            cross = abs((x2 - x1) * (ys[i] - y1) - (y2 - y1) * (xs[i] - x1))
            assert cross / math.hypot(x2 - x1, y2 - y1) <= 0.001 + 1e-12
    assert px and py


def test_highlight_and_scale_bar():
    svg = render(grid([1, 2, 3, 4]), highlight_id=2)
    root = parse(svg)
    highlight = [p for p in root.iter(f"{NS}path") if p.get("class") == "rm-highlight"]
    assert len(highlight) == 1 and highlight[0].get("d") == path_of(root, 2)
    scale = next(g for g in root.iter(f"{NS}g") if g.get("class") == "rm-scale")
    caption = [t.text for t in scale.iter(f"{NS}text")][-1]
    assert re.fullmatch(r"(1|2|5|10|20|50|100|200|500) (公里|米)", caption)
    assert any(g.get("class") == "rm-north" for g in root.iter(f"{NS}g"))


def test_a_city_of_irregular_units_stays_small():
    units = []
    for i in range(100):
        lon, lat = LON + (i % 10) * 0.02, LAT + (i // 10) * 0.02
        ring = [
            [
                lon + 0.009 * (1 + 0.1 * math.sin(7 * k / 30)) * math.cos(k / 30),
                lat + 0.009 * math.sin(k / 30),
            ]
            for k in range(189)
        ]
        units.append(
            MapUnit(
                i, f"网格{i}", {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}, i % 7, href=f"/r/{i}/"
            )
        )
    svg = render(units)
    parse(svg)
    assert len(svg.encode()) < 100_000


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

coordinate = st.one_of(
    st.floats(min_value=-200, max_value=200),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-200, max_value=200),
)
position = st.lists(coordinate, min_size=0, max_size=3)
ring_strategy = st.lists(position, min_size=0, max_size=12)
geometry = st.one_of(
    st.none(),
    st.builds(lambda rings: {"type": "Polygon", "coordinates": rings}, st.lists(ring_strategy, max_size=3)),
    st.builds(
        lambda polygons: {"type": "MultiPolygon", "coordinates": polygons},
        st.lists(st.lists(ring_strategy, max_size=2), max_size=3),
    ),
    # Small plausible rings near one place, so that maps are drawn, not only listed.
    st.builds(
        lambda points: {"type": "Polygon", "coordinates": [[*points, points[0]]]},
        st.lists(
            st.tuples(
                st.floats(min_value=103.0, max_value=103.1), st.floats(min_value=36.0, max_value=36.1)
            ).map(list),
            min_size=1,
            max_size=15,
        ),
    ),
)
unit = st.builds(
    MapUnit,
    id=st.integers(min_value=0, max_value=10**6),
    name=st.text(max_size=12),
    geometry=geometry,
    value=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(0, 10**9)),
    href=st.one_of(st.none(), st.text(max_size=20)),
    label=st.one_of(st.none(), st.text(max_size=6)),
)


CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@settings(max_examples=150, deadline=None)
@given(st.lists(unit, max_size=8))
def test_random_units_never_crash_and_give_well_formed_xml(units):
    svg = render(units, note="注")
    root = parse(svg)
    assert root.tag == f"{NS}svg"
    cleaned = [CONTROL.sub("", u.href or "").strip() for u in units]
    linked = sum(
        1 for h in cleaned if h and not re.match(r"(javascript|vbscript|data)\s*:", h, re.IGNORECASE)
    )
    assert len(list(root.iter(f"{NS}a"))) == linked


def test_scale_bar_in_metres_for_a_village_of_grids():
    units = grid([1, 2, 3, 4], size=0.001)  # about 100 m a side
    root = parse(render(units))
    scale = next(g for g in root.iter(f"{NS}g") if g.get("class") == "rm-scale")
    assert [t.text for t in scale.iter(f"{NS}text")][-1].endswith(" 米")


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        classify(grid([1]), classes=8)
    with pytest.raises(ValueError):
        classify(grid([1]), breaks=[math.nan])
    with pytest.raises(ValueError):
        render(grid([1]), width=100)
