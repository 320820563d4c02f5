"""The battle map's geometry and labels (``regionmap_geometry``, ``regionmap_labels``), through the map."""

from __future__ import annotations

import math
import re

from epigrid.lib.regionmap_svg import (
    MAX_FONT,
    MIN_FONT,
    MapUnit,
    _simplify,
)
from tests.lib.test_regionmap_svg import (
    LAT,
    LON,
    NS,
    box,
    circle,
    grid,
    inside,
    label_of,
    links,
    parse,
    path_of,
    render,
    subpaths,
    unit_groups,
)

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
