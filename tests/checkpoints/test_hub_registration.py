"""Registering travellers at a transport-hub screening point: kinds, service number, the observation
room for fever (and its capacity), handovers inside the district and the outside-district list."""

from __future__ import annotations

import datetime as dt

import pytest

from epigrid.checkpoints.errors import CheckpointInvalid
from epigrid.checkpoints.models import (
    HUB_KINDS,
    Checkpoint,
    Disposition,
    Handover,
    HubObservation,
    Passage,
    PassagePerson,
    is_hub_kind,
)
from epigrid.checkpoints.selectors import day_bounds, passage_figures
from epigrid.checkpoints.services import (
    CheckpointInput,
    PassageInput,
    PersonInput,
    checkpoint_save,
    passage_register,
)
from epigrid.core.models import AuditEvent
from epigrid.lib.idcard import make_id
from epigrid.people.models import TravelRecord

FOOT = ""  # a station registers travellers on foot: the vehicle type may be left out
TRAVELLER_ID = make_id(address_code="610113", birth=dt.date(1990, 5, 6), sequence=231)


def _arrive(world, station, **kw):
    data = {
        "vehicle_type": FOOT,
        "disposition": Disposition.LET_THROUGH,
        "service_no": "g 1234",
        "people": [],
    }
    data.update(kw)
    return passage_register(actor=world.checkpoint, checkpoint=station, data=PassageInput(**data))


def test_hub_kinds_are_told_apart_from_ordinary_checkpoints(world, gate, station):
    assert {k.value for k in HUB_KINDS} == {"airport", "railway", "coach", "port", "motorway"}
    assert station.is_hub and station.has_observation_room and station.arrivals_on_foot
    assert not gate.is_hub and not gate.has_observation_room and not is_hub_kind(gate.kind)
    exit_ = checkpoint_save(
        actor=world.town_officer,
        data=CheckpointInput(name="高速出口", kind=Checkpoint.Kind.MOTORWAY_EXIT, region=world.town),
    )
    assert exit_.is_hub and not exit_.arrivals_on_foot and not exit_.has_observation_room


def test_only_a_hub_has_an_observation_room(world):
    with pytest.raises(CheckpointInvalid) as caught:
        checkpoint_save(
            actor=world.town_officer,
            data=CheckpointInput(
                name="村口",
                kind=Checkpoint.Kind.VILLAGE_ENTRANCE,
                region=world.village_a,
                observation_places=2,
            ),
        )
    assert caught.value.by_field == {"observation_places": ["只有交通枢纽检测点设留观室，其他卡口请填0。"]}
    with pytest.raises(CheckpointInvalid) as caught:
        checkpoint_save(
            actor=world.town_officer,
            data=CheckpointInput(
                name="机场", kind=Checkpoint.Kind.AIRPORT, region=world.town, observation_places=99
            ),
        )
    assert "observation_places" in caught.value.by_field
    assert not Checkpoint.objects.filter(name__in=["村口", "机场"]).exists()


def test_a_traveller_is_registered_on_foot_with_the_service_number(world, station):
    result = _arrive(world, station, origin="西安", people=[PersonInput(name="陈明", temperature="36.5")])
    passage = result.passage
    assert passage.vehicle_type == Passage.VehicleType.ON_FOOT and passage.service_no == "G1234"
    assert passage.people_count == 1 and list(passage.people.values_list("disposition", flat=True)) == [
        "through"
    ]
    assert not HubObservation.objects.exists()


def test_a_station_refuses_a_vehicle_and_a_missing_service_number(world, station):
    with pytest.raises(CheckpointInvalid) as caught:
        _arrive(
            world,
            station,
            vehicle_type="car",
            plate="鄂A12345",
            service_no="",
            people=[PersonInput(name="陈明")],
        )
    assert caught.value.by_field["service_no"] == ["请填写车次/航班/班次。"]
    assert caught.value.by_field["vehicle_type"] == ["车站、机场、码头按旅客逐人登记，不登记车辆。"]
    assert not Passage.objects.exists()


def test_fever_at_a_hub_goes_to_the_observation_room_not_the_clinic(world, station):
    result = _arrive(world, station, people=[PersonInput(name="陈明", temperature="37.8")])
    row = result.passage.people.get()
    assert row.fever and row.disposition == Disposition.OBSERVATION
    stay = HubObservation.objects.get(passage_person=row)
    assert stay.is_open and stay.checkpoint == station and stay.started_at == result.passage.checked_at
    assert any("留观室" in note for note in result.notes)
    event = AuditEvent.objects.get(object_type="passage", object_id=str(result.passage.pk))
    assert event.detail["observation"] == 1


def test_the_screener_may_send_a_fever_straight_to_the_clinic(world, station):
    result = _arrive(
        world,
        station,
        people=[PersonInput(name="陈明", temperature="39.2", disposition=Disposition.FEVER_CLINIC)],
    )
    assert result.passage.people.get().disposition == Disposition.FEVER_CLINIC
    assert not HubObservation.objects.exists()


