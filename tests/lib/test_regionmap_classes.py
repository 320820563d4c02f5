"""The battle map's classes, legend and colours (``epigrid.lib.regionmap_classes``), through the map."""

from __future__ import annotations

import itertools
import math

from epigrid.lib.regionmap_svg import (
    RAMP,
    RAMP_5,
    REPORT_STATUS,
    ZERO_FILL,
    Category,
    MapUnit,
    _lightness,
    classify,
    format_value,
    nice_breaks,
)
from tests.lib.test_regionmap_svg import NS, grid, parse, render, unit_groups

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
