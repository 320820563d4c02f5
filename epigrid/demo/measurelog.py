"""The demo's measures log (防控措施台账): two weeks of what the district's villages, their grids and its
towns did, in the counts of the seed reports, and the compounds they sealed.

Everything goes through ``measurelog.services`` and ``measurelog.sealed_services`` (refusals, chains,
audit as for a person typing it): a village logs two to five kinds a day — early on the publicity of
seed report 1 (notices, leaflets, banners, loudspeakers), the grids and WeChat groups being set up,
gatherings cancelled and venues closed; every day disinfection, and patrols once a village is sealed —
its grids a few entries of their own, a town a meeting and its screens. A few entries are corrected and
a few withdrawn (a double entry), so the history has something to show. Street communities seal
compounds (seed report 3: "对老旧小区进行封闭…组织工作人员、志愿者进行巡逻") and some villages seal
themselves (seed report 1: "将本村出入主要路口进行封堵"), each with its guard posts; one or two have
reopened since.

Who writes: the demo ``village`` account for its village, ``grid`` for its grid, ``town`` for its town
and that town's villages, ``hq`` everywhere else. Each entry carries its real moment on its day (none
in the future: today's come only up to now). Deterministic for a seed, anchored on today; loaded once
(nothing is written when the district already has entries). In a large demo only the demo town's
villages and a sample of the others log, so the log stays a few thousand entries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from random import Random

from django.db import transaction
from django.utils import timezone

from epigrid.core.clock import local_today, now
from epigrid.core.models import User
from epigrid.measurelog.models import MeasureEntry, SealedCompound
from epigrid.measurelog.sealed_services import sealed_compound_add, sealed_compound_reopen
from epigrid.measurelog.services import (
    MeasureInvalid,
    measure_log_add,
    measure_log_correct,
    measure_log_withdraw,
)
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import scope_for

SEED = "epigrid-demo-measurelog"
DAYS = 14
# Days a village (not under closed management) logs nothing at all, so the demo keeps zero reports.
QUIET_DAY = 0.3
VILLAGES_MAX = 120  # villages that log in a large demo (the demo town's all, then a sample)
CORRECTED = 0.03
WITHDRAWN = 0.01

# (kind, chance a village logs it on a day, count range, from which day on, until which day; 0 = the
# first of the DAYS days) — publicity and setting-up early, disinfection and patrols throughout.
VILLAGE_PLAN: tuple[tuple[str, float, tuple[int, int], int, int], ...] = (
    ("notices", 0.45, (2, 12), 0, DAYS),
    ("leaflets", 0.5, (30, 260), 0, DAYS),
    ("banners", 0.35, (2, 12), 0, 8),
    ("screens", 0.15, (1, 2), 0, DAYS),
    ("audio", 0.2, (1, 3), 0, 6),
    ("loudspeakers", 0.3, (1, 4), 0, DAYS),
    ("meetings", 0.25, (1, 1), 0, DAYS),
    ("grids", 0.5, (1, 4), 0, 3),
    ("wechat_groups", 0.45, (1, 3), 0, 4),
    ("gatherings_cancelled", 0.3, (1, 3), 0, 6),
    ("venues_closed", 0.25, (1, 4), 0, 5),
    ("disinfection", 0.8, (1, 3), 0, DAYS),
)
GRID_PLAN: tuple[tuple[str, float, tuple[int, int]], ...] = (
    ("leaflets", 0.3, (20, 80)),
    ("notices", 0.2, (1, 4)),
    ("disinfection", 0.3, (1, 2)),
)
TOWN_PLAN: tuple[tuple[str, float, tuple[int, int]], ...] = (
    ("meetings", 0.7, (1, 2)),
    ("screens", 0.4, (2, 6)),
    ("loudspeakers", 0.2, (2, 8)),
    ("notices", 0.3, (10, 40)),
)
PLACES = {
    "banners": ("村委会门口", "村口", "主干道两侧", "农贸市场", "小区大门"),
    "leaflets": ("逐户发放", "村口卡点", "超市门口"),
    "disinfection": ("村委会及卫生室", "农贸市场", "公共厕所和垃圾点", "小区楼道", "超市和药店"),
    "gatherings_cancelled": ("春节社火", "庙会", "婚宴", "广场舞", "聚众打牌"),
    "venues_closed": ("棋牌室", "网吧", "寺庙", "文化活动室", "健身广场"),
    "patrols": ("全村巡逻", "小区周边", "主要路口"),
}
COMPOUNDS = ("幸福小区", "和平小区", "建设里", "铁路家属院", "康乐小区", "南苑小区", "教师公寓", "粮站家属院")
ARRANGEMENTS = (
    "东门、北门各设值守点，24小时轮班值守",
    "只留一个出入口，测温登记后进出；志愿者每日巡逻两次",
    "主要路口拉隔离警戒线，党员志愿者分三班值守",
    "物业与社区联合值守，外来人员车辆一律劝返",
)


@dataclass(frozen=True)
class DemoMeasures:
    entries: int
    corrected: int
    withdrawn: int
    sealed: int
    reopened: int
    units: int


def _moment(rng: Random, day: dt.date) -> dt.datetime:
    minutes = rng.randint(8 * 60, 20 * 60)
    naive = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60))
    return timezone.make_aware(naive)


class _Writer:
    """Log through the service, keep the tally, and leave out a refusal rather than stop the demo."""

    def __init__(self, rng: Random, current: dt.datetime) -> None:
        self.rng = rng
        self.current = current
        self.entries: list[MeasureEntry] = []

    def log(self, actor: User, unit: Region, day: dt.date, kind: str, count: int, n: int) -> None:
        moment = _moment(self.rng, day)
        if moment > self.current:
            return  # later today: not logged yet
        places = PLACES.get(kind, ())
        place = self.rng.choice(places) if places and self.rng.random() < 0.6 else ""
        try:
            logged = measure_log_add(
                actor=actor, region=unit, day=day, kind=kind, count=count, place=place,
                idempotency_key=f"demo-{unit.pk}-{day.isoformat()}-{n}", moment=moment,
            )  # fmt: skip
        except MeasureInvalid:
            return
        self.entries.append(logged.entry)


def _actor(unit: Region, accounts: dict[str, User]) -> User | None:
    for username in ("grid", "village", "town"):
        user = accounts.get(username)
        if user is None:
            continue
        level = {"grid": Level.GRID, "village": Level.VILLAGE, "town": Level.TOWN}[username]
        if unit.level >= level and scope_for(user).contains(unit):
            return user
    return accounts.get("hq")


def _villages(district: Region, first_town: Region | None, rng: Random) -> list[Region]:
    villages = list(
        Region.objects.filter(path__startswith=district.path, level=Level.VILLAGE).order_by("code")
    )
    if len(villages) <= VILLAGES_MAX:
        return villages
    own = [v for v in villages if first_town is not None and v.parent_id == first_town.pk]
    rest = [v for v in villages if v not in own]
    return own + sorted(rng.sample(rest, max(0, VILLAGES_MAX - len(own))), key=lambda v: v.code)


def _seal(
    rng: Random, accounts: dict[str, User], villages: list[Region], today: dt.date, current: dt.datetime
) -> tuple[dict[int, dt.date], int, int]:
    """Seal compounds in the communities and some villages as a whole; reopen one or two since.

    Return the day each village's first closure began (its patrols start then), how many compounds were
    sealed and how many reopened.
    """
    sealed: list[SealedCompound] = []
    for village in villages:
        actor = _actor(village, accounts)  # a village leader, the town or HQ: never a grid worker
        if actor is None:
            continue
        if village.code[9:12] < "200":  # a residents' committee (社区): its compounds
            names, kind = rng.sample(COMPOUNDS, rng.randint(1, 3)), SealedCompound.Kind.COMPOUND
        elif rng.random() < 0.4:  # a village closes its own entrances
            names, kind = [village.name], SealedCompound.Kind.VILLAGE
        else:
            continue
        for n, name in enumerate(names):
            try:
                result = sealed_compound_add(
                    actor=actor, region=village, name=name, kind=kind,
                    sealed_on=today - dt.timedelta(days=rng.randint(DAYS - 4, DAYS - 1)),
                    guard_posts=rng.randint(1, 4), arrangements=rng.choice(ARRANGEMENTS),
                    idempotency_key=f"demo-seal-{village.pk}-{n}", moment=current,
                )  # fmt: skip
            except MeasureInvalid:
                continue
            sealed.append(result.compound)
    reopened = 0
    hq = accounts["hq"]
    for compound in rng.sample(sealed, min(2, len(sealed) // 5)):
        back = rng.randint(1, 2)
        sealed_compound_reopen(
            actor=hq, compound=compound, reopened_on=today - dt.timedelta(days=back), moment=current
        )
        reopened += 1
    since: dict[int, dt.date] = {}
    for compound in sealed:
        village_id = compound.village_id or 0
        since[village_id] = min(since.get(village_id, compound.sealed_on), compound.sealed_on)
    return since, len(sealed), reopened


@transaction.atomic
def demo_measurelog_load(*, seed: str = SEED, days: int = DAYS) -> DemoMeasures:
    """Log the last ``days`` days of the first district's measures and its sealed compounds, once."""
    district = Region.objects.filter(level=Level.DISTRICT).order_by("code").first()
    if district is None or MeasureEntry.objects.filter(district_id=district.pk).exists():
        return DemoMeasures(0, 0, 0, 0, 0, 0)
    accounts = {u.username: u for u in User.objects.filter(username__in=("hq", "town", "village", "grid"))}
    if "hq" not in accounts:
        return DemoMeasures(0, 0, 0, 0, 0, 0)
    rng = Random(seed)
    current = now()
    today = local_today()
    towns = list(Region.objects.filter(parent=district, level=Level.TOWN).order_by("code"))
    town_account = accounts.get("town")
    first_town = next(
        (t for t in towns if town_account is not None and scope_for(town_account).contains(t)), None
    )
    villages = _villages(district, first_town, rng)
    grids: dict[int, list[Region]] = {}
    for grid in Region.objects.filter(parent__in=villages, level=Level.GRID).order_by("code"):
        grids.setdefault(grid.parent_id or 0, []).append(grid)
    sealed_since, sealed, reopened = _seal(rng, accounts, villages, today, current)
    writer = _Writer(rng, current)
    for back in range(days - 1, -1, -1):
        day = today - dt.timedelta(days=back)
        index = days - 1 - back  # 0 on the first day
        for town in towns:
            actor = _actor(town, accounts)
            for n, (kind, chance, (low, high)) in enumerate(TOWN_PLAN):
                if actor is not None and rng.random() < chance:
                    writer.log(actor, town, day, kind, rng.randint(low, high), n)
        for village in villages:
            actor = _actor(village, accounts)
            if actor is None:
                continue
            if village.pk not in sealed_since and rng.random() < QUIET_DAY:
                continue  # nothing done worth logging: that day's report is a zero report
            n = 0
            for kind, chance, (low, high), since, until in VILLAGE_PLAN:
                if since <= index < until and rng.random() < chance:
                    writer.log(actor, village, day, kind, rng.randint(low, high), n)
                    n += 1
            if village.pk in sealed_since and day >= sealed_since[village.pk]:
                writer.log(actor, village, day, "patrols", rng.randint(2, 6), n)
                n += 1
            for grid in grids.get(village.pk, [])[:3]:
                grid_actor = _actor(grid, accounts)
                for m, (kind, chance, (low, high)) in enumerate(GRID_PLAN):
                    if grid_actor is not None and rng.random() < chance:
                        writer.log(grid_actor, grid, day, kind, rng.randint(low, high), 100 + m)
    corrected = withdrawn = 0
    for entry in writer.entries:
        roll = rng.random()
        if roll >= CORRECTED + WITHDRAWN:
            continue
        moment = min(current, entry.recorded_at + dt.timedelta(minutes=rng.randint(10, 90)))
        try:
            if roll < CORRECTED:
                delta = rng.choice((-1, 1)) * max(1, entry.count // 10)
                measure_log_correct(
                    actor=entry.recorded_by, entry=entry, kind=entry.kind, count=max(1, entry.count + delta),
                    note="核对后更正", place=entry.place, moment=moment,
                )  # fmt: skip
                corrected += 1
            else:
                measure_log_withdraw(actor=entry.recorded_by, entry=entry, reason="重复登记", moment=moment)
                withdrawn += 1
        except MeasureInvalid:
            continue
    return DemoMeasures(
        entries=len(writer.entries),
        corrected=corrected,
        withdrawn=withdrawn,
        sealed=sealed,
        reopened=reopened,
        units=len({e.region_id for e in writer.entries}),
    )
