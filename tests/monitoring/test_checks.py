"""Health checks: validation, fever under the episode's policy version, replacement history, scope, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from epigrid.core.models import AuditEvent
from epigrid.monitoring.checks import CheckInvalid, check_history, check_record, parse_temperature
from epigrid.monitoring.models import Episode, HealthCheck, Policy

ROSTER = HealthCheck.Channel.ROSTER


def record(actor, episode, **kwargs):
    values = {
        "day": timezone.localdate(),
        "slot": "am",
        "temperature": Decimal("36.5"),
        "symptoms": [],
        "went_out": False,
        "channel": ROSTER,
        "recorded_at": timezone.now(),
    }
    values.update(kwargs)
    return check_record(actor=actor, episode=episode, **values)


def fields(exc: pytest.ExceptionInfo[CheckInvalid]) -> set[str]:
    return {e.field for e in exc.value.errors}


def test_a_check_copies_the_chain_and_judges_fever(world, open_episode):
    episode = open_episode(world.zhang)
    check = record(world.grid_worker_a, episode, temperature=Decimal("37.3"), symptoms=["cough", "fever"])
    check.refresh_from_db()
    assert check.person_id == world.zhang.pk and check.grid_id == world.zhang.grid_id
    assert check.fever is True and check.temperature == Decimal("37.3")
    assert check.symptoms == ["fever", "cough"]  # the policy's order
    assert check.recorded_by == world.grid_worker_a and check.replaced_by is None
    assert record(world.grid_worker_a, episode, slot="pm", temperature=Decimal("37.2")).fever is False


@pytest.mark.parametrize(
    ("temperature", "field"),
    [(Decimal("33.9"), "temperature"), (Decimal("43.1"), "temperature"), (Decimal("36.55"), "temperature"),
     (None, "temperature")],
)  # fmt: skip
def test_temperatures_outside_the_range_are_refused_with_a_message(world, open_episode, temperature, field):
    episode = open_episode(world.zhang)
    with pytest.raises(CheckInvalid) as exc:
        record(world.grid_worker_a, episode, temperature=temperature)
    assert fields(exc) == {field}
    assert HealthCheck.objects.count() == 0


def test_range_message_is_clear_chinese(world, open_episode):
    with pytest.raises(CheckInvalid) as exc:
        record(world.grid_worker_a, open_episode(world.zhang), temperature=Decimal("365"))
    assert "34.0" in str(exc.value.errors[0].message) and "43.0" in str(exc.value.errors[0].message)


def test_every_problem_is_reported_at_once(world, open_episode):
    episode = open_episode(world.zhang)
    with pytest.raises(CheckInvalid) as exc:
        record(
            world.grid_worker_a, episode, slot="noon", temperature=Decimal("50"), symptoms=["hiccups"],
            recorded_at=timezone.now() + dt.timedelta(hours=2),
        )  # fmt: skip
    assert fields(exc) == {"slot", "temperature", "symptoms", "recorded_at"}


def test_typed_temperatures_are_read_or_refused():
    assert parse_temperature(" 36,5 ") == Decimal("36.5")
    assert parse_temperature("37.1℃") == Decimal("37.1")
    assert parse_temperature("") is None
    for bad in ("abc", "nan", "inf"):
        with pytest.raises(CheckInvalid):
            parse_temperature(bad)


def test_a_late_entry_keeps_its_real_time(world, open_episode):
    episode = open_episode(world.zhang)
    taken = timezone.now() - dt.timedelta(hours=30)
    check = record(world.grid_worker_a, episode, day=timezone.localdate(taken), recorded_at=taken)
    assert check.recorded_at == taken and check.entered_at > taken


def test_a_person_not_under_observation_is_refused_with_a_reason(world, open_episode):
    episode = open_episode(world.zhang)
    Episode.objects.filter(pk=episode.pk).update(status=Episode.Status.RELEASED, end_reason="released")
    episode.refresh_from_db()
    with pytest.raises(CheckInvalid) as exc:
        record(world.grid_worker_a, episode)
    assert "不在医学观察" in str(exc.value.errors[0].message)


def test_a_second_entry_replaces_the_first_and_keeps_the_history(world, open_episode):
    episode = open_episode(world.zhang)
    first = record(world.grid_worker_a, episode, temperature=Decimal("38.0"))
    second = record(
        world.grid_worker_a, episode, temperature=Decimal("36.6"), channel=HealthCheck.Channel.PHONE
    )
    third = record(world.village_leader, episode, temperature=Decimal("36.7"))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.replaced_by == second and second.replaced_by == third
    assert [c.pk for c in check_history(episode, timezone.localdate(), "am")] == [
        first.pk,
        second.pk,
        third.pk,
    ]
    current = HealthCheck.objects.filter(episode=episode, replaced_by__isnull=True)
    assert list(current) == [third]
    events = AuditEvent.objects.filter(object_type="health_check").order_by("pk")
    assert [e.detail["replaced"] for e in events] == [None, first.pk, second.pk]


def test_fever_is_judged_by_the_episodes_policy_version(world, open_episode, policy):
    episode = open_episode(world.zhang)
    Policy.objects.create(
        version=policy.version + 1, name="stricter", effective_from=timezone.now() - dt.timedelta(minutes=1),
        fever_threshold=Decimal("37.0"), fever_comparator=Policy.Comparator.GT,
    )  # fmt: skip
    # The episode started under version 1 (>= 37.3): 37.2 is no fever, though the new version says so.
    assert record(world.grid_worker_a, episode, temperature=Decimal("37.2")).fever is False
    later = open_episode(world.li)
    later.policy = Policy.objects.get(version=policy.version + 1)
    later.save()
    assert record(world.grid_worker_b, later, temperature=Decimal("37.1")).fever is True
    assert record(world.grid_worker_b, later, slot="pm", temperature=Decimal("37.0")).fever is False  # ">"


def test_symptoms_outside_the_policys_list_are_refused(world, open_episode, policy):
    episode = open_episode(world.zhang)
    Policy.objects.filter(pk=policy.pk).update(symptoms=["fever", "cough"])
    episode.policy.refresh_from_db()
    with pytest.raises(CheckInvalid) as exc:
        record(world.grid_worker_a, episode, symptoms=["diarrhoea"])
    assert fields(exc) == {"symptoms"}


@pytest.mark.parametrize("persona", ["grid_worker_b", "outsider", "department", "hq"])
def test_staff_need_write_and_scope(world, open_episode, persona):
    episode = open_episode(world.zhang)
    user = getattr(world, persona)
    if user.caps.can_write and persona == "hq":
        assert record(user, episode).pk  # HQ writes anywhere in its district
        return
    with pytest.raises(PermissionDenied):
        record(user, episode)
    assert HealthCheck.objects.count() == 0


def test_without_an_actor_only_the_self_channel_is_allowed(world, open_episode):
    episode = open_episode(world.zhang)
    with pytest.raises(PermissionDenied):
        record(None, episode, channel=ROSTER)
    assert record(None, episode, channel=HealthCheck.Channel.SELF).recorded_by is None


def test_the_audit_event_holds_no_personal_values(world, open_episode):
    episode = open_episode(world.zhang)
    check = record(world.grid_worker_a, episode, temperature=Decimal("38.4"), symptoms=["cough"])
    event = AuditEvent.objects.get(object_type="health_check", object_id=str(check.pk))
    text = str(event.detail)
    assert event.user == world.grid_worker_a and event.action == AuditEvent.Action.CREATE
    assert "38.4" not in text and "cough" not in text and "张伟" not in text
    assert event.detail["episode"] == episode.pk and event.detail["channel"] == "roster"


def test_a_phone_call_is_recorded_by_staff_on_its_page(world, open_episode):
    from django.test import Client
    from django.urls import reverse

    episode = open_episode(world.zhang)
    client = Client()
    client.force_login(world.grid_worker_a)
    page = reverse("monitoring:phone_check", args=[episode.pk])
    assert client.get(page).status_code == 200
    day = timezone.localdate().isoformat()
    response = client.post(page, {"day": day, "slot": "am", "time": "00:01", "temperature": "37.5"})
    assert response.status_code == 200
    check = HealthCheck.objects.get()
    assert (
        check.channel == HealthCheck.Channel.PHONE
        and check.fever
        and check.recorded_by == world.grid_worker_a
    )
    refused = client.post(page, {"day": day, "slot": "am", "time": "00:01", "temperature": "45"})
    assert refused.status_code == 400 and "34.0" in refused.content.decode()
    for user, status in ((world.grid_worker_b, 404), (world.department, 403)):
        client.force_login(user)
        assert client.get(page).status_code == status


def test_a_day_before_the_episode_or_in_the_future_is_refused(world, open_episode):
    episode = open_episode(world.zhang, days_ago=2)
    for day in (episode.started_on - dt.timedelta(days=1), timezone.localdate() + dt.timedelta(days=1)):
        with pytest.raises(CheckInvalid) as exc:
            record(world.grid_worker_a, episode, day=day)
        assert fields(exc) == {"day"}
