"""The daily bulletin's draft, written from a public snapshot in the wording of official bulletins.

The draft follows the 2020 bulletins of health commissions: the report period's new cases, then the
cumulative and current figures as of the cut-off, observation, the risk levels of the towns, and the
advice to the public, with the region's hotlines. Dates are written the Chinese way (11月28日), hours
as "18时", a period ending at midnight as "0—24时". Counts are Arabic numerals with 例 for cases and
人 for people. A town's bulletin writes small counts as "不足5例" (``figures.min_count``), as its page
does; the district's figures are given in full.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from epigrid.publicinfo.figures import min_count
from epigrid.regions.models import Level

LEVEL_WORDS = {"high": "高风险", "medium": "中风险", "low": "低风险"}
# Wording the drafts and the pages use: never a name, so never a finding of ``privacy`` (a person
# called 高风 must not make "高风险地区" unpublishable).
FIXED_WORDING = (
    "新冠肺炎疫情通报 疫情防控信息公开 新增确诊病例 新增疑似病例 无新增确诊病例 无新增疑似病例 "
    "累计报告确诊病例 现有确诊病例 现有疑似病例 无症状感染者 尚在医学观察 当日解除医学观察 "
    "累计解除医学观察 高风险地区 中风险地区 低风险地区 其余 镇（街道）为低风险地区 "
    "请广大群众做好个人防护，勤洗手、戴口罩、少聚集、常通风；如出现发热、干咳、乏力等症状，"
    "请及时到就近发热门诊就诊，就诊途中全程佩戴口罩，避免乘坐公共交通工具。 咨询电话 全区 全镇 "
    "全街道 截至 期 为 地区 不足 例 人 通报 指挥部 防控 工作 领导小组 办公室 发布 "
)


def cn_date(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def cn_full_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _hour(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.hour}时" if local.minute == 0 else f"{local.hour}时{local.minute}分"


def period_words(day: dt.date, cutoff: dt.datetime) -> tuple[str, str]:
    """("11月28日0—24时" or "11月27日18时至11月28日18时", "11月28日24时" or "11月28日18时")."""
    local = timezone.localtime(cutoff)
    if local.time() == dt.time(0, 0):
        return f"{cn_date(day)}0—24时", f"{cn_date(day)}24时"
    previous = day - dt.timedelta(days=1)
    hour = _hour(cutoff)
    return f"{cn_date(previous)}{hour}至{cn_date(day)}{hour}", f"{cn_date(day)}{hour}"


def whole_of(level: int, name: str) -> str:
    """全区 / 全镇 / 全街道 (a street office's name ends in 街道)."""
    if level == Level.DISTRICT:
        return "全县" if name.endswith("县") else "全区"
    return "全街道" if name.endswith("街道") else "全镇"


def _count(value: int, unit: str, small: bool) -> str:
    threshold = min_count()
    if small and 0 < value < threshold:
        return f"不足{threshold}{unit}"
    return f"{value}{unit}"


def bulletin_title(data: dict[str, Any], number: int | None) -> str:
    day = dt.date.fromisoformat(data["day"])
    issue = f"（第{number}期）" if number else ""
    return f"{data['region']['name']}新冠肺炎疫情通报{issue}（{cn_full_date(day)}）"


def _risk_sentence(data: dict[str, Any]) -> str:
    towns = [town for town in data.get("towns") or [] if town["risk"]]
    if not towns:
        risk = data["risk"]
        if risk is None:  # no policy version in effect: nothing to say about levels
            return ""
        return f"目前，{data['region']['name']}为{LEVEL_WORDS[risk['level']]}地区。"
    by_level: dict[str, list[str]] = {"high": [], "medium": [], "low": []}
    for town in towns:
        by_level[town["risk"]["level"]].append(town["name"])
    parts = []
    for level in ("high", "medium"):
        names = by_level[level]
        if names:
            parts.append(f"{LEVEL_WORDS[level]}地区{len(names)}个（{'、'.join(names)}）")
    whole = whole_of(data["region"]["level"], data["region"]["name"])
    if not parts:
        return f"目前，{whole}{len(towns)}个镇（街道）均为低风险地区。"
    low = len(by_level["low"])
    rest = f"，其余{low}个镇（街道）为低风险地区" if low else ""
    return f"目前，{whole}共有{'，'.join(parts)}{rest}。"


def bulletin_draft_text(data: dict[str, Any], hotlines: list[tuple[str, str]]) -> str:
    """The draft's text from a snapshot's JSON and the region's hotlines ((title, phone) pairs)."""
    day = dt.date.fromisoformat(data["day"])
    cutoff = dt.datetime.fromisoformat(data["cutoff"])
    period, as_of = period_words(day, cutoff)
    region = data["region"]
    small = region["level"] != Level.DISTRICT
    whole = whole_of(region["level"], region["name"])
    f = data["figures"]
    new_cases = (
        f"新增确诊病例{_count(f['new_confirmed'], '例', small)}" if f["new_confirmed"] else "无新增确诊病例"
    )
    new_suspected = (
        f"新增疑似病例{_count(f['new_suspected'], '例', small)}" if f["new_suspected"] else "无新增疑似病例"
    )
    paragraphs = [
        f"{period}，{whole}{new_cases}，{new_suspected}。",
        f"截至{as_of}，{whole}累计报告确诊病例{_count(f['confirmed_total'], '例', small)}，"
        f"现有确诊病例{_count(f['confirmed_current'], '例', small)}，"
        f"现有疑似病例{_count(f['suspected'], '例', small)}，"
        f"无症状感染者{_count(f['asymptomatic'], '例', small)}；"
        f"尚在医学观察{_count(f['observation'], '人', small)}，"
        f"当日解除医学观察{_count(f['released_today'], '人', small)}，"
        f"累计解除医学观察{_count(f['released_total'], '人', small)}。",
        _risk_sentence(data),
        "请广大群众做好个人防护，勤洗手、戴口罩、少聚集、常通风；如出现发热、干咳、乏力等症状，"
        "请及时到就近发热门诊就诊，就诊途中全程佩戴口罩，避免乘坐公共交通工具。",
    ]
    paragraphs = [p for p in paragraphs if p]
    if hotlines:
        lines = "；".join(f"{title}：{phone}" for title, phone in hotlines)
        paragraphs.append(f"咨询电话：{lines}。")
    return "\n".join(paragraphs)
