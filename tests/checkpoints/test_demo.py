"""The demo's railway station screening point: about eighty travellers through the services, fevers in
the observation room (one still there, the others released or sent to the clinic), handovers to the
district's villages, and rows on the outside-district list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from epigrid.checkpoints.models import Checkpoint, Disposition, Handover, HubObservation, Passage
from epigrid.checkpoints.outside import outside_handovers
from epigrid.core.clock import local_today, now
from epigrid.core.models import AuditEvent, User
from epigrid.demo.accounts import demo_accounts_ensure
from epigrid.demo.generator import generate
from epigrid.demo.hubs import demo_hubs_load


@pytest.mark.django_db(transaction=True)
def test_demo_railway_station_with_its_room_handovers_and_outside_list():
    generate(size="small")
    demo_accounts_ensure()
    result = demo_hubs_load()
    hub = Checkpoint.objects.get(kind=Checkpoint.Kind.RAILWAY)
    assert hub.name.endswith("火车站体温检测点") and hub.observation_places == 4 and hub.located
    assert result.checkpoints == 1 and 80 <= result.travellers <= 100
    assert Passage.objects.filter(checkpoint=hub).count() == 80
    assert AuditEvent.objects.filter(object_type="passage").count() == 80
    assert set(Passage.objects.values_list("vehicle_type", flat=True)) == {"foot"}
    assert not Passage.objects.filter(service_no="").exists()
    # Six fevers, all through the room: one still in it, three released, two sent to the clinic.
    assert result.fever == 6 and (result.in_room, result.released, result.to_clinic) == (1, 3, 2)
    assert HubObservation.objects.count() == 6
    in_room = HubObservation.objects.get(outcome="")
    assert now() - in_room.started_at < dt.timedelta(hours=1) and len(in_room.rechecks) == 1
    ended = HubObservation.objects.exclude(outcome="")
    assert all(s.started_at < s.ended_at <= now() and s.rechecks for s in ended)
    assert all(s.clinic_name for s in ended.filter(outcome="clinic"))
    # Seven outbreak travellers for the district's villages, one of them handed over after the room.
    assert result.handovers == Handover.objects.count() == 7
    assert Handover.objects.filter(passage_person__disposition=Disposition.OBSERVATION).count() == 1
    # The outside list over the three days: the twelve outbreak travellers (some with a companion) and
    # the two fevers heading for another province.
    assert 14 <= result.outside <= 26
    checkpoint_user = User.objects.get(username="checkpoint")
    days = sorted(set(Passage.objects.values_list("day", flat=True)))
    listing = outside_handovers(user=checkpoint_user, checkpoint=hub, start=days[0], end=days[-1])
    assert listing.count == result.outside and len(listing.groups) >= 3
    client = Client()
    client.force_login(checkpoint_user)
    room = client.get(f"/checkpoints/{hub.pk}/observation-room/").content.decode()
    assert "在室 1 人，共 4 个位置，空余 3 个。" in room
    assert (
        client.get(
            f"/checkpoints/{hub.pk}/outside-handovers/", {"day": local_today().isoformat()}
        ).status_code
        == 200
    )
    # Loaded once.
    assert demo_hubs_load().checkpoints == 0 and Passage.objects.count() == 80
