from __future__ import annotations

import itertools
import json
import random
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from epigrid.lib.roadnet import Coverage, RoadDataError, parse_boundary, parse_roads
from epigrid.lib.roadnet_cover import analyse
from epigrid.lib.roadnet_cut import min_vertex_cut
from epigrid.lib.roadnet_svg import render_svg
from epigrid.lib.roadnet_synth import synthetic_district

# A square district, 0.1 degree a side (about 10.2 km east-west, 11.1 km north-south).
SQUARE = [[113.0, 23.0], [113.1, 23.0], [113.1, 23.1], [113.0, 23.1], [113.0, 23.0]]


def square(holes=()):
    return {"type": "Polygon", "coordinates": [SQUARE, *holes]}


def line(name, coords, cls="县道", fid=None):
    feature = {
        "type": "Feature",
        "properties": {"name": name, "等级": cls},
        "geometry": {"type": "LineString", "coordinates": [[round(x, 6), round(y, 6)] for x, y in coords]},
    }
    if fid is not None:
        feature["id"] = fid
    return feature


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def steps(start, stop, fixed, *, horizontal=True, step=0.01):
    count = round(abs(stop - start) / step)
    sign = 1 if stop > start else -1
    values = [start + sign * k * step for k in range(count + 1)]
    return [(v, fixed) if horizontal else (fixed, v) for v in values]


def by_road(coverage):
    return {e.road_name: e for e in coverage.entries}


# --- a cross of two roads entering at four places ---------------------------------------------


def cross_coverage(points=()):
    roads = parse_roads(
        collection(
            line("东西路", steps(112.95, 113.15, 23.05)),
            line("南北路", steps(22.95, 23.15, 113.05, horizontal=False)),
        )
    )
    return analyse(roads, parse_boundary(square()), points, depth_m=2000)


def test_cross_entries_and_one_covered_entry():
    coverage = cross_coverage([("A", 113.012, 23.0502)])
    assert len(coverage.entries) == 4
    assert {(e.lon, e.lat) for e in coverage.entries} == {
        (113.0, 23.05),
        (113.1, 23.05),
        (113.05, 23.0),
        (113.05, 23.1),
    }
    west = next(e for e in coverage.entries if e.lon == 113.0)
    assert west.covered and not west.dead_end
    assert west.covered_by == ["A"]
    assert west.road_name == "东西路" and west.road_class == "县道"
    assert west.bearing == pytest.approx(90.0, abs=0.5)
    north = next(e for e in coverage.entries if e.lat == 23.1)
    assert north.bearing == pytest.approx(180.0, abs=0.5)
    assert len(coverage.blind_spots) == 3
    # each blind entry is best closed at the entry itself
    assert len(coverage.proposals) == 3
    assert all(p.at_entry and len(p.covers) == 1 for p in coverage.proposals)
    assert {(p.lon, p.lat) for p in coverage.proposals} == {(e.lon, e.lat) for e in coverage.blind_spots}
    assert [p.number for p in coverage.proposals] == [1, 2, 3]
    (point,) = coverage.points
    assert point.status == "used" and point.inside and point.covers == [west.index]
    assert point.distance_m == pytest.approx(22.1, abs=1.0)
    assert {r.name: r.entries for r in coverage.roads_crossing} == {"东西路": 2, "南北路": 2}
    assert coverage.junctions == 1
    # the middle junction is far from every entry: deep
    assert coverage.deep_nodes > 0


def test_cross_without_points_every_entry_is_blind():
    coverage = cross_coverage()
    assert len(coverage.blind_spots) == 4
    assert len(coverage.proposals) == 4


