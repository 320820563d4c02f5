from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from epigrid.monitoring.models import Policy
from epigrid.monitoring.policy import current_policy, slot_at, slot_deadline


def test_first_version_is_the_2020_protocol(policy):
    assert policy.version == 1 and policy.observation_days == 14
    assert policy.slot_keys == ["am", "pm"]
    assert policy.is_fever(Decimal("37.3")) and not policy.is_fever(Decimal("37.2"))
    assert not policy.is_fever(None)


def test_a_later_version_applies_from_its_start_and_the_earlier_one_before(policy):
    start = timezone.now() + dt.timedelta(days=1)
    later = Policy.objects.create(
        version=2, name="第二版", effective_from=start, observation_days=7, fever_comparator=">"
    )
    assert current_policy() == policy
    assert current_policy(start + dt.timedelta(minutes=1)) == later
    assert not later.is_fever(Decimal("37.3")) and later.is_fever(Decimal("37.4"))


def test_slots_and_deadlines(policy):
    day = dt.date(2020, 2, 3)
    local = timezone.get_current_timezone()
    morning = dt.datetime(2020, 2, 3, 8, 30, tzinfo=local)
    evening = dt.datetime(2020, 2, 3, 19, 0, tzinfo=local)
    late = dt.datetime(2020, 2, 3, 23, 0, tzinfo=local)
    assert (slot_at(policy, morning), slot_at(policy, evening), slot_at(policy, late)) == ("am", "pm", "pm")
    assert timezone.localtime(slot_deadline(policy, day, "am")).time() == dt.time(12, 0)
