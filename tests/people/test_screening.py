"""The screening service and selectors: a visit recorded once, every rule, scope, masking and audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from epigrid.core.models import AuditEvent
from epigrid.lib.idcard import ERR_CHECK_DIGIT, make_id
from epigrid.lib.masking import mask_id_number
from epigrid.people import screening as svc
from epigrid.people.models import Person, Screening, ScreeningEntry, TravelRecord
from epigrid.people.placement import picked
from epigrid.people.screening import (
    EntryInput,
    FieldError,
    NewPerson,
    ScreeningInvalid,
    TravelInput,
    screening_record,
)
from epigrid.people.screening_selectors import person_lookup, screening_get_for_user, screenings_in_region
from epigrid.regions.models import Household, Region
from epigrid.regions.services import region_counts_rebuild

NEW_ID = make_id(address_code="420106", birth=dt.date(1990, 5, 17), sequence=123)  # a man


def _visit(world, *entries: EntryInput, key: str = "", measures=("informed",), household=None, actor=None):
    return screening_record(
        actor=actor or world.grid_worker_a,
        household=household or world.hh_a1,
        visited_at=timezone.now(),
        entries=list(entries),
        measures=list(measures),
        idempotency_key=key,
    )


def _errors(excinfo: pytest.ExceptionInfo[ScreeningInvalid]) -> set[tuple[str, str, str]]:
    return {(e.row, e.field, str(e.message)) for e in excinfo.value.errors}


def _returnee(origin: str = "武汉市", **kwargs) -> TravelInput:
    today = timezone.localdate()
    values = {"left_on": today - dt.timedelta(days=3), "arrived_on": today - dt.timedelta(days=2)}
    values.update(kwargs)
    return TravelInput(origin=origin, transport="train", transport_no="G1234", **values)


def test_a_visit_records_members_and_registers_a_returnee_found_at_the_door(world):
    wang = Person.objects.get(name="王芳")
    counts_before = {r.pk: r.person_count for r in Region.objects.all()}
    result = _visit(
        world,
        EntryInput(key="p1", person_id=world.zhang.pk, temperature=Decimal("36.6")),
        EntryInput(key="p2", person_id=wang.pk, present=False, whereabouts="在县城上班"),
        EntryInput(
            key="n1",
            new_person=NewPerson(
                name="张小军", id_number=NEW_ID.lower(), phone="139 0000 1111", relation="子"
            ),
            temperature=Decimal("37.8"),
            symptoms=("cough", "fever"),
            travel=_returnee(),
        ),
        measures=("home_isolation", "registered", "reported"),
        key="k" * 32,
    )
    assert result.created
    screening = result.screening
    assert (screening.household, screening.visited_by) == (world.hh_a1, world.grid_worker_a)
    assert (screening.grid_id, screening.village_id, screening.town_id, screening.district_id) == (
        world.grid_a.pk,
        world.village_a.pk,
        world.town.pk,
        world.district.pk,
    )
    assert screening.measures == ["registered", "home_isolation", "reported"]  # in the order of Measure
    entries = list(screening.entries.order_by("id"))
    assert [(e.person.name, e.present, e.temperature, e.fever) for e in entries] == [
        ("张伟", True, Decimal("36.6"), False),
        ("王芳", False, None, False),
        ("张小军", True, Decimal("37.8"), True),
    ]
    assert entries[1].whereabouts == "在县城上班"
    # Symptoms are kept in the order of the choices, whatever order they were ticked in.
    assert entries[2].symptoms == ["fever", "cough"]
    new = entries[2].person
    assert (new.source, new.household_id, new.id_number, new.phone, new.sex) == (
        Person.Source.LOCAL,
        world.hh_a1.pk,
        NEW_ID,
        "13900001111",
        "M",
    )
    assert new.birth_date == dt.date(1990, 5, 17)
    assert new.grid_id == world.grid_a.pk
    travel = entries[2].travel
    assert travel is not None and entries[2].returnee
    # "武汉市" lies in the outbreak area (EPIGRID_OUTBREAK_AREAS = 湖北) though the box was not ticked.
    assert (travel.person, travel.origin, travel.from_outbreak_area, travel.via_outbreak_area) == (
        new,
        "武汉市",
        True,
        False,
    )
    assert (travel.transport, travel.transport_no) == ("train", "G1234")
    # Region counts and the household size are kept by person_register.
    world.hh_a1.refresh_from_db()
    assert world.hh_a1.member_count == 3
    assert region_counts_rebuild() == 0
    counts_after = {r.pk: r.person_count for r in Region.objects.all()}
    changed = {pk for pk in counts_after if counts_after[pk] != counts_before[pk]}
    assert changed == {world.district.pk, world.town.pk, world.village_a.pk, world.grid_a.pk}
    event = AuditEvent.objects.get(object_type="screening", object_id=str(screening.pk))
    assert event.action == AuditEvent.Action.CREATE and event.user == world.grid_worker_a
    assert event.region_path == world.grid_a.path
    assert event.detail["registered"] == [new.pk] and event.detail["travels"] == [travel.pk]
    assert (event.detail["returnees"], event.detail["fevers"]) == (1, 1)
    assert NEW_ID not in str(event.detail) and "张小军" not in str(event.detail)
    assert AuditEvent.objects.filter(object_type="person", object_id=str(new.pk), action="create").exists()


def test_transit_through_the_outbreak_area_is_read_from_the_origin(world):
    result = _visit(
        world,
        EntryInput(key="p1", person_id=world.zhang.pk, travel=_returnee("广州（途经武汉）")),
    )
    travel = result.screening.entries.get().travel
    assert (travel.from_outbreak_area, travel.via_outbreak_area) == (False, True)


def test_a_journey_already_on_record_is_linked_not_copied(world):
    arrived = timezone.localdate() - dt.timedelta(days=2)
    known = TravelRecord.objects.create(person=world.zhang, origin="武汉市", arrived_on=arrived)
    result = _visit(
        world, EntryInput(key="p1", person_id=world.zhang.pk, travel=_returnee(arrived_on=arrived))
    )
    assert result.screening.entries.get().travel == known
    assert TravelRecord.objects.filter(person=world.zhang).count() == 1


def test_the_same_key_twice_records_one_visit(world):
    entry = EntryInput(key="n1", new_person=NewPerson(name="孙丽", sex="F"), temperature=Decimal("36.4"))
    first = _visit(world, entry, key="a" * 32)
    second = _visit(world, entry, key="a" * 32)
    assert first.created and not second.created
    assert second.screening == first.screening
    assert Screening.objects.count() == 1
    assert Person.objects.filter(name="孙丽").count() == 1
    assert AuditEvent.objects.filter(object_type="screening").count() == 1
    # Another user's key is another key.
    third = _visit(world, entry, key="a" * 32, actor=world.village_leader)
    assert third.created


def test_a_key_used_for_another_household_is_refused(world):
    _visit(world, EntryInput(key="p1", person_id=world.zhang.pk), key="b" * 32)
    with pytest.raises(ScreeningInvalid) as excinfo:
        _visit(world, EntryInput(key="p1", person_id=world.zhang.pk), key="b" * 32, household=world.hh_a2)
    assert _errors(excinfo) == {("", "", str(svc.ERR_KEY_REUSED))}


def test_a_racing_duplicate_submission_returns_the_first_visit(world, monkeypatch):
    entry = EntryInput(key="n1", new_person=NewPerson(name="孙丽", sex="F"))
    first = _visit(world, entry, key="c" * 32)
    real_replay = svc._replay
    calls = []

    def late_replay(**kwargs):
        # The first look finds nothing, as when both copies arrive before either has committed.
        calls.append(kwargs["key"])
        return None if len(calls) == 1 else real_replay(**kwargs)

    monkeypatch.setattr(svc, "_replay", late_replay)
    second = _visit(world, entry, key="c" * 32)
    assert len(calls) == 2
    assert (second.created, second.screening) == (False, first.screening)
    assert Person.objects.filter(name="孙丽").count() == 1
    assert Screening.objects.count() == 1


def test_every_problem_is_reported_at_once_and_nothing_is_written(world):
    wang = Person.objects.get(name="王芳")
    before = (Screening.objects.count(), Person.objects.count(), TravelRecord.objects.count())
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    bad_id = NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1")
    with pytest.raises(ScreeningInvalid) as excinfo:
        _visit(
            world,
            EntryInput(key="p1", person_id=world.zhang.pk, temperature=Decimal("45.0")),
            EntryInput(
                key="p2", person_id=wang.pk, present=False, temperature=Decimal("36.5"), symptoms=("cough",)
            ),
            EntryInput(key="n1", new_person=NewPerson(name="", id_number=bad_id, phone="12345")),
            EntryInput(
                key="n2",
                new_person=NewPerson(name="刘洋", sex="F", id_number=NEW_ID),
                temperature=Decimal("36.55"),
                travel=TravelInput(origin="", left_on=tomorrow + dt.timedelta(days=1), arrived_on=tomorrow),
            ),
            EntryInput(key="n3", new_person=NewPerson(name="周杰"), travel=TravelInput(origin="武汉")),
            measures=("informed", "bogus"),
        )
    assert _errors(excinfo) == {
        ("p1", "temperature", str(svc.ERR_TEMPERATURE_RANGE)),
        ("p2", "whereabouts", str(svc.ERR_WHEREABOUTS_REQUIRED)),
        ("p2", "temperature", str(svc.ERR_TEMPERATURE_ABSENT)),
        ("p2", "symptoms", str(svc.ERR_SYMPTOMS_ABSENT)),
        ("n1", "name", str(svc.ERR_NAME_REQUIRED)),
        ("n1", "id_number", ERR_CHECK_DIGIT),
        ("n1", "sex", str(svc.ERR_SEX_REQUIRED)),
        ("n1", "phone", "手机号应为11位数字，以13～19开头"),
        ("n2", "sex", str(svc.ERR_SEX_MISMATCH)),
        ("n2", "temperature", str(svc.ERR_TEMPERATURE_DECIMALS)),
        ("n2", "origin", str(svc.ERR_ORIGIN_REQUIRED)),
        ("n2", "arrived_on", str(svc.ERR_ARRIVED_FUTURE)),
        ("n2", "left_on", str(svc.ERR_TRAVEL_DATES)),
        ("n3", "sex", str(svc.ERR_SEX_REQUIRED)),
        ("n3", "arrived_on", str(svc.ERR_ARRIVED_REQUIRED)),
        ("", "measures", str(svc.ERR_MEASURE_UNKNOWN)),
    }
    assert (Screening.objects.count(), Person.objects.count(), TravelRecord.objects.count()) == before


@pytest.mark.parametrize(
    ("temperature", "ok"),
    [("34.0", True), ("43.0", True), ("36.5", True), ("33.9", False), ("43.1", False), ("36.55", False)],
)
def test_temperature_is_34_to_43_with_one_decimal(world, temperature, ok):
    entry = EntryInput(key="p1", person_id=world.zhang.pk, temperature=Decimal(temperature))
    if ok:
        assert _visit(
            world, entry, measures=("fever_clinic",)
        ).screening.entries.get().temperature == Decimal(temperature)
    else:
        with pytest.raises(ScreeningInvalid):
            _visit(world, entry)


def test_fever_or_an_outbreak_returnee_needs_a_measure(world):
    with pytest.raises(ScreeningInvalid) as excinfo:
        _visit(
            world, EntryInput(key="p1", person_id=world.zhang.pk, temperature=Decimal("37.3")), measures=()
        )
    assert _errors(excinfo) == {("", "measures", str(svc.ERR_MEASURE_REQUIRED))}
    with pytest.raises(ScreeningInvalid) as excinfo:
        _visit(world, EntryInput(key="p1", person_id=world.zhang.pk, travel=_returnee()), measures=())
    assert _errors(excinfo) == {("", "measures", str(svc.ERR_MEASURE_REQUIRED))}
    # A returnee from elsewhere at 37.2 °C needs none.
    calm = EntryInput(
        key="p1", person_id=world.zhang.pk, temperature=Decimal("37.2"), travel=_returnee("广州")
    )
    assert _visit(world, calm, measures=()).created


def test_an_empty_visit_and_a_person_twice_are_refused(world):
    with pytest.raises(ScreeningInvalid) as excinfo:
        _visit(world)
    assert _errors(excinfo) == {("", "", str(svc.ERR_NO_ENTRIES))}
    with pytest.raises(ScreeningInvalid) as excinfo:
        _visit(
            world,
            EntryInput(key="a", person_id=world.zhang.pk),
            EntryInput(key="b", person_id=world.zhang.pk),
        )
    assert _errors(excinfo) == {("b", "", str(svc.ERR_PERSON_TWICE))}
    twice = NewPerson(name="刘洋", id_number=NEW_ID)
    with pytest.raises(ScreeningInvalid) as excinfo:
        _visit(world, EntryInput(key="a", new_person=twice), EntryInput(key="b", new_person=twice))
    assert _errors(excinfo) == {("b", "id_number", str(svc.ERR_ID_TWICE))}


def test_a_visit_in_the_future_is_refused(world):
    with pytest.raises(ScreeningInvalid) as excinfo:
        screening_record(
            actor=world.grid_worker_a,
            household=world.hh_a1,
            visited_at=timezone.now() + dt.timedelta(hours=1),
            entries=[EntryInput(key="p", person_id=world.zhang.pk)],
        )
    assert _errors(excinfo) == {("", "visited_at", str(svc.ERR_VISIT_FUTURE))}


def test_a_registered_number_in_scope_must_be_picked_not_registered_again(world):
    with pytest.raises(ScreeningInvalid) as excinfo:
        _visit(
            world, EntryInput(key="n1", new_person=NewPerson(name="张伟", id_number=world.zhang.id_number))
        )
    assert _errors(excinfo) == {("n1", "id_number", str(svc.ERR_ID_REGISTERED_HERE))}


def test_a_number_registered_outside_scope_is_registered_here_for_the_merge_review(world):
    li = world.li  # grid B1: not grid_a's
    result = _visit(
        world, EntryInput(key="n1", new_person=NewPerson(name="李娜", sex="F", id_number=li.id_number))
    )
    assert result.created
    assert Person.objects.filter(id_number=li.id_number).count() == 2


def test_people_outside_scope_or_merged_cannot_be_entered(world):
    twin = Person.objects.get(name="曾强")
    Person.objects.filter(pk=twin.pk).update(merged_into=world.zhang)
    with pytest.raises(ScreeningInvalid) as excinfo:
        _visit(
            world,
            EntryInput(key="p1", person_id=world.li.pk),
            EntryInput(key="p2", person_id=twin.pk),
            EntryInput(key="p3", person_id=world.outsider_person.pk),
            EntryInput(key="p4", person_id=10**9),
        )
    assert _errors(excinfo) == {(k, "", str(svc.ERR_PERSON_UNKNOWN)) for k in ("p1", "p2", "p3", "p4")}


def test_a_household_outside_scope_or_a_read_only_role_is_refused(world):
    with pytest.raises(PermissionDenied):
        _visit(world, EntryInput(key="p", person_id=world.li.pk), household=world.hh_b1)
    with pytest.raises(PermissionDenied):
        _visit(world, EntryInput(key="p", person_id=world.zhang.pk), actor=world.department)
    assert not Screening.objects.exists()


def test_the_database_refuses_an_impossible_temperature(world):
    screening = _visit(world, EntryInput(key="p", person_id=world.zhang.pk)).screening
    with pytest.raises(IntegrityError), transaction.atomic():
        ScreeningEntry.objects.create(screening=screening, person=world.zhang, temperature=Decimal("50.0"))


def test_field_errors_name_row_and_field():
    error = FieldError("n1", "name", svc.ERR_NAME_REQUIRED)
    assert str(ScreeningInvalid([error])) == "n1.name: 请填写姓名"


# --- the live lookup ---------------------------------------------------------------------------------


def test_lookup_by_id_shows_the_person_masked_by_role_and_logs_it(world):
    result = person_lookup(user=world.grid_worker_a, household=world.hh_a2, id_number=world.zhang.id_number)
    assert not result.elsewhere and not result.id_error
    [match] = result.matches
    assert match.view.person == world.zhang and not match.in_household
    assert match.address == "甲村一组1号"
    # Grid workers see phones in full, never the ID number.
    assert match.view.id_number == mask_id_number(world.zhang.id_number)
    assert match.view.phone == world.zhang.phone
    event = AuditEvent.objects.get(object_type="person_lookup")
    assert event.user == world.grid_worker_a and event.action == AuditEvent.Action.READ
    assert event.detail == {"persons": [world.zhang.pk], "by": ["id_number"], "elsewhere": False}
    town = person_lookup(user=world.town_officer, household=world.hh_a1, phone=world.zhang.phone)
    assert town.matches[0].view.id_number == world.zhang.id_number
    assert town.matches[0].in_household


def test_lookup_accepts_what_phones_type(world):
    spaced = f"+86 {world.zhang.phone[:3]} {world.zhang.phone[3:7]} {world.zhang.phone[7:]}"
    assert person_lookup(user=world.grid_worker_a, household=world.hh_a1, phone=spaced).matches
    lower = world.zhang.id_number.lower()
    assert person_lookup(user=world.grid_worker_a, household=world.hh_a1, id_number=f" {lower} ").matches


def test_lookup_outside_scope_says_only_elsewhere(world):
    result = person_lookup(user=world.grid_worker_a, household=world.hh_a1, id_number=world.li.id_number)
    assert result.elsewhere and result.matches == ()
    event = AuditEvent.objects.get(object_type="person_lookup")
    assert event.detail == {"persons": [], "by": ["id_number"], "elsewhere": True}


def test_lookup_skips_merged_records(world):
    Person.objects.filter(pk=world.zhang.pk).update(merged_into=world.li)
    result = person_lookup(user=world.grid_worker_a, household=world.hh_a1, id_number=world.zhang.id_number)
    assert result.empty


def test_lookup_is_quiet_while_typing_and_names_the_problem_of_a_full_number(world):
    assert person_lookup(user=world.grid_worker_a, household=world.hh_a1, id_number="42010619").empty
    assert person_lookup(user=world.grid_worker_a, household=world.hh_a1, phone="1390").empty
    bad = world.zhang.id_number[:-1] + ("0" if world.zhang.id_number[-1] != "0" else "1")
    assert (
        person_lookup(user=world.grid_worker_a, household=world.hh_a1, id_number=bad).id_error
        == ERR_CHECK_DIGIT
    )
    assert person_lookup(user=world.grid_worker_a, household=world.hh_a1, phone="12345678901").phone_error
    assert not AuditEvent.objects.filter(object_type="person_lookup").exists()


def test_lookup_for_a_household_outside_scope_is_not_found(world):
    with pytest.raises(Http404):
        person_lookup(user=world.grid_worker_a, household=world.hh_b1, id_number=world.li.id_number)


# --- reading visits ----------------------------------------------------------------------------------


def test_a_visit_is_opened_in_scope_only_and_logged(world):
    screening = world.screening_a1
    for user in (world.grid_worker_a, world.village_leader, world.town_officer, world.hq):
        assert screening_get_for_user(user=user, screening_id=screening.pk) == screening
    for user in (world.grid_worker_b, world.outsider):
        with pytest.raises(Http404):
            screening_get_for_user(user=user, screening_id=screening.pk)
    event = AuditEvent.objects.filter(object_type="screening", action="read").first()
    assert event is not None and event.detail == {"persons": [world.zhang.pk]}


def test_region_figures_count_the_chosen_days(world):
    _visit(
        world,
        EntryInput(key="p", person_id=world.zhang.pk, temperature=Decimal("38.0")),
        measures=("reported",),
    )
    old = _visit(
        world, EntryInput(key="p", person_id=world.zhang.pk, travel=_returnee()), household=world.hh_a1
    )
    Screening.objects.filter(pk=old.screening.pk).update(visited_at=timezone.now() - dt.timedelta(days=10))
    today = timezone.localdate()
    page, figures = screenings_in_region(
        user=world.town_officer, region=world.town, since=None, until=None, page=1
    )
    assert (figures.visits, figures.households, figures.people, figures.fevers) == (2, 1, 2, 1)
    assert (figures.returnees, figures.outbreak_returnees) == (1, 1)
    page, figures = screenings_in_region(
        user=world.town_officer, region=world.grid_a, since=today, until=today, page=1
    )
    assert (figures.visits, figures.returnees, figures.fevers) == (1, 0, 1)
    assert [s.n_fevers for s in page] == [1]
    _, figures = screenings_in_region(user=world.hq, region=world.street, since=None, until=None, page=1)
    assert figures.visits == 0
    with pytest.raises(Http404):
        screenings_in_region(user=world.grid_worker_b, region=world.grid_a, since=None, until=None, page=1)
    assert Household.objects.count() == 4


def test_a_person_a_list_sent_down_is_found_by_number_and_placed_by_the_visit(world):
    from epigrid.people.services import person_register_unplaced

    sent = person_register_unplaced(
        actor=None, region=world.town, name="陈刚", source=Person.Source.SENT_DOWN, phone="13700000001"
    )
    result = person_lookup(user=world.grid_worker_a, household=world.hh_a2, phone="13700000001")
    assert [m.view.person.pk for m in result.matches] == [sent.pk] and not result.elsewhere
    assert result.matches[0].pick  # the proof the visit needs
    before = Region.objects.get(pk=world.grid_a.pk).person_count
    entry = EntryInput(key="p1", person_id=sent.pk, travel=_returnee())
    with pytest.raises(ScreeningInvalid):  # a record number alone is not enough
        _visit(world, entry, household=world.hh_a2)
    screening_record(
        actor=world.grid_worker_a,
        household=world.hh_a2,
        visited_at=timezone.now(),
        entries=[entry],
        measures=["informed"],
        picks=picked([result.matches[0].pick], world.hh_a2),
    )
    sent.refresh_from_db()
    assert sent.household_id == world.hh_a2.pk and sent.grid_id == world.grid_a.pk
    assert Region.objects.get(pk=world.grid_a.pk).person_count == before + 1
    event = AuditEvent.objects.filter(object_type="screening").latest("id")
    assert event.detail["placed"] == [sent.pk]
    # One sent to the other street is not offered, and cannot be picked.
    other = person_register_unplaced(
        actor=None, region=world.street, name="黄磊", source=Person.Source.SENT_DOWN, phone="13700000003"
    )
    assert person_lookup(user=world.grid_worker_a, household=world.hh_a2, phone="13700000003").elsewhere
    with pytest.raises(ScreeningInvalid):
        _visit(world, EntryInput(key="p1", person_id=other.pk), household=world.hh_a2)