def test_a_point_at_the_centre_covers_all_four_with_a_small_depth():
    roads = parse_roads(
        collection(
            line("东西路", steps(112.95, 113.15, 23.05)),
            line("南北路", steps(22.95, 23.15, 113.05, horizontal=False)),
        )
    )
    coverage = analyse(roads, parse_boundary(square()), [("C", 113.05, 23.05)], depth_m=8000)
    # with depth 8 km nothing is deep: every entry is a dead end
    assert all(e.covered and e.dead_end for e in coverage.entries)
    assert coverage.proposals == []
    coverage = analyse(roads, parse_boundary(square()), [("C", 113.05, 23.05)], depth_m=5000)
    assert all(e.covered and not e.dead_end and e.covered_by == ["C"] for e in coverage.entries)


# --- two entering roads meeting just inside ----------------------------------------------------


def junction_roads():
    return parse_roads(
        collection(
            line("甲路", steps(112.98, 113.01, 23.09)),
            line("乙路", steps(23.12, 23.09, 113.01, horizontal=False)),
            line(
                "丙路",
                [*steps(23.09, 23.05, 113.01, horizontal=False), *steps(113.02, 113.05, 23.05)],
                "乡道",
            ),
            line("死胡同", steps(113.12, 113.09, 23.02), "村道"),
        )
    )


def test_junction_just_inside_is_one_proposal_for_two_entries():
    points = [("far", 113.3, 23.3), ("field", 113.08, 23.08)]
    coverage = analyse(junction_roads(), parse_boundary(square()), points, depth_m=2000)
    entries = by_road(coverage)
    assert set(entries) == {"甲路", "乙路", "死胡同"}
    assert not entries["甲路"].covered and not entries["乙路"].covered
    (proposal,) = coverage.proposals
    assert (proposal.lon, proposal.lat) == (113.01, 23.09)
    assert not proposal.at_entry
    assert sorted(proposal.covers) == sorted([entries["甲路"].index, entries["乙路"].index])
    assert set(proposal.road_names) == {"甲路", "乙路", "丙路"}
    assert entries["甲路"].proposed_by == [1] and entries["乙路"].proposed_by == [1]
    # a dead end: covered without any point
    dead = entries["死胡同"]
    assert dead.covered and dead.dead_end and dead.covered_by == []
    assert dead.kind == "crossing"
    far, field = coverage.points
    assert far.status == "outside" and not far.inside and far.snap_lon is None
    assert field.status == "not_on_road" and field.inside


def test_existing_point_at_the_junction_covers_both():
    coverage = analyse(junction_roads(), parse_boundary(square()), [("J", 113.0101, 23.0901)], depth_m=2000)
    entries = by_road(coverage)
    assert entries["甲路"].covered_by == ["J"] and entries["乙路"].covered_by == ["J"]
    assert coverage.blind_spots == [] and coverage.proposals == []
    assert coverage.points[0].covers == sorted([entries["甲路"].index, entries["乙路"].index])


def test_road_ending_on_the_boundary_is_an_entry():
    roads = parse_roads(
        collection(
            line("端点路", [(113.0 + 1e-5, 23.05), *steps(113.01, 113.06, 23.05)]),
        )
    )
    coverage = analyse(roads, parse_boundary(square()), depth_m=2000)
    (entry,) = coverage.entries
    assert entry.kind == "endpoint" and not entry.covered
    assert len(coverage.proposals) == 1


def test_road_entirely_outside_is_ignored():
    roads = parse_roads(
        collection(line("外路", steps(113.2, 113.3, 23.05)), line("内路", steps(113.02, 113.08, 23.05)))
    )
    coverage = analyse(roads, parse_boundary(square()))
    assert coverage.entries == [] and coverage.roads_crossing == [] and coverage.proposals == []
    assert coverage.inside_edges == 6


