from __future__ import annotations

import math
import re
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from epigrid.lib.regionmap_svg import (
    MapTexts,
    MapUnit,
    classify,
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
