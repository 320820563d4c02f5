"""Provinces from free-text places of origin, and the outbreak-area test."""

from __future__ import annotations

import pytest

from epigrid.lib.places import in_areas, province_name, province_of


@pytest.mark.parametrize(
    ("place", "code"),
    [
        ("湖北省武汉市", "42"),
        ("武汉", "42"),
        ("武汉市江岸区", "42"),
        ("深圳宝安", "44"),
        ("浙江温州", "33"),
        ("内蒙古包头", "15"),
        ("湖北黄冈途经长沙", "42"),
        ("ＧＵＡＮＧ东", ""),
        ("", ""),
        ("外地", ""),
        ("广州 白云", "44"),
    ],
)
def test_province_of(place, code):
    assert province_of(place) == code


def test_province_name():
    assert province_name("42") == "湖北"
    assert province_name("99") == ""


def test_in_areas_by_province_and_by_city():
    assert in_areas("武汉市", ["湖北"])
    assert in_areas("湖北省孝感市", ["湖北"])
    assert in_areas("孝感", ["湖北省"])
    assert not in_areas("长沙", ["湖北"])
    assert in_areas("武汉", ["武汉"])
    assert not in_areas("孝感", ["武汉"])  # a city area does not cover the rest of its province
    assert not in_areas("", ["湖北"])
    assert not in_areas("武汉", [])