def test_multilinestring_and_third_coordinate():
    feature = {
        "type": "Feature",
        "id": 7,
        "properties": {"名称": "双线路", "highway": "primary"},
        "geometry": {
            "type": "MultiLineString",
            "coordinates": [
                [[112.98, 23.03, 5.0], [113.02, 23.03, 6.0]],
                [[113.08, 23.03, 5.0], [113.12, 23.03, 6.0]],
            ],
        },
    }
    roads = parse_roads(json.dumps(collection(feature)).encode())
    assert roads.roads[0].id == "7" and roads.roads[0].name == "双线路" and roads.roads[0].cls == "primary"
    assert len(roads.roads[0].lines) == 2
    coverage = analyse(roads, parse_boundary(square()))
    assert len(coverage.entries) == 2
    (crossing,) = coverage.roads_crossing
    assert crossing.name == "双线路" and crossing.entries == 2 and crossing.features == [1]


def test_holes_are_outside():
    hole = [[113.04, 23.04], [113.06, 23.04], [113.06, 23.06], [113.04, 23.06], [113.04, 23.04]]
    boundary = parse_boundary({"type": "Feature", "properties": {"name": "镇"}, "geometry": square([hole])})
    assert boundary.name == "镇" and len(boundary.polygons[0]) == 2
    roads = parse_roads(collection(line("穿洞路", steps(112.95, 113.15, 23.05))))
    coverage = analyse(roads, boundary, [("in-hole", 113.05, 23.05)], depth_m=1500)
    assert sorted(e.lon for e in coverage.entries) == [113.0, 113.04, 113.06, 113.1]
    at_hole = next(e for e in coverage.entries if e.lon == 113.04)
    assert at_hole.bearing == pytest.approx(270.0, abs=0.5)
    (point,) = coverage.points
    assert point.status == "outside" and not point.inside


def test_multipolygon_feature_collection():
    other = [[113.2, 23.0], [113.3, 23.0], [113.3, 23.1], [113.2, 23.0]]
    data = collection(
        {
            "type": "Feature",
            "properties": {},
            "geometry": {"type": "MultiPolygon", "coordinates": [[SQUARE], [other]]},
        }
    )
    boundary = parse_boundary(data)
    assert len(boundary.polygons) == 2


# --- minimality ------------------------------------------------------------------------------


def brute_force_cut(n, edges, sources, sinks):
    neighbours = {u: set() for u in range(n)}
    for u, v in edges:
        neighbours[u].add(v)
        neighbours[v].add(u)
    candidates = [u for u in range(n) if u not in sinks]
    for size in range(len(candidates) + 1):
        for cut in itertools.combinations(candidates, size):
            if separates(neighbours, set(cut), sources, sinks):
                return size
    raise AssertionError("no cut")


def separates(neighbours, cut, sources, sinks):
    stack = [s for s in sources if s not in cut]
    seen = set(stack)
    while stack:
        u = stack.pop()
        if u in sinks:
            return False
        for v in neighbours[u]:
            if v not in seen and v not in cut:
                seen.add(v)
                stack.append(v)
    return True


@st.composite
def graphs(draw):
    n = draw(st.integers(2, 9))
    pairs = list(itertools.combinations(range(n), 2))
    edges = draw(st.lists(st.sampled_from(pairs), max_size=18, unique=True))
    roles = draw(st.lists(st.sampled_from(["source", "sink", "-"]), min_size=n, max_size=n))
    sources = [u for u in range(n) if roles[u] == "source"]
    sinks = {u for u in range(n) if roles[u] == "sink"}
    return n, edges, sources, sinks


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_min_vertex_cut_equals_brute_force(graph):
    n, edges, sources, sinks = graph
    neighbours = {u: [] for u in range(n)}
    for u, v in edges:
        neighbours[u].append(v)
        neighbours[v].append(u)
    cut = min_vertex_cut(neighbours, sources, sinks)
    assert len(cut) == len(set(cut))
    assert not set(cut) & sinks
    assert separates({u: set(vs) for u, vs in neighbours.items()}, set(cut), sources, sinks)
    assert len(cut) == brute_force_cut(n, edges, sources, sinks)


