"""The demo's protective supplies: a month of stock in the district warehouse, every town and the demo
town's villages, with the shortage of seed report 1 ("口罩仅够镇村干部两天使用，后续采购困难").

Everything goes through ``resources.services``, so the ledger is real (each line with its balance,
audited): over the last 30 days the warehouse buys and is given masks, N95s, gloves and the rest, and
sends each town its share; towns and villages buy and are given some of their own; over the last 14
days each town issues masks and gloves every day to its cadres on duty, each of the demo town's
villages masks every other day. Every depot has its staffing (a town: about its cadres on duty; a
village: a handful).

What the pages then show: the demo town, 红柳镇 (the demo accounts' town), has masks for about two
days at its staffing (level "short"); one other town has used up its N95s (level "out"); the demo
town and that town have each asked the district for masks, more in all than the warehouse holds, so
the allocation page proposes a split. Deterministic for a seed, anchored on today; loaded once.

Who writes: the demo ``town`` account for the demo town and its villages (the ``village`` account for
its own village), a town officer without a password for the other town that asks, HQ elsewhere.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from random import Random

from django.db import transaction

from epigrid.core.clock import local_today
from epigrid.core.models import User
from epigrid.core.roles import Role
from epigrid.regions.models import Level, Region
from epigrid.regions.services import assignment_add
from epigrid.resources.items import builtin_items_ensure
from epigrid.resources.models import Depot, StockMovement, SupplyItem
from epigrid.resources.services import (
    depot_for_region,
    request_submit,
    staffing_set,
    stock_issue,
    stock_receive,
    stock_transfer,
)

SEED = "epigrid-demo-supplies"
ISSUE_DAYS = 14  # issues on each of the last 14 days (not today: the forecast counts whole days)
SHORT_DAYS = 2.0  # the demo town's masks: "仅够两天"
WAREHOUSE_MASKS = 1800  # what the district holds when the towns ask
MASK, N95, GLOVES = "surgical-mask", "n95-mask", "gloves"
# The rest of the built-in items: one purchase each for the warehouse and every town, never issued.
DURABLE = {
    "protective-suit": (200, 40),
    "goggles": (100, 20),
    "face-shield": (150, 30),
    "thermometer-ir": (60, 10),
    "thermometer": (500, 50),
    "disinfectant-84": (400, 60),
    "hand-sanitizer": (300, 40),
    "alcohol-75": (300, 40),
}
SUPPLIERS = ("县医药公司", "兰州医疗器械有限公司", "区供销社")
DONORS = ("爱心企业", "商会", "在外乡贤", "红十字会")


@dataclass(frozen=True)
class DemoSupplies:
    depots: int
    movements: int
    requests: int
    short: int
    out: int


@dataclass
class _Plan:
    """One depot's masks or gloves: the daily issues and the stock left after them."""

    issues: list[tuple[dt.date, int]]
    left: int

    @property
    def needed(self) -> int:
        return sum(q for _, q in self.issues) + self.left


def _issues(rng: Random, today: dt.date, per_day: int, every: int = 1) -> list[tuple[dt.date, int]]:
    return [
        (today - dt.timedelta(days=back), max(1, round(per_day * every * rng.uniform(0.85, 1.1))))
        for back in range(ISSUE_DAYS, 0, -every)
    ]


def _recent_per_day(issues: list[tuple[dt.date, int]], today: dt.date) -> float:
    since = today - dt.timedelta(days=7)
    return sum(q for day, q in issues if since <= day < today) / 7


def _receive_in_parts(
    rng: Random,
    actor: User,
    depot: Depot,
    item: SupplyItem,
    total: int,
    today: dt.date,
    days: tuple[int, int],
) -> int:
    """``total`` received in a purchase and a donation (in that order), between ``days`` days ago."""
    purchase = max(1, round(total * rng.uniform(0.5, 0.7)))
    donation = total - purchase
    first, last = days
    stock_receive(
        actor=actor, depot=depot, item=item, quantity=purchase, kind=StockMovement.Kind.PURCHASE,
        occurred_on=today - dt.timedelta(days=rng.randint(last + 3, first)), source=rng.choice(SUPPLIERS),
    )  # fmt: skip
    if donation > 0:
        stock_receive(
            actor=actor, depot=depot, item=item, quantity=donation, kind=StockMovement.Kind.DONATION,
            occurred_on=today - dt.timedelta(days=rng.randint(last, last + 2)), source=rng.choice(DONORS),
        )  # fmt: skip
    return 1 + int(donation > 0)


