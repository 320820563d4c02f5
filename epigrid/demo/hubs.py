"""The demo's transport-hub screening point: the district's railway station (火车站体温检测点) with a
four-place observation room, and about eighty travellers of the last three days.

Everything goes through the services the screeners use (``checkpoints.services.passage_register`` and
``checkpoints.observation.observation_record``, with the re-checks entered afterwards at their real
times), so the rules decide as at a real station: fever → the observation room, then released after a
normal re-check or sent to the fever clinic; outbreak-area travellers for a village of the district →
handed to it (the demo village among them); travellers for other provinces → the outside-district
handover list. One traveller with fever is still in the room now. The plan (who has fever, who comes
from the outbreak area, where they go) is fixed; names, times and numbers are drawn from a seeded
generator: deterministic for a seed, anchored on now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from random import Random

from django.db import transaction

from epigrid.checkpoints.errors import CheckpointInvalid
from epigrid.checkpoints.models import (
    Checkpoint,
    Disposition,
    Handover,
    HubObservation,
    Passage,
    PassagePerson,
)
from epigrid.checkpoints.observation import observation_record
from epigrid.checkpoints.outside import outside_rows
from epigrid.checkpoints.services import (
    CheckpointInput,
    PassageInput,
    PersonInput,
    checkpoint_save,
    passage_register,
)
from epigrid.core.clock import now
from epigrid.core.models import User
from epigrid.demo import names
from epigrid.demo.checkpoints import (
    OTHER_ORIGINS,
    OUTBREAK_ORIGINS,
    VIA_ORIGINS,
    _box,
    _inside,
    _phone,
    _staff,
    _Travellers,
)
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import subtree_q

SEED = "epigrid-demo-hubs"
TRAVELLERS = 80
PLACES = 4
HOURS_BACK = 68  # the services take entries up to 72 hours after the fact
# Positions in the day-ordered list of arrivals (the last arrival, with fever, is still in the room).
FEVER_AT = (9, 22, 37, 51, 64)
OUTCOMES = ("released", "clinic", "released", "clinic", "released")
OUTBREAK_OUTSIDE_AT = (3, 7, 14, 19, 26, 31, 40, 46, 55, 61, 68, 74)
OUTBREAK_DISTRICT_AT = (5, 17, 29, 37, 44, 58, 71)  # 37 has fever: handed over once released
FEVER_OUTSIDE = (22, 51)  # two of the fevers head for another province
OUTSIDE = (
    ("陕西省", "西安市", "雁塔区"), ("青海省", "西宁市", "城东区"), ("宁夏回族自治区", "银川市", "金凤区"),
    ("四川省", "成都市", "武侯区"), ("新疆维吾尔自治区", "乌鲁木齐市", "天山区"),
    ("甘肃省", "天水市", "秦州区"), ("甘肃省", "酒泉市", "肃州区"), ("河南省", "郑州市", "金水区"),
)  # fmt: skip
FAR_ORIGINS = ("北京", "上海", "成都", "郑州", "西安", "重庆", "乌鲁木齐")


@dataclass(frozen=True)
class DemoHubs:
    checkpoints: int
    travellers: int
    fever: int
    in_room: int
    released: int
    to_clinic: int
    handovers: int
    outside: int


def _service_no(rng: Random) -> str:
    letter = rng.choice("GGGDDKKTZ")
    return f"{letter}{rng.randint(11, 2999) if letter in 'GD' else rng.randint(41, 1599)}"


def _fever(rng: Random) -> str:
    return f"{rng.uniform(37.4, 38.7):.1f}"


def _normal(rng: Random) -> str:
    return f"{min(max(rng.gauss(36.4, 0.2), 35.8), 37.0):.1f}"


def _arrival(
    rng: Random,
    n: int,
    travellers: _Travellers,
    villages: list[Region],
    demo_village: Region | None,
    moment: dt.datetime,
    hub: Checkpoint,
    *,
    fever: bool,
) -> PassageInput:
    """The ``n``-th arrival of the plan: who, by which train, from and to where."""
    outbreak_outside = n in OUTBREAK_OUTSIDE_AT
    outbreak_district = n in OUTBREAK_DISTRICT_AT
    outbreak = outbreak_outside or outbreak_district
    via = outbreak and n % 4 == 3
    origin = (
        rng.choice(VIA_ORIGINS if via else OUTBREAK_ORIGINS)
        if outbreak
        else rng.choice(OTHER_ORIGINS + FAR_ORIGINS)
    )
    destination: Region | None = None
    province = city = address = ""
    if outbreak_district and villages:
        destination = demo_village if demo_village is not None and n % 2 else rng.choice(villages)
    elif outbreak_outside or n in FEVER_OUTSIDE or rng.random() < 0.45:
        province, city, address = rng.choice(OUTSIDE)
    group = 2 if not fever and rng.random() < 0.12 else 1
    people = []
    for seat in range(group):
        typed = travellers.stranger()
        people.append(
            PersonInput(
                name=typed.name, id_number=typed.id_number, phone=typed.phone,
                temperature=_fever(rng) if fever and seat == 0 else _normal(rng),
            )
        )  # fmt: skip
    return PassageInput(
        vehicle_type="",
        disposition=Disposition.LET_THROUGH,
        people=people,
        service_no=_service_no(rng),
        origin=origin,
        destination_region=destination,
        destination_province=province,
        destination_city=city,
        destination=address,
        purpose=rng.choice(("返乡", "探亲", "务工", "出差")),
        from_outbreak_area=outbreak and not via,
        via_outbreak_area=via,
        checked_at=moment,
        idempotency_key=f"demo-hub-{hub.pk}-{n}",
    )


def _close(rng: Random, actor: User, stay: HubObservation, outcome: str, clinic: str) -> None:
    """Re-check a stay twenty minutes in and end it within the next hour, at those times."""
    start = stay.started_at
    current = now() - dt.timedelta(minutes=1)
    recheck_at = min(start + dt.timedelta(minutes=rng.randint(15, 30)), current)
    end_at = min(recheck_at + dt.timedelta(minutes=rng.randint(20, 60)), current)
    if outcome == HubObservation.Outcome.RELEASED:
        observation_record(actor=actor, stay=stay, temperature=_normal(rng), at=recheck_at)
        observation_record(actor=actor, stay=stay, outcome=outcome, temperature=_normal(rng), at=end_at)
    else:
        observation_record(actor=actor, stay=stay, temperature=_fever(rng), at=recheck_at)
        observation_record(actor=actor, stay=stay, outcome=outcome, clinic_name=clinic, at=end_at)


@transaction.atomic
def demo_hubs_load(*, seed: str = SEED) -> DemoHubs:
    """Set up the district's railway station screening point and its last three days, once."""
    empty = DemoHubs(0, 0, 0, 0, 0, 0, 0, 0)
    district = Region.objects.filter(level=Level.DISTRICT).order_by("code").first()
    hq = User.objects.filter(username="hq").first()
    if district is None or hq is None:
        return empty
    name = f"{district.name}火车站体温检测点"
    if Checkpoint.objects.filter(district_id=district.pk, name=name).exists():
        return empty
    towns = list(Region.objects.filter(parent=district, level=Level.TOWN).order_by("code"))
    # The demo accounts' town (demo.accounts): the first town by code that is not a street office.
    town = next((t for t in towns if not t.code[6:9].startswith("0")), towns[0] if towns else None)
    if town is None:
        return empty
    rng = Random(seed)
    point = _inside(rng, _box(town))
    surname = names.surname(rng)
    try:
        hub = checkpoint_save(
            actor=User.objects.filter(username="town").first() or hq,
            data=CheckpointInput(
                name=name, kind=Checkpoint.Kind.RAILWAY, region=town, road_name="站前路",
                longitude=point[0], latitude=point[1], unit=f"{district.name}卫生健康局",
                person_in_charge=f"{surname}科长", phone=_phone(rng),
                staff=f"疾控中心、铁路公安、{town.name}志愿者", observation_places=PLACES,
            ),
        )  # fmt: skip
    except CheckpointInvalid:  # e.g. a boundary that does not hold the point
        return empty
    staff = _staff(town, True)
    villages = list(
        Region.objects.filter(subtree_q(district.path), level=Level.VILLAGE).order_by("code")[:40]
    )
    demo_village = Region.objects.filter(parent=town, level=Level.VILLAGE).order_by("code").first()
    demo_grid = Region.objects.filter(parent=demo_village).order_by("code").first() if demo_village else None
    travellers = _Travellers(rng, town, demo_grid)
    current = now()
    moments = sorted(
        current - dt.timedelta(seconds=rng.uniform(2 * 3600, HOURS_BACK * 3600))
        for _ in range(TRAVELLERS - 1)
    )
    moments.append(current - dt.timedelta(minutes=35))  # the last arrival: with fever, in the room now
    clinic = f"{district.name}人民医院发热门诊"
    registered = 0
    for n, moment in enumerate(moments):
        last = n == len(moments) - 1
        fever = n in FEVER_AT or last
        data = _arrival(rng, n, travellers, villages, demo_village, moment, hub, fever=fever)
        try:
            result = passage_register(actor=staff, checkpoint=hub, data=data)
        except CheckpointInvalid:
            continue
        registered += 1
        stay = HubObservation.objects.filter(passage_person__passage=result.passage).first()
        if stay is not None and not last:
            _close(rng, staff, stay, OUTCOMES[FEVER_AT.index(n) % len(OUTCOMES)], clinic)
        elif stay is not None:
            observation_record(
                actor=staff, stay=stay, temperature=_fever(rng), at=current - dt.timedelta(minutes=15)
            )
    stays = HubObservation.objects.filter(checkpoint=hub)
    rows = PassagePerson.objects.filter(passage__checkpoint=hub)
    return DemoHubs(
        checkpoints=1,
        travellers=sum(Passage.objects.filter(checkpoint=hub).values_list("people_count", flat=True)),
        fever=rows.filter(fever=True).count(),
        in_room=stays.filter(outcome="").count(),
        released=stays.filter(outcome=HubObservation.Outcome.RELEASED).count(),
        to_clinic=stays.filter(outcome=HubObservation.Outcome.CLINIC).count(),
        handovers=Handover.objects.filter(passage_person__passage__checkpoint=hub).count(),
        outside=outside_rows(
            checkpoint=hub,
            start=moments[0].date() - dt.timedelta(days=1),
            end=current.date() + dt.timedelta(days=1),
        ).count(),
    )
