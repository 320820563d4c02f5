"""Classification changes: the allowed-transition table, the message naming the current state, history,
reported date, episode conversion, capability and scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from epigrid.cases.models import CaseStatus, Classification, ClassificationChange
from epigrid.cases.services import CaseError, classification_set
from epigrid.cases.transitions import ALLOWED, ENTRY, transition_error
from epigrid.core.models import AuditEvent
from epigrid.monitoring.models import Episode

C = Classification


def test_every_classification_has_a_row_in_the_table():
    assert set(ALLOWED) == set(C.values)
    assert all(target in C.values for targets in ALLOWED.values() for target in targets)
    assert not ALLOWED[C.DIED]
    assert C.EXCLUDED not in ENTRY and C.RECOVERED not in ENTRY


def test_suspected_to_recovered_is_refused_naming_the_current_state(world, policy):
    classification_set(actor=world.town_officer, person=world.zhang, to=C.SUSPECTED, reason="发热伴咳嗽")
    with pytest.raises(CaseError) as refused:
        classification_set(actor=world.town_officer, person=world.zhang, to=C.RECOVERED, reason="出院")
    assert refused.value.message == "当前为疑似病例，不能直接改为治愈"
    assert CaseStatus.objects.get(person=world.zhang).classification == C.SUSPECTED
    assert ClassificationChange.objects.filter(person=world.zhang).count() == 1


def test_a_first_classification_cannot_be_excluded(world, policy):
    with pytest.raises(CaseError) as refused:
        classification_set(actor=world.hq, person=world.zhang, to=C.EXCLUDED, reason="核酸阴性")
    assert refused.value.message == "尚未分类的人员不能直接标为排除。"
    assert not CaseStatus.objects.exists()


def test_died_is_final(world, confirmed_zhang):
    classification_set(actor=world.hq, person=world.zhang, to=C.DIED, reason="抢救无效")
    with pytest.raises(CaseError, match="当前为死亡，不能直接改为治愈"):
        classification_set(actor=world.hq, person=world.zhang, to=C.RECOVERED, reason="误录")


def test_history_is_kept_in_order_with_who_and_why(world, policy):
    for to, reason in [(C.CLOSE_CONTACT, "同住"), (C.SUSPECTED, "发热"), (C.CONFIRMED, "核酸阳性")]:
        classification_set(actor=world.town_officer, person=world.zhang, to=to, reason=reason)
    changes = list(ClassificationChange.objects.filter(person=world.zhang).order_by("id"))
    assert [(c.from_classification, c.to_classification) for c in changes] == [
        ("", C.CLOSE_CONTACT),
        (C.CLOSE_CONTACT, C.SUSPECTED),
        (C.SUSPECTED, C.CONFIRMED),
    ]
    assert all(c.decided_by == world.town_officer for c in changes)
    assert [c.reason for c in changes] == ["同住", "发热", "核酸阳性"]
    events = AuditEvent.objects.filter(object_type="case_status", object_id=str(world.zhang.pk))
    assert events.count() == 3
    assert all("核酸" not in str(e.detail) for e in events)


def test_reported_on_is_the_first_case_report_and_the_chain_is_copied(world, policy):
    at = timezone.now() - dt.timedelta(days=2)
    classification_set(actor=world.hq, person=world.zhang, to=C.SUSPECTED, reason="发热", at=at)
    status = classification_set(actor=world.hq, person=world.zhang, to=C.CONFIRMED, reason="核酸阳性")
    assert status.reported_on == timezone.localdate(at)
    assert (status.district_id, status.town_id, status.village_id, status.grid_id) == (
        world.district.pk,
        world.town.pk,
        world.village_a.pk,
        world.grid_a.pk,
    )


def test_close_contact_has_no_reported_date(world, policy):
    status = classification_set(actor=world.hq, person=world.zhang, to=C.CLOSE_CONTACT, reason="同住")
    assert status.reported_on is None


def test_onset_in_the_future_or_before_birth_is_refused(world, policy):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(CaseError, match="发病日期不能晚于今天。"):
        classification_set(
            actor=world.hq, person=world.zhang, to=C.SUSPECTED, reason="发热", onset_date=tomorrow
        )
    before_birth = world.zhang.birth_date - dt.timedelta(days=1)
    with pytest.raises(CaseError, match="发病日期不能早于出生日期。"):
        classification_set(
            actor=world.hq, person=world.zhang, to=C.SUSPECTED, reason="发热", onset_date=before_birth
        )
    assert not CaseStatus.objects.exists()


def test_a_reason_is_required(world, policy):
    with pytest.raises(CaseError, match="请填写判定依据"):
        classification_set(actor=world.hq, person=world.zhang, to=C.SUSPECTED, reason="  ")


@pytest.mark.parametrize("persona", ["grid_worker_a", "village_leader", "department", "checkpoint"])
def test_roles_without_the_capability_are_refused(world, policy, persona):
    with pytest.raises(PermissionDenied):
        classification_set(actor=getattr(world, persona), person=world.zhang, to=C.SUSPECTED, reason="发热")
    assert not CaseStatus.objects.exists()


def test_outside_the_scope_is_refused(world, policy):
    # The town officer of 甲镇 cannot classify 李娜 of 乙街道.
    with pytest.raises(CaseError, match="人员不在您的管辖范围内"):
        classification_set(actor=world.town_officer, person=world.li, to=C.SUSPECTED, reason="发热")
    assert not CaseStatus.objects.exists()


def test_becoming_suspected_converts_the_open_observation(world, policy):
    episode = world.episode_zhang
    classification_set(actor=world.town_officer, person=world.zhang, to=C.SUSPECTED, reason="发热")
    episode.refresh_from_db()
    assert episode.status == Episode.Status.CONVERTED
    assert episode.end_reason == Episode.EndReason.SUSPECTED


def test_transition_error_messages():
    assert transition_error(C.CLOSE_CONTACT, C.SUSPECTED) == ""
    assert transition_error(C.CONFIRMED, C.CONFIRMED) == "当前已是确诊病例。"
    assert transition_error(C.FEVER_COMMUNITY, C.CONFIRMED) == "当前为社区发热待查，不能直接改为确诊病例"


def test_a_change_dated_before_the_current_one_is_refused(world, policy):
    now = timezone.now()
    classification_set(actor=world.hq, person=world.zhang, to=C.SUSPECTED, reason="发热", at=now)
    with pytest.raises(CaseError, match="判定时间不能早于当前分类的时间"):
        classification_set(
            actor=world.hq,
            person=world.zhang,
            to=C.CONFIRMED,
            reason="核酸阳性",
            at=now - dt.timedelta(hours=1),
        )
    assert CaseStatus.objects.get(person=world.zhang).classification == C.SUSPECTED
