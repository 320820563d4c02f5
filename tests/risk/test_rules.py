"""The rule on plain numbers: each boundary of the February 2020 standard, and the gap it leaves."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from epigrid.risk.rules import HIGH, LOW, MEDIUM, label_of, level_of, reason_of


@dataclass
class Rules:
    window_days: int = 14
    medium_max_cumulative: int = 50
    high_requires_cluster: bool = True
    cluster_min_cases: int = 2


FEB_2020 = Rules()


@pytest.mark.parametrize(
    ("new", "cumulative", "clusters", "level"),
    [
        (0, 0, 0, LOW),
        (0, 60, 3, LOW),  # nothing new for 14 days: low, however many before
        (1, 1, 0, MEDIUM),
        (3, 50, 1, MEDIUM),  # 50 is not "more than 50"
        (3, 51, 1, HIGH),
        (3, 51, 0, MEDIUM),  # the gap: more than 50, new cases, no cluster
        (40, 200, 2, HIGH),
    ],
)
def test_level_boundaries(new, cumulative, clusters, level):
    assert level_of(new=new, cumulative=cumulative, clusters=clusters, policy=FEB_2020) == level


def test_reasons_use_the_official_wording():
    assert reason_of(new=3, cumulative=12, clusters=0, policy=FEB_2020) == (
        "近14天新增确诊3例，累计确诊12例（不超过50例），为中风险地区"
    )
    assert reason_of(new=0, cumulative=60, clusters=0, policy=FEB_2020) == (
        "近14天无新增确诊病例（累计确诊60例），为低风险地区"
    )
    assert reason_of(new=2, cumulative=51, clusters=1, policy=FEB_2020) == (
        "近14天新增确诊2例，累计确诊51例（超过50例），近14天内有聚集性疫情1起，为高风险地区"
    )


def test_the_gap_is_medium_and_the_reason_says_why():
    reason = reason_of(new=2, cumulative=51, clusters=0, policy=FEB_2020)
    assert "无聚集性疫情" in reason and "标准未规定此情形" in reason and "按中风险地区管理" in reason


def test_a_version_without_the_cluster_condition_is_high_above_its_limit():
    rules = Rules(medium_max_cumulative=10, high_requires_cluster=False, window_days=7)
    assert level_of(new=1, cumulative=11, clusters=0, policy=rules) == HIGH
    assert reason_of(new=1, cumulative=11, clusters=0, policy=rules) == (
        "近7天新增确诊1例，累计确诊11例（超过10例），为高风险地区"
    )


def test_labels():
    assert [label_of(x) for x in (LOW, MEDIUM, HIGH)] == ["低风险", "中风险", "高风险"]