def test_min_vertex_cut_seeded_denser_graphs():
    rng = random.Random(7)
    for _ in range(60):
        n = rng.randint(6, 11)
        edges = [(u, v) for u, v in itertools.combinations(range(n), 2) if rng.random() < 0.35]
        nodes = list(range(n))
        rng.shuffle(nodes)
        sources, sinks = nodes[:3], set(nodes[-2:])
        neighbours = {u: [] for u in range(n)}
        for u, v in edges:
            neighbours[u].append(v)
            neighbours[v].append(u)
        cut = min_vertex_cut(lambda u, nb=neighbours: nb[u], sources, sinks)
        assert len(cut) == brute_force_cut(n, edges, sources, sinks)


def test_min_vertex_cut_rejects_a_source_that_is_a_sink():
    with pytest.raises(ValueError):
        min_vertex_cut({0: [1], 1: [0]}, [0], [0])


@pytest.mark.parametrize("seed", [3, 11])
def test_proposals_close_every_entry_and_none_is_superfluous(seed):
    district = synthetic_district(seed, edges=2500)
    roads, boundary = parse_roads(district.roads), parse_boundary(district.boundary)
    coverage = analyse(roads, boundary, district.points)
    assert coverage.blind_spots and coverage.proposals
    assert any(e.covered and e.covered_by for e in coverage.entries)
    used = [(p.id, p.lon, p.lat) for p in coverage.points if p.status == "used"]
    proposed = [(f"N{p.number}", p.lon, p.lat) for p in coverage.proposals]
    after = analyse(roads, boundary, used + proposed)
    assert after.blind_spots == []
    for k in range(len(proposed)):
        fewer = analyse(roads, boundary, used + proposed[:k] + proposed[k + 1 :])
        assert fewer.blind_spots, f"proposal {k + 1} is not needed"
    # every blind entry is closed by some proposal
    assert all(e.proposed_by for e in coverage.blind_spots)


# --- bad input -------------------------------------------------------------------------------


def test_invalid_json_names_line_and_column():
    with pytest.raises(RoadDataError) as info:
        parse_roads(b'{"type": "FeatureCollection",\n "features": [}')
    assert info.value.messages[0].startswith("不是有效的 GeoJSON: 第 2 行第 ")


def test_not_utf8_and_empty():
    with pytest.raises(RoadDataError, match="UTF-8"):
        parse_roads(b"\xff\xfe{\x00")
    with pytest.raises(RoadDataError, match="空"):
        parse_roads("  ")
    with pytest.raises(RoadDataError, match="features 为空"):
        parse_roads(collection())
    with pytest.raises(RoadDataError, match="最外层"):
        parse_roads("[1, 2]")


def test_every_bad_feature_is_named():
    good = line("好路", [(113.0, 23.0), (113.1, 23.1)])
    data = collection(
        good,
        {"type": "Feature", "properties": {}, "geometry": {"type": "LineString"}},
        {"type": "Feature", "properties": {}, "geometry": square()},
        line("越界", [(200, 10), (113.0, 23.0)]),
        {
            "type": "Feature",
            "properties": {},
            "geometry": {"type": "LineString", "coordinates": [["a", 1], [1, 2]]},
        },
        {"type": "Feature", "properties": {}, "geometry": None},
        line("单点", [(113.0, 23.0), (113.0, 23.0)]),
        {"type": "Feature", "geometry": {"type": "MultiLineString", "coordinates": [[[1, 2], [3, 4]], []]}},
        "not a feature",
    )
    with pytest.raises(RoadDataError) as info:
        parse_roads(data)
    messages = info.value.messages
    assert messages == [
        "第 2 个要素: 没有坐标 (coordinates)",
        "第 3 个要素: 几何类型 Polygon 不是线 (geometry.type 应为 LineString 或 MultiLineString)",
        "第 4 个要素: 第 1 个坐标 [200, 10] 超出经纬度范围 (coordinates 应为 [经度 -180…180, 纬度 -90…90])",
        '第 5 个要素: 第 1 个坐标 ["a", 1] 不是 [经度, 纬度] 数值 (coordinates)',
        "第 6 个要素: 没有几何 (geometry)",
        "第 7 个要素: 线至少需要两个不同的点 (coordinates)",
        "第 8 个要素第 2 条线: 没有坐标 (coordinates)",
        "第 9 个要素: 不是 Feature 对象 (type 字段)",
    ]
    assert "第 2 个要素" in str(info.value)