def _town_officer(town: Region) -> User:
    """A town officer without a password (the demo has one town account, for the demo town)."""
    user, created = User.objects.get_or_create(
        username=f"town-{town.code}",
        defaults={"role": Role.TOWN_OFFICER, "display_name": f"{town.name}网格员"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        assignment_add(user=user, region=town)
    return user


@transaction.atomic
def demo_supplies_load(*, seed: str = SEED) -> DemoSupplies:
    """Stock, a month of ledger, staffing and two open requests for the first district, once."""
    district = Region.objects.filter(level=Level.DISTRICT).order_by("code").first()
    hq = User.objects.filter(username="hq").first()
    if district is None or hq is None or StockMovement.objects.filter(district_id=district.pk).exists():
        return DemoSupplies(0, 0, 0, 0, 0)
    accounts = {u.username: u for u in User.objects.filter(username__in=("town", "village"))}
    demo_town = Region.objects.filter(assignments__user__username="town", level=Level.TOWN).first()
    demo_village = Region.objects.filter(assignments__user__username="village", level=Level.VILLAGE).first()
    towns = list(Region.objects.filter(parent=district, level=Level.TOWN).order_by("code"))
    if demo_town is None or demo_town not in towns or len(towns) < 2:
        return DemoSupplies(0, 0, 0, 0, 0)
    rng = Random(seed)
    today = local_today()
    items = {i.code: i for i in builtin_items_ensure()}
    mask, n95, gloves = items[MASK], items[N95], items[GLOVES]
    # The other town that asks for masks and has run out of N95s: the next town after the demo town.
    others = [t for t in towns if t.pk != demo_town.pk]
    asking = others[0]
    actors: dict[int, User] = {t.pk: hq for t in towns}
    actors[demo_town.pk] = accounts.get("town", hq)
    actors[asking.pk] = _town_officer(asking)
    movements = 0

    warehouse = depot_for_region(district)
    staffing_set(actor=hq, depot=warehouse, staff_on_duty=6, shifts_per_day=1)
    town_depots = {t.pk: depot_for_region(t) for t in towns}
    # Staffing and the masks' and gloves' plans of each town: about its cadres on duty.
    plans: dict[tuple[int, str], _Plan] = {}
    for town in towns:
        demo = town.pk == demo_town.pk
        staff, shifts = (60, 2) if demo else (rng.randint(25, 50), rng.choice((1, 2)))
        if town.pk == asking.pk:
            staff, shifts = rng.randint(40, 50), 2
        staffing_set(
            actor=actors[town.pk], depot=town_depots[town.pk], staff_on_duty=staff, shifts_per_day=shifts
        )
        for item in (mask, gloves):
            planned = staff * shifts * float(item.use_per_shift)
            issues = _issues(rng, today, round(planned * rng.uniform(0.8, 1.0)))
            per_day = max(planned, _recent_per_day(issues, today))
            days = SHORT_DAYS if demo and item is mask else rng.uniform(6, 14)
            if town.pk == asking.pk and item is mask:
                days = rng.uniform(4, 5)  # enough for now, not for the two weeks it asks for
            plans[(town.pk, item.code)] = _Plan(issues, math.ceil(per_day * days))
    # The warehouse: bought and given what it sends the towns (two thirds of what each needs) and more.
    sent = {(t.pk, code): round(plans[(t.pk, code)].needed * 2 / 3) for t in towns for code in (MASK, GLOVES)}
    n95_sent = {t.pk: rng.choice((40, 60, 80)) for t in towns}
    totals = {
        MASK: sum(sent[(t.pk, MASK)] for t in towns) + WAREHOUSE_MASKS,
        GLOVES: sum(sent[(t.pk, GLOVES)] for t in towns) + 3000,
        N95: sum(n95_sent.values()) + 400,
    }
    for code, total in totals.items():
        movements += _receive_in_parts(rng, hq, warehouse, items[code], total, today, (30, 20))
    for code, (total, per_town) in DURABLE.items():
        # Enough for every town's first allocation however many towns there are (the city demo has 48).
        quantity = max(total, per_town // 2 * len(towns) + per_town)
        stock_receive(
            actor=hq, depot=warehouse, item=items[code], quantity=quantity,
            occurred_on=today - dt.timedelta(days=rng.randint(20, 30)), source=rng.choice(SUPPLIERS),
        )  # fmt: skip
        movements += 1
    # The district's allocations to the towns, 16-18 days ago; then each town's own receipts.
    for town in towns:
        depot = town_depots[town.pk]
        moved_on = today - dt.timedelta(days=rng.randint(16, 18))
        for code, quantity in ((MASK, sent[(town.pk, MASK)]), (GLOVES, sent[(town.pk, GLOVES)]),
                               (N95, n95_sent[town.pk])):  # fmt: skip
            stock_transfer(
                actor=hq, source=warehouse, target=depot, item=items[code], quantity=quantity,
                occurred_on=moved_on, note="区指挥部调拨（第一批）",
            )  # fmt: skip
            movements += 2
        for code in (MASK, GLOVES):
            own = plans[(town.pk, code)].needed - sent[(town.pk, code)]
            movements += _receive_in_parts(rng, actors[town.pk], depot, items[code], own, today, (29, 15))
        for code, (_total, per_town) in DURABLE.items():
            if rng.random() < 0.5:
                stock_transfer(
                    actor=hq, source=warehouse, target=depot, item=items[code], quantity=per_town // 2,
                    occurred_on=moved_on, note="区指挥部调拨（第一批）",
                )  # fmt: skip
                movements += 2
    # The last 14 days: masks and gloves to the cadres on duty, every day.
    for town in towns:
        depot = town_depots[town.pk]
        for code in (MASK, GLOVES):
            for day, quantity in plans[(town.pk, code)].issues:
                stock_issue(
                    actor=actors[town.pk], depot=depot, item=items[code], quantity=quantity,
                    recipient=f"{town.name}值守干部", purpose="值守、入户排查", occurred_on=day,
                )  # fmt: skip
                movements += 1
    # The asking town has handed out all its N95s to its checkpoint and fever-screening teams.
    n95_days = [today - dt.timedelta(days=back) for back in range(6, 0, -1)]
    left = n95_sent[asking.pk]
    for index, day in enumerate(n95_days):
        quantity = left if index == len(n95_days) - 1 else min(left, rng.randint(5, 12))
        if quantity > 0:
            stock_issue(
                actor=actors[asking.pk], depot=town_depots[asking.pk], item=n95, quantity=quantity,
                recipient="卡口和发热筛查人员", purpose="卡口值守", occurred_on=day,
            )  # fmt: skip
            movements += 1
            left -= quantity
    # The demo town's villages: a handful on duty, masks donated and bought, issued every other day.
    villages = list(Region.objects.filter(parent=demo_town, level=Level.VILLAGE).order_by("code"))
    village_depots = []
    for village in villages:
        actor = (
            accounts["village"] if village == demo_village and "village" in accounts else actors[demo_town.pk]
        )
        depot = depot_for_region(village)
        village_depots.append(depot)
        staff = rng.randint(3, 8)
        staffing_set(actor=actor, depot=depot, staff_on_duty=staff, shifts_per_day=1)
        issues = _issues(rng, today, staff, every=2)
        per_day = max(float(staff), _recent_per_day(issues, today))
        plan = _Plan(issues, math.ceil(per_day * rng.uniform(3.5, 12)))
        movements += _receive_in_parts(rng, actor, depot, mask, plan.needed, today, (28, 15))
        stock_receive(
            actor=actor, depot=depot, item=gloves, quantity=staff * rng.randint(8, 20),
            kind=StockMovement.Kind.DONATION, occurred_on=today - dt.timedelta(days=rng.randint(15, 25)),
            source=rng.choice(DONORS),
        )  # fmt: skip
        movements += 1
        for day, quantity in plan.issues:
            stock_issue(
                actor=actor, depot=depot, item=mask, quantity=quantity, recipient=f"{village.name}网格员",
                purpose="入户排查", occurred_on=day,
            )  # fmt: skip
            movements += 1
    # Two open requests for masks, more in all than the warehouse holds.
    requests = [
        request_submit(
            actor=actors[demo_town.pk], depot=town_depots[demo_town.pk], item=mask, quantity=3000, days=14,
            reason="目前，本镇口罩仅够镇村干部两天使用，后续采购困难。",
        ),
        request_submit(
            actor=actors[asking.pk], depot=town_depots[asking.pk], item=mask, quantity=1800, days=14,
            reason="卡口和入户排查人员增加，口罩消耗快。",
        ),
    ]  # fmt: skip
    from epigrid.resources.forecast import OUT, SHORT, outlooks

    depot_ids = [warehouse.pk, *(d.pk for d in town_depots.values()), *(d.pk for d in village_depots)]
    levels = [o.level for o in outlooks(depot_ids, [mask, n95, gloves], today=today).values()]
    return DemoSupplies(
        depots=len(depot_ids),
        movements=movements,
        requests=len(requests),
        short=levels.count(SHORT),
        out=levels.count(OUT),
    )
