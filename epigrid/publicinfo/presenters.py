"""What the public page and the JSON feed show of a snapshot, with small counts hidden.

A risk level's reason is worded here from the counts, hidden the same way as the figures (the risk
selectors' own reason names exact counts, which a town's page must not). The district's own figures
are shown in full.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epigrid.publicinfo.bulletins import cn_full_date, period_words
from epigrid.publicinfo.figures import FIGURE_KEYS, RISK_ORDER, Cell, min_count, suppress_one, suppress_table
from epigrid.publicinfo.models import Bulletin, PublicNotice
from epigrid.regions.models import Level

LABELS = {
    "confirmed_total": gettext_lazy("累计确诊"),
    "new_confirmed": gettext_lazy("新增确诊"),
    "confirmed_current": gettext_lazy("现有确诊"),
    "suspected": gettext_lazy("现有疑似"),
    "new_suspected": gettext_lazy("新增疑似"),
    "asymptomatic": gettext_lazy("无症状感染者"),
    "observation": gettext_lazy("正在医学观察"),
    "released_today": gettext_lazy("当日解除观察"),
    "released_total": gettext_lazy("累计解除观察"),
}
# The columns of the towns' table (the cards show every figure).
TABLE_KEYS = ("confirmed_total", "new_confirmed", "suspected", "observation", "released_total")
RISK_LABELS = {
    "high": gettext_lazy("高风险"),
    "medium": gettext_lazy("中风险"),
    "low": gettext_lazy("低风险"),
}


@dataclass(frozen=True)
class Card:
    key: str
    label: str
    cell: Cell


@dataclass(frozen=True)
class Risk:
    level: str
    label: str
    reason: str


@dataclass(frozen=True)
class TownRow:
    code: str
    name: str
    risk: Risk | None
    cells: list[Cell]


def _risk_reason(risk: dict[str, Any], cells: dict[str, Cell] | None) -> str:
    """Why the level, from the window's new cases, the cumulative count and clusters (hidden if small)."""
    threshold = min_count()
    new = str(risk["new_confirmed"]) if cells is None else _cell_text(risk["new_confirmed"], threshold)
    total = cells["confirmed_total"].text if cells is not None else str(risk["cumulative_confirmed"])
    start = dt.date.fromisoformat(risk["window_start"])
    end = dt.date.fromisoformat(risk["window_end"])
    days = (end - start).days + 1
    clusters = _("有聚集性疫情") if risk["clusters"] else _("无聚集性疫情")
    return _("近%(days)d天新增确诊%(new)s例，累计确诊%(total)s例，%(clusters)s") % {
        "days": days,
        "new": new,
        "total": total,
        "clusters": clusters,
    }


def _cell_text(value: int, threshold: int) -> str:
    return f"<{threshold}" if 0 < value < threshold else str(value)


def _risk(
    risk: dict[str, Any] | None, cells: dict[str, Cell] | None, *, district: bool, english: bool
) -> Risk | None:
    if risk is None:  # no policy version in effect yet on the day
        return None
    level = risk["level"]
    if district and not english:
        reason = risk["reason"]
    else:
        reason = _risk_reason(risk, cells)
    return Risk(level, str(RISK_LABELS[level]), reason)


def public_view(data: dict[str, Any], *, english: bool) -> dict[str, Any]:
    """The page's view of a snapshot: cards, the region's risk, the towns' table, the as-of wording."""
    region = data["region"]
    district = region["level"] == Level.DISTRICT
    figures = data["figures"]
    own = {k: Cell(figures.get(k, 0), str(figures.get(k, 0))) for k in FIGURE_KEYS}
    if not district:
        own = suppress_one(figures)
    cards = [Card(k, str(LABELS[k]), own[k]) for k in FIGURE_KEYS]
    towns = sorted(
        data.get("towns") or [],
        key=lambda t: (RISK_ORDER[t["risk"]["level"]] if t["risk"] else len(RISK_ORDER), t["code"]),
    )
    table = suppress_table([t["figures"] for t in towns])
    rows = [
        TownRow(
            town["code"],
            town["name"],
            _risk(town["risk"], cells, district=False, english=english),
            [cells[k] for k in TABLE_KEYS],
        )
        for town, cells in zip(towns, table, strict=True)
    ]
    day = dt.date.fromisoformat(data["day"])
    cutoff = dt.datetime.fromisoformat(data["cutoff"])
    period, as_of = period_words(day, cutoff)
    local = timezone.localtime(cutoff)
    return {
        "name": region["name"],
        "district": district,
        "cards": cards,
        "risk": _risk(data["risk"], None if district else own, district=district, english=english),
        "risk_counts": data.get("risk_counts") or {},
        "towns": rows,
        "columns": [str(LABELS[k]) for k in TABLE_KEYS],
        "as_of": as_of if not english else local.strftime("%Y-%m-%d %H:%M"),
        "period": period,
        "date": cn_full_date(day) if not english else day.isoformat(),
        "min_count": min_count(),
        "hidden": any(c.hidden for c in own.values()) or any(c.hidden for row in table for c in row.values()),
    }


def _feed_value(cell: Cell) -> int | dict[str, Any]:
    return cell.value if cell.value is not None else {"suppressed": True, "text": cell.text}


def feed(data: dict[str, Any], bulletin: Bulletin | None, notices: list[PublicNotice]) -> dict[str, Any]:
    """The JSON feed: the same figures as the page (small counts as {"suppressed": true, "text": "<5"})."""
    region = data["region"]
    district = region["level"] == Level.DISTRICT
    figures = data["figures"]
    own = {k: Cell(figures.get(k, 0), str(figures.get(k, 0))) for k in FIGURE_KEYS}
    if not district:
        own = suppress_one(figures)
    towns = data.get("towns") or []
    table = suppress_table([t["figures"] for t in towns])
    risk = data["risk"]
    own_risk = None
    if risk is not None:
        own_risk = {
            "level": risk["level"],
            "reason": risk["reason"] if district else _risk_reason(risk, own),
            "window_start": risk["window_start"],
            "window_end": risk["window_end"],
            "policy_version": risk["policy_version"],
        }
    return {
        "region": {"code": region["code"], "name": region["name"], "level": region["level"]},
        "day": data["day"],
        "as_of": data["cutoff"],
        "min_count": min_count(),
        "figures": {k: _feed_value(own[k]) for k in FIGURE_KEYS},
        "risk": own_risk,
        "risk_counts": data.get("risk_counts"),
        "towns": [
            {
                "code": town["code"],
                "name": town["name"],
                "risk": None
                if town["risk"] is None
                else {"level": town["risk"]["level"], "reason": _risk_reason(town["risk"], cells)},
                "figures": {k: _feed_value(cells[k]) for k in FIGURE_KEYS},
            }
            for town, cells in zip(towns, table, strict=True)
        ],
        "bulletin": None
        if bulletin is None
        else {
            "day": bulletin.day.isoformat(),
            "number": bulletin.number,
            "title": bulletin.title,
            "text": bulletin.text,
            "published_at": bulletin.published_at.isoformat() if bulletin.published_at else None,
            "url": reverse("publicinfo:bulletin", args=[region["code"], bulletin.day.isoformat()]),
        },
        "hotlines": [
            {"title": n.title, "phone": n.phone} for n in notices if n.kind == PublicNotice.Kind.HOTLINE
        ],
        "guidance": [
            {"title": n.title, "body": n.body} for n in notices if n.kind == PublicNotice.Kind.GUIDANCE
        ],
    }