def test_errors_are_capped():
    bad = {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [1, 2]}}
    with pytest.raises(RoadDataError) as info:
        parse_roads(collection(*[bad] * 30))
    assert len(info.value.messages) == 21
    assert info.value.messages[-1] == "……另有 10 个错误未列出"


def test_bad_boundaries():
    with pytest.raises(RoadDataError, match="第 1 个要素: 几何类型 LineString 不是面"):
        parse_boundary(collection(line("x", [(1, 2), (3, 4)])))
    with pytest.raises(RoadDataError, match="第 1 个环: 环少于 3 个不同的点"):
        parse_boundary({"type": "Polygon", "coordinates": [[[1, 2], [3, 4], [1, 2]]]})
    with pytest.raises(RoadDataError, match="没有坐标"):
        parse_boundary(
            {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": []}}
        )
    with pytest.raises(RoadDataError, match="超出经纬度范围"):
        parse_boundary({"type": "Polygon", "coordinates": [[[1, 2], [3, 95], [4, 5], [1, 2]]]})


# --- results ---------------------------------------------------------------------------------


def test_to_dict_round_trips_json():
    coverage = analyse(junction_roads(), parse_boundary(square()), [("far", 113.3, 23.3)], depth_m=2000)
    data = json.loads(json.dumps(coverage.to_dict(), ensure_ascii=False))
    assert data["summary"] == {
        "entries": 3,
        "blind_spots": 2,
        "dead_ends": 1,
        "proposals": 1,
        "roads_crossing": 3,
    }
    assert Coverage.from_dict(data) == coverage


def test_svg_is_self_contained_escaped_and_has_a_legend():
    roads = parse_roads(
        collection(
            line("<&>路", steps(112.95, 113.15, 23.05), "国道"),
            line("南北路", steps(22.95, 23.15, 113.05, horizontal=False), "村道"),
        )
    )
    boundary = parse_boundary(square())
    coverage = analyse(roads, boundary, [("A<1>", 113.012, 23.0502)], depth_m=2000)
    svg = render_svg(roads, boundary, coverage)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("http") == 1 and 'xmlns="http://www.w3.org/2000/svg"' in svg
    assert "<script" not in svg and "href" not in svg and "@import" not in svg
    assert "&lt;&amp;&gt;路" in svg and "<&>" not in svg
    assert "监测点 A&lt;1&gt;" in svg
    for word in ("监测点", "盲区", "建议新增"):
        assert f">{word}</text>" in svg
    assert 'font-family="Noto Sans CJK SC, Microsoft YaHei, sans-serif"' in svg
    assert svg.count("<rect x=") == 2 + len(coverage.proposals)  # the legend box and square
    assert svg.count("<circle") == 2  # one point + the legend
    assert "盲区: &lt;&amp;&gt;路 国道" in svg
    ElementTree.fromstring(svg)  # noqa: S314 - well-formed; our own output


def test_svg_of_the_synthetic_district_stays_small():
    district = synthetic_district(1, edges=6000)
    roads, boundary = parse_roads(district.roads), parse_boundary(district.boundary)
    svg = render_svg(roads, boundary, analyse(roads, boundary, district.points), width=600)
    # one path per road feature, simplified to ~1 px
    assert svg.count("<path") < len(roads.roads) + 200
    assert len(svg) < 40 * roads.segment_count
