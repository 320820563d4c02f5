"""The rules a transport-hub screening point (机场、火车站、汽车客运站、港口码头、高速公路出口) adds to a
registration, called by ``services.passage_register``.

At a station travellers come off a train, flight, coach or ship on foot, so a registration is one
traveller (or a small group travelling together) with the service they came by (车次/航班/班次).
Someone with fever goes to the hub's observation room (留观) to be re-checked, not straight to the
fever clinic; the room has a number of places and its occupancy is the count of open stays
(``HubObservation`` without an outcome), taken under a lock on the checkpoint row so two screeners
cannot both fill the last place. A traveller heading outside the district is recorded with the
destination (province, city, address) and listed on the 外地人员移交清单 (``outside``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from epigrid.checkpoints.errors import CheckpointInvalid, FieldError
from epigrid.checkpoints.models import Checkpoint, Disposition, HubObservation, Passage, PassagePerson
from epigrid.people.models import TravelRecord

if TYPE_CHECKING:
    from epigrid.checkpoints.services import PassageInput, PersonInput

PLACES_MAX = 50  # an observation room of a station is a few beds or chairs; more is a typing accident
GROUP_MAX = 10  # people travelling together registered at once at a hub
SERVICE_NO_MAX = 20
PROVINCE_MAX = 20
CITY_MAX = 30

# How a traveller registered at a station travelled (the journey written with a handover); at a
# motorway exit, as at any barrier, the vehicle says it.
TRANSPORT_OF_KIND: dict[str, str] = {
    Checkpoint.Kind.AIRPORT: TravelRecord.Transport.PLANE,
    Checkpoint.Kind.RAILWAY: TravelRecord.Transport.TRAIN,
    Checkpoint.Kind.COACH: TravelRecord.Transport.COACH,
    Checkpoint.Kind.PORT: TravelRecord.Transport.SHIP,
}


def places_errors(kind: str, places: int) -> list[FieldError]:
    """Check a checkpoint's observation-room places: only hubs have a room, and a small one."""
    from epigrid.checkpoints.models import is_hub_kind

    if places < 0 or places > PLACES_MAX:
        return [FieldError("observation_places", _("留观室位置数应在0至50之间。"))]
    if places and not is_hub_kind(kind):
        return [FieldError("observation_places", _("只有交通枢纽检测点设留观室，其他卡口请填0。"))]
    return []


def hub_errors(checkpoint: Checkpoint, data: PassageInput, typed: list[PersonInput]) -> list[FieldError]:
    """The hub's own checks of a registration; at an ordinary checkpoint only that nobody is sent to an
    observation room it does not have. ``typed`` are the people rows that were filled in (numbered from 1
    as the service numbers them)."""
    errors: list[FieldError] = []
    service_no = data.service_no.strip()
    province = data.destination_province.strip()
    city = data.destination_city.strip()
    if len(service_no) > SERVICE_NO_MAX:
        errors.append(FieldError("service_no", _("车次/航班/班次不能超过20个字符。")))
    if len(province) > PROVINCE_MAX:
        errors.append(FieldError("destination_province", _("目的地省份不能超过20字。")))
    if len(city) > CITY_MAX:
        errors.append(FieldError("destination_city", _("目的地城市不能超过30字。")))
    if not checkpoint.is_hub:
        if data.disposition == Disposition.OBSERVATION:
            errors.append(FieldError("disposition", _("只有交通枢纽检测点设有留观室，不能选择留观。")))
        for seq, person in enumerate(typed, start=1):
            if person.disposition == Disposition.OBSERVATION:
                errors.append(
                    FieldError(
                        f"people.{seq}.disposition",
                        _("第%(n)s人：只有交通枢纽检测点设有留观室，不能选择留观。") % {"n": seq},
                    )
                )
        return errors
    if checkpoint.arrivals_on_foot:
        if data.vehicle_type not in ("", Passage.VehicleType.ON_FOOT):
            errors.append(FieldError("vehicle_type", _("车站、机场、码头按旅客逐人登记，不登记车辆。")))
        if not service_no:
            errors.append(FieldError("service_no", _("请填写车次/航班/班次。")))
        if len(typed) > GROUP_MAX:
            errors.append(FieldError("people", _("同行人员一次最多登记10人，请分开登记。")))
    if data.destination_region is not None and province:
        errors.append(
            FieldError("destination_province", _("已选择本区目的地村/社区，不要再填写外地目的地。"))
        )
    outbreak = data.from_outbreak_area or data.via_outbreak_area
    if outbreak and data.destination_region is None and not province:
        errors.append(
            FieldError(
                "destination_province", _("重点地区来人请选择本区目的地村/社区，或填写外地目的地省份。")
            )
        )
    if not checkpoint.has_observation_room:
        for seq, person in enumerate(typed, start=1):
            if person.disposition == Disposition.OBSERVATION:
                errors.append(
                    FieldError(
                        f"people.{seq}.disposition", _("第%(n)s人：本检测点没有设留观室。") % {"n": seq}
                    )
                )
    return errors


