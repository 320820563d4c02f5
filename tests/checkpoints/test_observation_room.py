"""The observation room of a transport hub: re-checks, outcomes, idempotency, the release handover,
the room page and its API (who is in it, places free, 422 naming fields, scope)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import Client

from epigrid.checkpoints.errors import CheckpointInvalid
from epigrid.checkpoints.models import Disposition, Handover, HubObservation, PassagePerson
from epigrid.checkpoints.observation import observation_record
from epigrid.checkpoints.services import PassageInput, PersonInput, passage_register
from epigrid.core.models import AuditEvent
from epigrid.core.roles import Role
from tests import factories as f

API = "/api/v1"


def _fever(world, station, name="陈明", temperature="38.0", **kw):
    data = {
        "vehicle_type": "",
        "disposition": Disposition.LET_THROUGH,
        "service_no": "D2211",
        "origin": "西安",
    }
    data.update(kw)
    result = passage_register(
        actor=world.checkpoint,
        checkpoint=station,
        data=PassageInput(
            people=[PersonInput(name=name, phone="13911112222", temperature=temperature)], **data
        ),
    )
    return result.passage.people.get().observation


def test_a_recheck_is_recorded_and_a_double_tap_is_one(world, station):
    stay = _fever(world, station)
    first = observation_record(actor=world.checkpoint, stay=stay, temperature="37.5")
    again = observation_record(actor=world.checkpoint, stay=stay, temperature="37.5")
    assert first.changed and not again.changed
    stay.refresh_from_db()
    assert [c["temperature"] for c in stay.rechecks] == ["37.5"] and stay.rechecks[0]["fever"] is True
    assert stay.is_open and stay.last_temperature == "37.5"


def test_release_needs_a_normal_recheck(world, station):
    stay = _fever(world, station)
    with pytest.raises(CheckpointInvalid) as caught:
        observation_record(actor=world.checkpoint, stay=stay, outcome="released")
    assert caught.value.by_field == {"temperature": ["放行前请填写正常的复测体温。"]}
    with pytest.raises(CheckpointInvalid) as caught:
        observation_record(actor=world.checkpoint, stay=stay, outcome="released", temperature="37.6")
    assert caught.value.by_field == {"temperature": ["复测体温仍达到发热标准，不能放行，请送发热门诊。"]}
    stay.refresh_from_db()
    assert stay.is_open and stay.rechecks == []  # nothing written on a refusal
    result = observation_record(actor=world.checkpoint, stay=stay, outcome="released", temperature="36.7")
    assert result.changed and result.stay.outcome == HubObservation.Outcome.RELEASED
    assert result.stay.ended_by == world.checkpoint and result.stay.ended_at is not None


def test_the_clinic_needs_its_name_and_other_needs_a_note(world, station):
    stay = _fever(world, station)
    with pytest.raises(CheckpointInvalid) as caught:
        observation_record(actor=world.checkpoint, stay=stay, outcome="clinic")
    assert caught.value.by_field == {"clinic_name": ["请填写送往的发热门诊名称。"]}
    with pytest.raises(CheckpointInvalid) as caught:
        observation_record(actor=world.checkpoint, stay=stay, outcome="other")
    assert caught.value.by_field == {"note": ["选择“其他”时请写明处理情况。"]}
    with pytest.raises(CheckpointInvalid) as caught:
        observation_record(actor=world.checkpoint, stay=stay, outcome="gone", temperature="abc")
    assert set(caught.value.by_field) == {"outcome", "temperature"}
    done = observation_record(
        actor=world.checkpoint, stay=stay, outcome="clinic", clinic_name="区人民医院发热门诊"
    )
    assert done.stay.clinic_name == "区人民医院发热门诊"


def test_an_ended_stay_takes_the_same_outcome_again_and_refuses_another(world, station):
    stay = _fever(world, station)
    observation_record(actor=world.checkpoint, stay=stay, outcome="clinic", clinic_name="区人民医院")
    again = observation_record(actor=world.checkpoint, stay=stay, outcome="clinic", clinic_name="区人民医院")
    assert not again.changed
    with pytest.raises(CheckpointInvalid) as caught:
        observation_record(actor=world.checkpoint, stay=stay, outcome="released", temperature="36.5")
    assert caught.value.by_field == {"outcome": ["该留观已结束（送发热门诊），不能再修改。"]}
    assert AuditEvent.objects.filter(object_type="hub_observation").count() == 1


def test_a_released_outbreak_traveller_is_handed_to_the_village(world, station):
    stay = _fever(world, station, from_outbreak_area=True, destination_region=world.village_a)
    assert not Handover.objects.exists()  # in the room first
    result = observation_record(actor=world.checkpoint, stay=stay, outcome="released", temperature="36.6")
    handover = Handover.objects.get()
    assert result.handover == handover and handover.region == world.village_a
    row = PassagePerson.objects.get(pk=stay.passage_person_id)
    assert row.person_id == handover.person_id and handover.person.village_id == world.village_a.pk


def test_only_writers_in_scope_record_outcomes(world, station):
    stay = _fever(world, station)
    clinic = f.user("clinic_a", Role.CLINIC, world.district)
    for user in (clinic, world.outsider):
        with pytest.raises(PermissionDenied):
            observation_record(actor=user, stay=stay, temperature="36.5")
    stay.refresh_from_db()
    assert stay.rechecks == []


def test_the_room_page_shows_who_is_in_it_and_the_places_free(world, station):
    _fever(world, station, name="陈明")
    client = Client()
    client.force_login(world.checkpoint)
    response = client.get(f"/checkpoints/{station.pk}/observation-room/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "陈明" in body and "在室 1 人，共 2 个位置，空余 1 个。" in body
    assert "13911112222" not in body and "139****2222" in body  # the checkpoint role sees phones masked
    assert AuditEvent.objects.filter(object_type="observation_room", action="read").exists()


def test_the_room_page_records_an_outcome_and_names_a_bad_field(world, station):
    stay = _fever(world, station)
    client = Client()
    client.force_login(world.checkpoint)
    url = f"/checkpoints/{station.pk}/observation-room/"
    bad = client.post(url, {"stay": stay.pk, "outcome": "released", "temperature": "38.4"})
    assert bad.status_code == 400 and "复测体温仍达到发热标准" in bad.content.decode()
    ok = client.post(url, {"stay": stay.pk, "outcome": "released", "temperature": "36.4"})
    assert ok.status_code == 302
    stay.refresh_from_db()
    assert stay.outcome == "released"
    page = client.get(url).content.decode()
    assert "留观室现在没有人。" in page and "复测正常放行" in page


def test_a_long_stay_is_flagged_from_the_clock(world, station):
    stay = _fever(world, station)
    client = Client()
    client.force_login(world.checkpoint)
    url = f"/checkpoints/{station.pk}/observation-room/"
    assert "留观已超过4小时" not in client.get(url).content.decode()
    with time_machine.travel(stay.started_at + dt.timedelta(hours=5)):
        body = client.get(f"/checkpoints/{station.pk}/observation-room/").content.decode()
    assert "留观已超过4小时" in body


def test_an_ordinary_checkpoint_has_no_room_page(world, gate):
    client = Client()
    client.force_login(world.checkpoint)
    assert client.get(f"/checkpoints/{gate.pk}/observation-room/").status_code == 404
    assert client.get(f"{API}/checkpoints/{gate.pk}/observation-room").status_code == 404


def test_the_room_api_lists_the_stays_and_places(world, station):
    stay = _fever(world, station)
    client = Client()
    client.force_login(world.town_officer)
    body = client.get(f"{API}/checkpoints/{station.pk}/observation-room").json()
    assert (body["places"], body["occupied"], body["free"], body["full"]) == (2, 1, 1, False)
    assert body["present"][0]["id"] == stay.pk and body["present"][0]["phone"] == "13911112222"
    assert body["present"][0]["state"] == "in_room" and body["present"][0]["service_no"] == "D2211"


def _post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def test_the_outcome_api_is_idempotent_and_answers_422_naming_fields(world, station):
    stay = _fever(world, station)
    client = Client()
    client.force_login(world.checkpoint)
    url = f"{API}/checkpoints/{station.pk}/observation-room/{stay.pk}/outcome"
    bad = _post(client, url, {"outcome": "clinic"})
    assert bad.status_code == 422
    assert bad.json()["detail"] == [
        {
            "loc": ["body", "payload", "clinic_name"],
            "msg": "请填写送往的发热门诊名称。",
            "type": "value_error",
        }
    ]
    empty = _post(client, url, {})
    assert empty.status_code == 422 and empty.json()["detail"][0]["loc"][-1] == "temperature"
    first = _post(client, url, {"outcome": "clinic", "clinic_name": "区人民医院", "temperature": 38.1})
    assert first.status_code == 201 and first.json()["changed"] is True and first.json()["state"] == "ended"
    again = _post(client, url, {"outcome": "clinic", "clinic_name": "区人民医院"})
    assert again.status_code == 200 and again.json()["changed"] is False
    other = _post(client, url, {"outcome": "released", "temperature": "36.5"})
    assert other.status_code == 422 and other.json()["detail"][0]["loc"] == ["body", "payload", "outcome"]
    stay.refresh_from_db()
    assert stay.outcome == "clinic" and len(stay.rechecks) == 1


def test_the_outcome_api_refuses_outsiders_and_readers(world, station):
    stay = _fever(world, station)
    url = f"{API}/checkpoints/{station.pk}/observation-room/{stay.pk}/outcome"
    outsider = Client()
    outsider.force_login(world.outsider)
    assert _post(outsider, url, {"outcome": "released", "temperature": "36.5"}).status_code == 404
    dept = Client()
    dept.force_login(world.department)
    assert _post(dept, url, {"outcome": "released", "temperature": "36.5"}).status_code == 403
    stay.refresh_from_db()
    assert stay.is_open
