"""Measures: recorded with who and when; observation measures go through the monitoring services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from epigrid.cases.models import Classification, Measure
from epigrid.cases.services import CaseError, classification_set, measure_record
from epigrid.core.models import AuditEvent
from epigrid.monitoring.models import Episode, Room, Site

K = Measure.Kind


def test_home_observation_opens_an_episode(world, policy):
    classification_set(actor=world.hq, person=world.zhang, to=Classification.CLOSE_CONTACT, reason="同住")
    exposure = timezone.localdate() - dt.timedelta(days=3)
    measure = measure_record(
        actor=world.grid_worker_a, person=world.zhang, kind=K.HOME_OBSERVATION, last_exposure=exposure
    )
    episode = Episode.objects.get(person=world.zhang, status=Episode.Status.OPEN)
    assert measure.episode == episode and measure.decided_by == world.grid_worker_a
    assert episode.kind == Episode.Kind.HOME and episode.basis == Episode.Basis.CLOSE_CONTACT
    assert episode.planned_end == exposure + dt.timedelta(days=policy.observation_days)
    assert AuditEvent.objects.filter(object_type="measure", object_id=str(measure.pk)).exists()


def test_the_same_measure_again_extends_the_open_episode(world, policy):
    episode = world.episode_zhang
    measure = measure_record(
        actor=world.village_leader, person=world.zhang, kind=K.HOME_OBSERVATION,
        last_exposure=timezone.localdate(),
    )  # fmt: skip
    episode.refresh_from_db()
    assert measure.episode == episode
    assert episode.planned_end == timezone.localdate() + dt.timedelta(days=policy.observation_days)
    assert Episode.objects.filter(person=world.zhang).count() == 1


def test_centralized_observation_moves_the_person_to_a_site(world, policy):
    home = world.episode_zhang
    site = Site.objects.create(district=world.district, name="区宾馆")
    room = Room.objects.create(site=site, number="301")
    measure = measure_record(
        actor=world.town_officer, person=world.zhang, kind=K.CENTRALIZED_OBSERVATION, room=room
    )
    home.refresh_from_db()
    assert home.status == Episode.Status.CONVERTED and home.end_reason == Episode.EndReason.TRANSFERRED
    assert measure.episode is not None and measure.episode.room == room
    assert measure.episode.last_exposure == home.last_exposure  # the clock is kept
    assert measure.place == "区宾馆 301"


def test_centralized_observation_without_a_room_is_refused(world, policy):
    with pytest.raises(CaseError, match="集中医学观察须选择隔离点和房间"):
        measure_record(actor=world.town_officer, person=world.zhang, kind=K.CENTRALIZED_OBSERVATION)
    assert not Measure.objects.exists()


def test_a_fever_clinic_visit_closes_the_observation(world, policy):
    episode = world.episode_zhang
    measure_record(actor=world.grid_worker_a, person=world.zhang, kind=K.FEVER_CLINIC, place="区人民医院")
    episode.refresh_from_db()
    assert episode.status == Episode.Status.CONVERTED
    assert episode.end_reason == Episode.EndReason.FEVER_CLINIC


def test_other_needs_a_note(world, policy):
    with pytest.raises(CaseError, match="其他"):
        measure_record(actor=world.town_officer, person=world.zhang, kind=K.OTHER)


def test_read_only_roles_and_outsiders_are_refused(world, policy):
    with pytest.raises(PermissionDenied):
        measure_record(actor=world.department, person=world.zhang, kind=K.HOME_MONITORING)
    with pytest.raises(CaseError, match="管辖范围"):
        measure_record(actor=world.grid_worker_b, person=world.zhang, kind=K.HOME_MONITORING)
    assert not Measure.objects.exists()
