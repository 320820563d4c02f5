"""Registering passages at a checkpoint: people, registry links, dispositions, handovers, idempotency."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from epigrid.checkpoints.errors import CheckpointInvalid
from epigrid.checkpoints.handovers import handover_close
from epigrid.checkpoints.models import Disposition, Handover, Passage, PassagePerson
from epigrid.checkpoints.selectors import (
    checkpoint_days,
    day_bounds,
    handovers_for_user,
    passage_figures,
)
from epigrid.checkpoints.services import PassageInput, PersonInput, passage_register
from epigrid.core.models import AuditEvent
from epigrid.lib.idcard import make_id
from epigrid.people.models import Person, TravelRecord

CAR = Passage.VehicleType.CAR
NEW_ID = make_id(address_code="420106", birth=dt.date(1988, 3, 4), sequence=123)


def _register(world, gate, **kw):
    data = {"vehicle_type": CAR, "plate": "鄂A12345", "disposition": Disposition.LET_THROUGH, "people": []}
    data.update(kw)
    return passage_register(actor=world.checkpoint, checkpoint=gate, data=PassageInput(**data))


def test_a_car_with_driver_and_passenger_is_registered_and_audited(world, gate):
    result = _register(
        world,
        gate,
        origin="武汉",
        destination="外省",
        purpose="过境",
        people=[
            PersonInput(name="陈明", phone="13800001111", temperature="36.6"),
            PersonInput(name="陈亮", temperature="36.4"),
        ],
    )
    passage = result.passage
    assert result.created and passage.people_count == 2 and passage.fever_count == 0
    assert passage.plate == "鄂A12345" and passage.plate_warnings == []
    rows = list(passage.people.order_by("seq"))
    assert [r.seat for r in rows] == [PassagePerson.Seat.DRIVER, PassagePerson.Seat.PASSENGER]
    assert [r.person_id for r in rows] == [None, None]  # passers-by stay out of the registry
    assert (passage.district_id, passage.town_id, passage.village_id) == (
        world.district.pk,
        world.town.pk,
        world.village_a.pk,
    )
    event = AuditEvent.objects.get(object_type="passage", object_id=str(passage.pk))
    assert event.detail["people"] == 2 and "陈明" not in str(event.detail)


def test_a_strange_plate_is_kept_with_a_warning(world, gate):
    result = _register(world, gate, plate="ab-12", people=[PersonInput(name="陈明")])
    assert result.passage.plate == "AB12"
    assert result.warnings and result.passage.plate_warnings == result.warnings


def test_nothing_to_register_is_refused_and_nothing_saved(world, gate):
    with pytest.raises(CheckpointInvalid) as caught:
        _register(world, gate, plate="", vehicle_type=Passage.VehicleType.ON_FOOT, people=[PersonInput()])
    assert "people" in caught.value.by_field
    assert not Passage.objects.exists()


def test_bad_rows_name_the_person_and_field_and_save_nothing(world, gate):
    with pytest.raises(CheckpointInvalid) as caught:
        _register(
            world,
            gate,
            people=[
                PersonInput(name="陈明", temperature="36.5"),
                PersonInput(name="陈亮", id_number="420106198803041234", temperature="abc"),
            ],
        )
    fields = caught.value.by_field
    assert set(fields) == {"people.2.id_number", "people.2.temperature"}
    assert fields["people.2.id_number"][0].startswith("第2人")
    assert not Passage.objects.exists() and not PassagePerson.objects.exists()


def test_fever_sends_to_the_clinic_whatever_was_chosen(world, gate):
    result = _register(
        world,
        gate,
        people=[PersonInput(name="陈明", temperature="37.8"), PersonInput(name="陈亮", temperature="36.5")],
    )
    rows = list(result.passage.people.order_by("seq"))
    assert [r.disposition for r in rows] == [Disposition.FEVER_CLINIC, Disposition.LET_THROUGH]
    assert rows[0].fever and not rows[1].fever and result.passage.fever_count == 1
    assert any("发热门诊" in note for note in result.notes)


def test_an_outbreak_traveller_to_a_village_is_handed_over_and_becomes_a_lead(world, gate):
    result = _register(
        world,
        gate,
        origin="湖北省武汉市",
        from_outbreak_area=True,
        destination_region=world.village_b,
        people=[PersonInput(name="吴刚", id_number=NEW_ID, phone="13700002222", temperature="36.5")],
    )
    assert result.people_created == 1 and len(result.handovers) == 1
    handover = result.handovers[0]
    person = handover.person
    assert person.source == Person.Source.LOCAL and person.household_id is None
    assert (person.village_id, person.grid_id) == (world.village_b.pk, None)
    assert person.id_number == NEW_ID and person.birth_date == dt.date(1988, 3, 4)
    travel = TravelRecord.objects.get(person=person)
    assert travel.from_outbreak_area and travel.transport_no == "鄂A12345"
    assert travel.arrived_on == timezone.localdate()
    # 乙社区's grid worker sees the lead at once; 甲村's does not.
    assert list(handovers_for_user(user=world.grid_worker_b)) == [handover]
    assert not handovers_for_user(user=world.grid_worker_a).exists()
    assert result.passage.disposition == Disposition.HANDED_OVER


def test_a_known_resident_is_linked_not_created_and_goes_to_their_grid(world, gate):
    li = world.li
    result = _register(
        world,
        gate,
        via_outbreak_area=True,
        destination_region=world.village_b,
        people=[PersonInput(name="李娜", id_number=li.id_number, temperature="36.2")],
    )
    assert result.people_created == 0
    row = result.passage.people.get()
    assert row.person == li
    handover = result.handovers[0]
    assert handover.person == li and handover.grid_id == world.grid_b.pk


def test_a_repeated_submission_writes_once(world, gate):
    people = [PersonInput(name="吴刚", id_number=NEW_ID, temperature="36.5")]
    kw = {
        "from_outbreak_area": True,
        "destination_region": world.village_b,
        "people": people,
        "idempotency_key": "k-1",
    }
    first = _register(world, gate, **kw)
    again = _register(world, gate, **kw)
    assert first.created and not again.created and again.passage == first.passage
    assert Passage.objects.count() == 1 and Person.objects.filter(id_number=NEW_ID).count() == 1
    assert Handover.objects.count() == 1


def test_handover_needs_a_destination_in_the_district(world, gate):
    with pytest.raises(CheckpointInvalid) as caught:
        _register(world, gate, disposition=Disposition.HANDED_OVER, people=[PersonInput(name="吴刚")])
    assert "destination_region" in caught.value.by_field
    with pytest.raises(CheckpointInvalid) as caught:
        _register(world, gate, destination_region=world.other_grid.parent, people=[PersonInput(name="吴刚")])
    assert "destination_region" in caught.value.by_field


def test_outside_the_scope_is_refused(world, gate):
    with pytest.raises(PermissionDenied):
        passage_register(
            actor=world.grid_worker_b,
            checkpoint=gate,
            data=PassageInput(
                vehicle_type=CAR, plate="鄂A12345", disposition=Disposition.LET_THROUGH, people=[]
            ),
        )


def test_the_village_closes_a_handover_once(world, gate):
    handover = _register(
        world,
        gate,
        from_outbreak_area=True,
        destination_region=world.village_b,
        people=[PersonInput(name="吴刚", id_number=NEW_ID)],
    ).handovers[0]
    with pytest.raises(PermissionDenied):
        handover_close(actor=world.grid_worker_a, handover=handover, status=Handover.Status.RECEIVED)
    closed = handover_close(
        actor=world.grid_worker_b, handover=handover, status=Handover.Status.RECEIVED, note="已入户"
    )
    assert closed.status == Handover.Status.RECEIVED and closed.received_by == world.grid_worker_b
    assert not handovers_for_user(user=world.grid_worker_b).exists()


def test_daily_figures_per_checkpoint_and_region(world, gate):
    _register(
        world,
        gate,
        people=[PersonInput(name="甲", temperature="36.5"), PersonInput(name="乙", temperature="38.1")],
    )
    _register(
        world, gate, plate="鄂B22222", disposition=Disposition.TURNED_BACK, people=[PersonInput(name="丙")]
    )
    _register(
        world,
        gate,
        plate="",
        vehicle_type=Passage.VehicleType.ON_FOOT,
        from_outbreak_area=True,
        destination_region=world.village_a,
        people=[PersonInput(name="丁", id_number=NEW_ID)],
    )
    rows, total = checkpoint_days(user=world.town_officer, region=world.town, day=timezone.localdate())
    assert total == {
        "vehicles": 2,
        "people": 4,
        "turned_back": 1,
        "handed_over": 1,
        "fever_clinic": 1,
        "fever": 1,
        "observation": 0,
    }
    assert rows[0].figures == total
    start, end = day_bounds(timezone.localdate())
    by_town = passage_figures("town_id", [world.town.pk, world.street.pk], start=start, end=end)
    assert by_town[world.town.pk] == total and by_town[world.street.pk]["people"] == 0


def test_the_passage_is_on_the_persons_shared_timeline(world, gate):
    from epigrid.monitoring.timeline import person_timeline

    _register(
        world, gate, via_outbreak_area=True, destination_region=world.village_b, origin="武汉",
        people=[PersonInput(name="李娜", id_number=world.li.id_number, temperature="36.2")],
    )  # fmt: skip
    timeline = person_timeline(user=world.grid_worker_b, person=world.li)
    event = timeline.events[0]
    assert event.kind == "passage" and event.contact and "甲村村口卡点" in event.detail
    assert "移交乙社区" in event.detail and timeline.last_contact == event


def test_a_key_reused_at_another_checkpoint_is_refused(world, gate):
    from epigrid.checkpoints.services import CheckpointInput, checkpoint_save

    market = CheckpointInput(name="甲镇农贸市场入口", kind="market", region=world.town)
    other = checkpoint_save(actor=world.town_officer, data=market)
    _register(world, gate, people=[PersonInput(name="陈明")], idempotency_key="same")
    with pytest.raises(CheckpointInvalid) as caught:
        data = PassageInput(
            vehicle_type=CAR, plate="鄂A1", disposition="through", people=[], idempotency_key="same"
        )
        passage_register(actor=world.checkpoint, checkpoint=other, data=data)
    assert "idempotency_key" in caught.value.by_field and Passage.objects.count() == 1
