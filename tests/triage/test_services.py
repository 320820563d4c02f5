"""The fever visit service: each disposition's classification, contradictions refused with nothing
written, the temperature checked, the patient found through the registry, idempotency and audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from epigrid.cases.models import CaseStatus, ClassificationChange, Measure
from epigrid.cases.services import classification_set
from epigrid.core.models import AuditEvent
from epigrid.monitoring.models import Episode
from epigrid.people.models import Person
from epigrid.triage.errors import TriageInvalid
from epigrid.triage.models import FeverVisit
from epigrid.triage.services import VisitInput, fever_visit_record


def _visit(world, disposition="excluded", *, facility=None, actor=None, **kwargs):
    data = {"temperature": "38.2", "doctor": "刘医生", "person_id": world.zhang.pk, **kwargs}
    return fever_visit_record(
        actor=actor or world.clinic, facility=facility or world.facility_a,
        data=VisitInput(disposition=disposition, **data),
    )  # fmt: skip


def _classification(person):
    return CaseStatus.objects.filter(person=person).values_list("classification", flat=True).first() or ""


def _written():
    return (
        FeverVisit.objects.count(), CaseStatus.objects.count(), ClassificationChange.objects.count(),
        Measure.objects.count(), Episode.objects.count(), Person.objects.count(),
    )  # fmt: skip


def test_fever_unexcluded_at_a_fever_clinic_is_a_hospital_fever(world):
    result = _visit(world, "fever_unexcluded", symptoms=["cough", "fatigue"], case_contact=True)
    visit = result.visit
    assert result.created
    assert _classification(world.zhang) == "fever_hospital"
    assert (visit.classification_before, visit.classification_after) == ("", "fever_hospital")
    assert (visit.village_id, visit.grid_id) == (world.village_a.pk, world.grid_a.pk)
    assert visit.fever and visit.temperature == Decimal("38.2") and visit.symptoms == ["cough", "fatigue"]
    change = ClassificationChange.objects.get(person=world.zhang)
    assert (change.source, change.decided_by) == ("fever_clinic", world.clinic)


def test_fever_unexcluded_at_a_township_fever_room_is_a_community_fever(world):
    _visit(world, "fever_unexcluded", facility=world.fever_room_a)
    assert _classification(world.zhang) == "fever_community"
    _visit(world, "fever_unexcluded")  # then seen at the hospital's fever clinic
    assert _classification(world.zhang) == "fever_hospital"
    _visit(world, "fever_unexcluded", facility=world.fever_room_a)  # not back to the community's count
    assert _classification(world.zhang) == "fever_hospital"


def test_suspected_then_excluded(world):
    _visit(world, "suspected")
    assert _classification(world.zhang) == "suspected"
    _visit(world, "excluded")
    assert _classification(world.zhang) == "excluded"


def test_excluded_changes_nothing_for_someone_unclassified_or_a_close_contact(world):
    visit = _visit(world, "excluded").visit
    assert _classification(world.zhang) == "" and visit.classification_after == ""
    classification_set(actor=world.hq, person=world.li, to="close_contact", reason="同餐")
    _visit(world, "excluded", person_id=world.li.pk)
    assert _classification(world.li) == "close_contact"


def test_admitted_is_a_hospital_measure_and_a_hospital_fever(world):
    episode = world.episode_zhang
    _visit(world, "admitted")
    assert _classification(world.zhang) == "fever_hospital"
    measure = Measure.objects.get(person=world.zhang)
    assert (measure.kind, measure.place) == ("designated_hospital", world.facility_a.name)
    episode.refresh_from_db()
    assert (episode.status, episode.end_reason) == ("converted", "fever_clinic")


def test_admitted_suspected_case_stays_suspected(world):
    classification_set(actor=world.hq, person=world.zhang, to="suspected", reason="CT")
    _visit(world, "admitted")
    assert _classification(world.zhang) == "suspected"
    assert Measure.objects.filter(person=world.zhang, kind="designated_hospital").count() == 1


def test_home_observation_starts_a_fever_episode(world):
    visit = _visit(world, "home_observation").visit
    episode = Episode.objects.get(person=world.zhang, status="open")
    assert (episode.kind, episode.basis, episode.doctor) == ("home", "fever", "刘医生")
    assert (episode.source_type, episode.source_id) == ("fever_visit", visit.pk)
    assert Measure.objects.get(person=world.zhang).episode == episode
    assert _classification(world.zhang) == ""
    _visit(world, "home_observation")  # a second visit keeps the open observation
    assert Episode.objects.filter(person=world.zhang).count() == 1


@pytest.mark.parametrize(
    ("current", "disposition", "message"),
    [
        ("confirmed", "excluded", "该人员当前为确诊病例，预检处置不能为“排除”。"),
        ("confirmed", "fever_unexcluded", "该人员当前为确诊病例，预检处置不能为“不能排除的发热”。"),
        ("suspected", "fever_unexcluded", "该人员当前为疑似病例，预检处置不能为“不能排除的发热”。"),
        ("suspected", "home_observation", "该人员当前为疑似病例，预检处置不能为“居家医学观察”。"),
        ("confirmed", "suspected", "该人员当前为确诊病例，预检处置不能为“疑似”。"),
    ],
)
def test_a_disposition_contradicting_the_classification_is_refused_and_nothing_written(
    world, current, disposition, message
):
    classification_set(actor=world.hq, person=world.zhang, to="suspected", reason="CT")
    if current == "confirmed":
        classification_set(actor=world.hq, person=world.zhang, to="confirmed", reason="核酸阳性")
    before = _written()
    with pytest.raises(TriageInvalid) as caught:
        _visit(world, disposition)
    assert [(e.field, e.message) for e in caught.value.errors] == [("disposition", message)]
    assert _written() == before


@pytest.mark.parametrize(
    ("temperature", "message"),
    [(None, "请填写体温。"), ("", "请填写体温。"), ("abc", "体温应为数字，如 38.5。"),
     ("45", "体温应在34.0至43.0℃之间，请核对。"), ("33.9", "体温应在34.0至43.0℃之间，请核对。")],
)  # fmt: skip
def test_temperature_missing_or_impossible(world, temperature, message):
    before = _written()
    with pytest.raises(TriageInvalid) as caught:
        _visit(world, "excluded", temperature=temperature)
    assert caught.value.by_field == {"temperature": [message]}
    assert _written() == before


def test_every_field_error_comes_at_once(world):
    with pytest.raises(TriageInvalid) as caught:
        fever_visit_record(
            actor=world.clinic, facility=world.facility_a,
            data=VisitInput(temperature="50", disposition="", doctor="", symptoms=["hiccups"], name="",
                            phone="123"),
        )  # fmt: skip
    assert set(caught.value.by_field) == {"temperature", "disposition", "doctor", "symptoms", "name", "phone"}
    assert not FeverVisit.objects.exists()


def test_a_valid_id_number_links_the_registered_person(world):
    result = _visit(world, person_id=None, name="张三", id_number=world.zhang.id_number.lower())
    assert result.visit.person == world.zhang and not result.visit.person_created


def test_one_strong_fuzzy_match_links(world):
    # No ID number typed: the same name and phone score one match.
    result = _visit(world, person_id=None, name="张伟", phone=world.zhang.phone)
    assert result.visit.person == world.zhang and not result.visit.person_created


def test_a_weaker_candidate_asks_to_choose_or_to_say_new(world):
    # Same pinyin (张玮 / 张伟) and the same phone: a possible match only, so the clinic decides.
    with pytest.raises(TriageInvalid) as caught:
        _visit(world, person_id=None, name="张玮", phone=world.zhang.phone)
    assert [p.pk for p in caught.value.candidates] == [world.zhang.pk]
    result = _visit(world, person_id=None, name="张玮", phone=world.zhang.phone, new_person=True)
    assert result.visit.person_created and result.visit.person != world.zhang


def test_several_candidates_ask_to_choose_then_the_choice_is_taken(world):
    from tests import factories as f

    twin = f.person(world.hh_a2, "张伟")
    twin.phone = world.zhang.phone
    twin.save(update_fields=["phone"])
    before = _written()
    with pytest.raises(TriageInvalid) as caught:
        _visit(world, person_id=None, name="张伟", phone=world.zhang.phone)
    assert caught.value.by_field.keys() == {"person"}
    assert {p.pk for p in caught.value.candidates} == {world.zhang.pk, twin.pk}
    assert _written() == before
    assert _visit(world, person_id=twin.pk).visit.person == twin


def test_nobody_matching_registers_a_new_unplaced_person_where_they_live(world):
    result = _visit(
        world,
        "fever_unexcluded",
        person_id=None,
        name="欧阳娜娜",
        phone="13700001111",
        region=world.village_b,
    )
    person = result.visit.person
    assert result.visit.person_created
    assert (person.name, person.source, person.household_id) == ("欧阳娜娜", "sent_down", None)
    assert (person.village_id, person.grid_id) == (world.village_b.pk, None)
    assert result.visit.village_id == world.village_b.pk
    assert _classification(person) == "fever_hospital"


def test_new_person_unknown_residence_is_placed_at_the_district(world):
    result = _visit(world, person_id=None, name="欧阳娜娜", new_person=True)
    assert (result.visit.person.district_id, result.visit.person.town_id) == (world.district.pk, None)


def test_home_observation_of_an_unplaced_patient_waits_for_the_village(world):
    from epigrid.triage.selectors import visit_lines

    visit = _visit(world, "home_observation", person_id=None, name="欧阳娜娜", region=world.village_a).visit
    assert not Episode.objects.filter(person=visit.person).exists()
    assert Measure.objects.get(person=visit.person).kind == "home_observation"
    line = visit_lines(user=world.village_leader, visits=[visit])[0]
    assert line.observation_pending


def test_a_refusal_after_registering_a_new_person_leaves_no_person(world):
    before = _written()
    with pytest.raises(TriageInvalid):
        _visit(world, "excluded", person_id=None, name="欧阳娜娜", region=world.other_grid)
    assert _written() == before


def test_the_same_key_twice_records_one_visit(world):
    first = _visit(world, "fever_unexcluded", idempotency_key="k1")
    again = _visit(world, "fever_unexcluded", idempotency_key="k1")
    assert first.created and not again.created and first.visit.pk == again.visit.pk
    assert FeverVisit.objects.count() == 1 and ClassificationChange.objects.count() == 1


def test_only_triage_roles_at_their_district_facilities(world):
    for user in (world.village_leader, world.grid_worker_a, world.department, world.police):
        with pytest.raises(PermissionDenied):
            _visit(world, actor=user)
    from epigrid.resources.models import Facility

    foreign = Facility.objects.create(district=world.other_district, kind="fever_clinic", name="外区发热门诊")
    with pytest.raises(PermissionDenied):
        _visit(world, facility=foreign)
    assert not FeverVisit.objects.exists()


def test_a_town_officer_records_at_the_township_room_for_their_town(world):
    result = _visit(world, "fever_unexcluded", facility=world.fever_room_a, actor=world.town_officer)
    assert _classification(world.zhang) == "fever_community" and result.created
    with pytest.raises(TriageInvalid) as caught:
        _visit(world, actor=world.town_officer, person_id=world.li.pk)  # 乙社区 is another town's
    assert caught.value.by_field.keys() == {"person"}


def test_the_visit_and_the_classification_are_audited(world):
    visit = _visit(world, "suspected").visit
    event = AuditEvent.objects.get(object_type="fever_visit", object_id=str(visit.pk))
    assert (event.action, event.user) == ("create", world.clinic)
    assert event.detail["to"] == "suspected"
    assert world.zhang.name not in str(event.detail) and world.zhang.id_number not in str(event.detail)
    assert AuditEvent.objects.filter(object_type="case_status", object_id=str(world.zhang.pk)).exists()


def test_a_visit_dated_in_the_future_or_long_ago_is_refused(world):
    from django.utils import timezone

    for at in (timezone.now() + dt.timedelta(hours=1), timezone.now() - dt.timedelta(days=8)):
        with pytest.raises(TriageInvalid) as caught:
            _visit(world, visited_at=at)
        assert caught.value.by_field.keys() == {"visited_at"}