def test_a_full_room_sends_the_next_fever_to_the_clinic_and_refuses_an_explicit_stay(world, station):
    _arrive(
        world,
        station,
        people=[PersonInput(name="甲", temperature="37.6"), PersonInput(name="乙", temperature="37.9")],
    )
    assert HubObservation.objects.filter(outcome="").count() == station.observation_places == 2
    result = _arrive(world, station, people=[PersonInput(name="丙", temperature="38.0")])
    assert result.passage.people.get().disposition == Disposition.FEVER_CLINIC
    assert any("留观室已满" in note for note in result.notes)
    before = Passage.objects.count()
    with pytest.raises(CheckpointInvalid) as caught:
        _arrive(
            world,
            station,
            people=[PersonInput(name="丁", temperature="36.9", disposition=Disposition.OBSERVATION)],
        )
    assert caught.value.by_field == {
        "people.1.disposition": ["第1人：留观室已满（共2个位置），请改为送发热门诊。"]
    }
    assert Passage.objects.count() == before and HubObservation.objects.count() == 2


def test_observation_is_refused_at_an_ordinary_checkpoint(world, gate):
    with pytest.raises(CheckpointInvalid) as caught:
        passage_register(
            actor=world.checkpoint,
            checkpoint=gate,
            data=PassageInput(
                vehicle_type="car", plate="鄂A12345", disposition=Disposition.LET_THROUGH,
                people=[
                    PersonInput(name="陈明"), PersonInput(name="陈亮", disposition=Disposition.OBSERVATION),
                ],
            ),
        )  # fmt: skip
    assert caught.value.by_field == {
        "people.2.disposition": ["第2人：只有交通枢纽检测点设有留观室，不能选择留观。"]
    }
    assert not Passage.objects.exists()


def test_an_outbreak_traveller_for_a_district_village_is_handed_over_with_the_train(world, station):
    result = _arrive(
        world, station, origin="武汉", from_outbreak_area=True, destination_region=world.village_a,
        people=[PersonInput(name="孙红", id_number=TRAVELLER_ID, temperature="36.6")],
    )  # fmt: skip
    assert [h.region for h in result.handovers] == [world.village_a]
    handover = Handover.objects.get()
    travel = TravelRecord.objects.get(person=handover.person)
    assert travel.transport == TravelRecord.Transport.TRAIN and travel.transport_no == "G1234"


def test_an_outbreak_traveller_for_outside_the_district_goes_on_the_outside_list(world, station):
    result = _arrive(
        world, station, origin="武汉", via_outbreak_area=True, destination_province="陕西省",
        destination_city="西安市", destination="雁塔区",
        people=[PersonInput(name="孙红", temperature="36.6")],
    )  # fmt: skip
    passage = result.passage
    assert passage.outside_district and passage.outside_destination == "陕西省西安市雁塔区"
    assert passage.people.get().disposition == Disposition.HANDED_OVER
    assert not result.handovers and not Handover.objects.exists()
    assert any("外地人员移交清单" in note for note in result.notes)


def test_an_outbreak_traveller_without_a_destination_is_refused(world, station):
    with pytest.raises(CheckpointInvalid) as caught:
        _arrive(world, station, from_outbreak_area=True, people=[PersonInput(name="孙红")])
    assert caught.value.by_field == {
        "destination_province": ["重点地区来人请选择本区目的地村/社区，或填写外地目的地省份。"]
    }
    with pytest.raises(CheckpointInvalid) as caught:
        _arrive(
            world, station, destination_region=world.village_a, destination_province="陕西省",
            people=[PersonInput(name="孙红")],
        )  # fmt: skip
    assert "destination_province" in caught.value.by_field
    assert not Passage.objects.exists()


def test_a_group_at_a_station_is_small(world, station):
    with pytest.raises(CheckpointInvalid) as caught:
        _arrive(world, station, people=[PersonInput(name=f"旅客{i}") for i in range(11)])
    assert caught.value.by_field["people"] == ["同行人员一次最多登记10人，请分开登记。"]


def test_daily_figures_count_the_room_and_the_clinic_after_it(world, station):
    from epigrid.checkpoints.observation import observation_record

    _arrive(
        world,
        station,
        people=[PersonInput(name="甲", temperature="37.6"), PersonInput(name="乙", temperature="36.5")],
    )
    _arrive(world, station, people=[PersonInput(name="丙", temperature="38.2")])
    stays = list(HubObservation.objects.order_by("id"))
    observation_record(
        actor=world.checkpoint,
        stay=stays[1],
        outcome="clinic",
        temperature="38.3",
        clinic_name="区人民医院发热门诊",
    )
    start, end = day_bounds(PassagePerson.objects.first().passage.day)
    figures = passage_figures("checkpoint_id", [station.pk], start=start, end=end)[station.pk]
    assert figures == {
        "vehicles": 0, "people": 3, "turned_back": 0, "handed_over": 0, "fever_clinic": 1, "fever": 2,
        "observation": 2,
    }  # fmt: skip
