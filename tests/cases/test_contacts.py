"""Registering contacts: registry lookup, idempotency, refusals, classification and observation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from epigrid.cases.contacts import NewContact, contact_register
from epigrid.cases.models import CaseStatus, Classification, ClassificationChange, Contact
from epigrid.cases.services import CaseError, classification_set
from epigrid.monitoring.models import Episode
from epigrid.people.models import Person

C = Classification


def _today() -> dt.date:
    return timezone.localdate()


def _wang(world) -> Person:
    return Person.objects.get(name="王芳", household=world.hh_a1)


def test_a_contact_becomes_a_close_contact_under_observation(world, confirmed_zhang, policy):
    wang = _wang(world)
    exposure = _today() - dt.timedelta(days=2)
    result = contact_register(
        actor=world.town_officer, case=world.zhang, contact=wang, setting="household",
        last_exposure=exposure, source="流调报告",
    )  # fmt: skip
    assert result.created and not result.person_created
    assert CaseStatus.objects.get(person=wang).classification == C.CLOSE_CONTACT
    change = ClassificationChange.objects.get(person=wang)
    assert change.source == ClassificationChange.Source.CONTACT_TRACING
    episode = Episode.objects.get(person=wang, status=Episode.Status.OPEN)
    assert episode.basis == Episode.Basis.CLOSE_CONTACT
    assert episode.last_exposure == exposure
    assert episode.planned_end == exposure + dt.timedelta(days=policy.observation_days)
    assert (episode.source_type, episode.source_id) == ("contact", result.contact.pk)
    assert result.contact.episode == episode


def test_the_same_contact_twice_is_one_record_and_the_later_exposure_extends(world, confirmed_zhang, policy):
    wang = _wang(world)
    first = _today() - dt.timedelta(days=5)
    later = _today() - dt.timedelta(days=1)
    contact_register(
        actor=world.town_officer, case=world.zhang, contact=wang, setting="meal", last_exposure=first
    )
    again = contact_register(
        actor=world.town_officer, case=world.zhang, contact=wang, setting="household", last_exposure=later
    )
    assert not again.created
    assert Contact.objects.filter(case=world.zhang, contact=wang).count() == 1
    row = Contact.objects.get(case=world.zhang, contact=wang)
    assert (row.last_exposure, row.setting) == (later, "household")
    episode = Episode.objects.get(person=wang, status=Episode.Status.OPEN)
    assert episode.planned_end == later + dt.timedelta(days=policy.observation_days)
    # An earlier date entered afterwards changes nothing.
    contact_register(
        actor=world.town_officer, case=world.zhang, contact=wang, setting="meal", last_exposure=first
    )
    row.refresh_from_db()
    assert row.last_exposure == later
    assert Episode.objects.filter(person=wang).count() == 1
    assert ClassificationChange.objects.filter(person=wang).count() == 1


def test_an_open_observation_is_extended_not_duplicated(world, confirmed_zhang, policy):
    episode = world.episode_zhang  # started yesterday, exposure yesterday
    classification_set(actor=world.hq, person=world.li, to=C.CONFIRMED, reason="核酸阳性")
    # 张伟 is already confirmed: he stays a case, no observation change.
    result = contact_register(
        actor=world.hq, case=world.li, contact=world.zhang, setting="work", last_exposure=_today()
    )
    assert result.classification == C.CONFIRMED and result.episode is None
    assert "确诊病例" in result.episode_note
    wang = _wang(world)
    open_wang = Episode.objects.create(
        person=wang, district_id=wang.district_id, town_id=wang.town_id, village_id=wang.village_id,
        grid_id=wang.grid_id, household_id=wang.household_id, kind=Episode.Kind.HOME,
        basis=Episode.Basis.OUTBREAK_RETURN, policy=policy, started_on=_today() - dt.timedelta(days=3),
        last_exposure=_today() - dt.timedelta(days=3), planned_end=_today() + dt.timedelta(days=11),
    )  # fmt: skip
    result = contact_register(
        actor=world.hq, case=world.li, contact=wang, setting="work", last_exposure=_today()
    )
    open_wang.refresh_from_db()
    assert result.episode == open_wang
    assert open_wang.planned_end == _today() + dt.timedelta(days=policy.observation_days)
    assert Episode.objects.filter(person=wang).count() == 1
    assert episode.pk != open_wang.pk


def test_a_person_cannot_be_their_own_contact(world, confirmed_zhang):
    with pytest.raises(CaseError) as refused:
        contact_register(
            actor=world.hq, case=world.zhang, contact=world.zhang, setting="other", last_exposure=_today()
        )
    assert refused.value.message == "一个人不能登记为自己的密切接触者。"
    assert not Contact.objects.exists()


def test_exposure_in_the_future_or_before_birth_is_refused(world, confirmed_zhang):
    wang = _wang(world)
    with pytest.raises(CaseError, match="末次接触日期不能晚于今天。"):
        contact_register(
            actor=world.hq, case=world.zhang, contact=wang, setting="meal",
            last_exposure=_today() + dt.timedelta(days=1),
        )  # fmt: skip
    with pytest.raises(CaseError, match="末次接触日期不能早于出生日期。"):
        contact_register(
            actor=world.hq, case=world.zhang, contact=wang, setting="meal",
            last_exposure=wang.birth_date - dt.timedelta(days=1),
        )  # fmt: skip
    assert not Contact.objects.exists()
    assert not CaseStatus.objects.filter(person=wang).exists()


def test_a_new_contact_typed_with_a_registered_id_number_is_the_registered_person(world, confirmed_zhang):
    wang = _wang(world)
    before = Person.objects.count()
    result = contact_register(
        actor=world.town_officer, case=world.zhang, setting="meal", last_exposure=_today(),
        contact=NewContact(name="王 芳", id_number=wang.id_number.lower()),
    )  # fmt: skip
    assert result.contact.contact == wang and not result.person_created
    assert Person.objects.count() == before


def test_a_new_contact_with_a_known_phone_and_name_is_the_registered_person(world, confirmed_zhang):
    wang = _wang(world)
    result = contact_register(
        actor=world.town_officer, case=world.zhang, setting="meal", last_exposure=_today(),
        contact=NewContact(name="王芳", phone=wang.phone),
    )  # fmt: skip
    assert result.contact.contact == wang


def test_a_new_contact_registered_elsewhere_is_refused_without_a_name(world, confirmed_zhang):
    with pytest.raises(CaseError) as refused:
        contact_register(
            actor=world.town_officer, case=world.zhang, setting="meal", last_exposure=_today(),
            contact=NewContact(name="赵敏", id_number=world.outsider_person.id_number),
        )  # fmt: skip
    assert "赵敏" not in refused.value.message and "辖区外" in refused.value.message


def test_a_new_household_contact_is_registered_in_the_household(world, confirmed_zhang):
    result = contact_register(
        actor=world.town_officer, case=world.zhang, setting="household", last_exposure=_today(),
        contact=NewContact(name="张小明", sex="M", household=world.hh_a1),
    )  # fmt: skip
    person = result.contact.contact
    assert result.person_created and person.household == world.hh_a1
    assert person.source == Person.Source.LOCAL
    assert result.episode is not None and result.episode.kind == Episode.Kind.HOME


def test_a_new_contact_without_a_home_is_registered_in_the_village_without_observation(
    world, confirmed_zhang
):
    result = contact_register(
        actor=world.town_officer, case=world.zhang, setting="vehicle", last_exposure=_today(),
        contact=NewContact(name="刘洋", region=world.village_a),
    )  # fmt: skip
    person = result.contact.contact
    assert person.village_id == world.village_a.pk and person.household_id is None
    assert result.classification == C.CLOSE_CONTACT
    assert result.episode is None and "尚未落户" in result.episode_note


def test_contacts_of_a_close_contact_are_secondary_contacts(world, confirmed_zhang):
    wang = _wang(world)
    contact_register(
        actor=world.hq, case=world.zhang, contact=wang, setting="household", last_exposure=_today()
    )
    result = contact_register(
        actor=world.hq, case=wang, contact=world.li, setting="work", last_exposure=_today()
    )
    assert result.classification == C.SECONDARY_CONTACT
    # Named later as a contact of the confirmed case himself: promoted to close contact.
    result = contact_register(
        actor=world.hq, case=world.zhang, contact=world.li, setting="meal", last_exposure=_today()
    )
    assert result.classification == C.CLOSE_CONTACT


def test_contacts_of_someone_who_is_not_a_case_are_refused(world, policy):
    with pytest.raises(CaseError) as refused:
        contact_register(
            actor=world.hq, case=world.zhang, contact=world.li, setting="work", last_exposure=_today()
        )
    assert refused.value.message == "关联人员当前为未分类，不是病例或密切接触者，不能登记其接触者。"


def test_grid_workers_may_not_register_contacts(world, confirmed_zhang):
    with pytest.raises(PermissionDenied):
        contact_register(
            actor=world.grid_worker_a, case=world.zhang, contact=_wang(world), setting="meal",
            last_exposure=_today(),
        )  # fmt: skip


def test_the_database_refuses_a_self_contact_and_a_duplicate_pair(world, confirmed_zhang):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(case=world.zhang, contact=world.zhang, setting="other", last_exposure=_today())
    wang = _wang(world)
    Contact.objects.create(case=world.zhang, contact=wang, setting="other", last_exposure=_today())
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(case=world.zhang, contact=wang, setting="meal", last_exposure=_today())
