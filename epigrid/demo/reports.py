"""The demo's daily unit reports: the last week of every village, community, town and street office.

Submitted through ``reports.services.unit_report_submit`` with the moment each one "arrived", so
lateness is the service's own verdict; the figures are each unit's indicators at the day's cut-off (or
now, for today), computed for all units in one ``indicator_table`` pass per day, so a city demo's 700
units cost a few queries a day rather than a few per report. Most units
report on time, some late, some not at all; a third of the reports are zero reports; a few are
corrected by a second revision; towns write problems and suggestions in the words of seed report 1.
Today's reports arrive only if their moment has passed. Deterministic for a seed; loaded once.

Who submits: the demo's village account for its village, the town account for its town and that
town's villages, the district HQ account for every other unit (the demo has one account per role).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from random import Random

from epigrid.core.clock import local_today, now
from epigrid.core.models import User
from epigrid.measurelog.selectors import report_prefill
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import scope_for
from epigrid.reports.indicators import indicator_table, report_cutoff
from epigrid.reports.models import MEASURE_KINDS, UnitReport
from epigrid.reports.selectors import report_deadline
from epigrid.reports.services import unit_report_submit

SEED = "epigrid-demo-reports"
DAYS = 7
MISSING = 0.1
LATE = 0.1
ZERO = 0.3
REVISED = 0.06

PROBLEMS = (
    "防护用品严重匮乏，口罩仅够镇村干部两天使用，后续采购困难。",
    "个别群众听信谣言，对入户摸排有排斥情绪。",
    "各业务部门要求填报的报表过多，干部频繁下村入户。",
    "部分县级交汇路口未设疫情监测点，存在盲区。",
    "机关食堂仍在运行，干部聚集用餐存在传播风险。",
)
SUGGESTIONS = (
    "建议区政府将防控经费划拨给各乡镇，多渠道采购防护用品。",
    "建议网信、公安部门加强对谣言的查处力度。",
    "建议各业务单位减少非必要的表格和数据统计。",
    "建议在县级交汇路口增设疫情监测点。",
    "建议全面关停机关食堂，避免人员聚集用餐。",
)
# Typical daily counts per measure for a village; a town's are several times larger.
MEASURE_RANGES: dict[str, tuple[int, int]] = {
    "notices": (2, 20),
    "leaflets": (50, 400),
    "screens": (1, 3),
    "audio": (1, 4),
    "loudspeakers": (1, 6),
    "meetings": (1, 2),
    "grids": (1, 8),
    "wechat_groups": (1, 5),
    "disinfection": (1, 4),
    "banners": (2, 15),
    "gatherings_cancelled": (0, 2),
    "venues_closed": (0, 2),
    "patrols": (1, 6),
}


@dataclass(frozen=True)
class DemoReports:
    reports: int
    late: int
    zero: int
    revisions: int
    missing: int


def _measures(rng: Random, town: bool) -> dict[str, object]:
    factor = 5 if town else 1
    chosen = rng.sample(list(MEASURE_KINDS), rng.randint(2, len(MEASURE_KINDS)))
    return {kind: rng.randint(*MEASURE_RANGES[kind]) * factor for kind in chosen}


def _submitter(unit: Region, accounts: dict[str, User]) -> User | None:
    village, town, hq = accounts.get("village"), accounts.get("town"), accounts.get("hq")
    if village is not None and unit.level == Level.VILLAGE and _assigned(village, unit):
        return village
    if town is not None and _assigned(town, unit):
        return town
    return hq


def _assigned(user: User, region: Region) -> bool:
    return scope_for(user).contains(region)


def demo_reports_load(*, seed: str = SEED, days: int = DAYS) -> DemoReports:
    """Submit the last ``days`` days' reports of every unit of the first district, once."""
    district = Region.objects.filter(level=Level.DISTRICT).order_by("code").first()
    if district is None or UnitReport.objects.filter(region__path__startswith=district.path).exists():
        return DemoReports(0, 0, 0, 0, 0)
    accounts = {u.username: u for u in User.objects.filter(username__in=("hq", "town", "village"))}
    if "hq" not in accounts:
        return DemoReports(0, 0, 0, 0, 0)
    units = list(
        Region.objects.filter(path__startswith=district.path, level__in=(Level.TOWN, Level.VILLAGE)).order_by(
            "code"
        )
    )
    rng = Random(seed)
    moment_now = now()
    today = local_today()
    counts = {"reports": 0, "late": 0, "zero": 0, "revisions": 0, "missing": 0}
    for back in range(days - 1, -1, -1):
        day = today - dt.timedelta(days=back)
        deadline = report_deadline(day)
        figures = indicator_table(units, min(report_cutoff(day), moment_now))
        for unit in units:
            actor = _submitter(unit, accounts)
            roll = rng.random()
            if actor is None or roll < MISSING:
                counts["missing"] += int(deadline < moment_now)
                continue
            late = roll < MISSING + LATE
            offset = dt.timedelta(minutes=rng.randint(10, 300))
            moment = deadline + offset if late else deadline - dt.timedelta(minutes=60) - offset
            if moment > moment_now:
                continue  # not arrived yet: today's report still to come
            town = unit.level == Level.TOWN
            # What the unit logged that day (the measures log, loaded before) is what it reports.
            logged = report_prefill(unit, day)
            zero = not town and rng.random() < ZERO and not logged
            words = town or rng.random() < 0.15
            report = unit_report_submit(
                actor=actor,
                region=unit,
                day=day,
                zero=zero,
                measures={} if zero else (logged or _measures(rng, town)),
                problems="" if zero or not words else rng.choice(PROBLEMS),
                suggestions="" if zero or not words else rng.choice(SUGGESTIONS),
                moment=moment,
                figures=figures[unit.pk],
            ).report
            counts["reports"] += 1
            counts["late"] += int(report.late)
            counts["zero"] += int(zero)
            correction = moment + dt.timedelta(minutes=rng.randint(20, 120))
            if not zero and rng.random() < REVISED and correction <= moment_now:
                measures = {k: int(str(v)) + 1 for k, v in report.measures.items()}
                unit_report_submit(
                    actor=actor,
                    region=unit,
                    day=day,
                    measures=measures,
                    problems=report.problems,
                    suggestions=report.suggestions,
                    moment=correction,
                    figures=figures[unit.pk],
                )
                counts["revisions"] += 1
    return DemoReports(**counts)