def outside_text(data: PassageInput) -> str:
    """A destination outside the district as one text (陕西省西安市雁塔区), kept in ``Passage.destination``
    so the checkpoint log (卡口登记表) and every list show it whole; "" for any other destination."""
    province = data.destination_province.strip()
    if data.destination_region is not None or not province:
        return ""
    city = data.destination_city.strip()
    address = data.destination.strip()
    prefix = province + city
    return (address if address.startswith(province) else prefix + address)[:100]


@dataclass
class Settled:
    """A traveller's disposition after the rules, and the note said back to the screener."""

    disposition: str
    note: str = ""


def hub_settle(
    checkpoint: Checkpoint, data: PassageInput, *, label: str, fever: bool, temperature: object, typed: str
) -> Settled | None:
    """The hub's decision for one traveller, or None to leave it to the ordinary rules.

    Fever at a hub with a room: to the room (留观) unless the screener chose the fever clinic. A
    traveller from or through the outbreak area heading outside the district, let through, is put on
    the outside-district handover list (登记后移交属地).
    """
    if not checkpoint.is_hub:
        return None
    if (
        fever
        and checkpoint.has_observation_room
        and typed
        not in (
            Disposition.FEVER_CLINIC,
            Disposition.OBSERVATION,
        )
    ):
        return Settled(
            Disposition.OBSERVATION,
            _("%(who)s 体温%(t)s℃，已安排到留观室复测。") % {"who": label, "t": temperature},
        )
    outbreak = data.from_outbreak_area or data.via_outbreak_area
    if (
        not fever
        and outbreak
        and data.destination_region is None
        and data.destination_province.strip()
        and typed == Disposition.LET_THROUGH
    ):
        return Settled(
            Disposition.HANDED_OVER,
            _("%(who)s 来自或途经重点地区，目的地在区外，已列入外地人员移交清单。") % {"who": label},
        )
    return None


def open_stays(checkpoint: Checkpoint) -> int:
    """How many travellers are in the checkpoint's observation room now (stays without an outcome)."""
    return HubObservation.objects.filter(checkpoint=checkpoint, outcome="").count()


def stays_open_for(
    checkpoint: Checkpoint, rows: list[PassagePerson], *, started_at: dt.datetime
) -> list[HubObservation]:
    """Put the travellers sent to the room in it, inside the registration's transaction; refused with
    the row named when the room has no place left (the caller's transaction then writes nothing)."""
    entering = [row for row in rows if row.disposition == Disposition.OBSERVATION]
    if not entering:
        return []
    # Lock the checkpoint: the free places are counted and taken by one registration at a time.
    Checkpoint.objects.select_for_update().filter(pk=checkpoint.pk).first()
    free = checkpoint.observation_places - open_stays(checkpoint)
    if len(entering) > free:
        row = entering[max(free, 0)]
        raise CheckpointInvalid(
            [
                FieldError(
                    f"people.{row.seq}.disposition",
                    _("第%(n)s人：留观室已满（共%(places)s个位置），请改为送发热门诊。")
                    % {"n": row.seq, "places": checkpoint.observation_places},
                )
            ]
        )
    stays = [
        HubObservation(passage_person=row, checkpoint=checkpoint, started_at=started_at) for row in entering
    ]
    return HubObservation.objects.bulk_create(stays)


def room_full_fallback(checkpoint: Checkpoint, wanted: int) -> int:
    """How many of ``wanted`` automatic room placements still fit (the rest go to the fever clinic)."""
    if not checkpoint.has_observation_room:
        return 0
    return max(min(wanted, checkpoint.observation_places - open_stays(checkpoint)), 0)
