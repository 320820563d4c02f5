"""Adding a version of the risk rules: who may, what is refused (each field named), idempotency."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from epigrid.core.clock import local_today
from epigrid.risk.models import RiskPolicy
from epigrid.risk.services import PolicyInput, PolicyInvalid, risk_policy_add

pytestmark = pytest.mark.django_db


def _data(**changes) -> PolicyInput:
    values = {
        "name": "从严版",
        "effective_from": local_today() + dt.timedelta(days=3),
        "medium_max_cumulative": 20,
    }
    return PolicyInput(**{**values, **changes})


def test_the_hq_adds_the_next_version_of_its_district(world):
    result = risk_policy_add(actor=world.hq, district=world.district, data=_data())
    policy = result.policy
    assert result.created and (policy.version, policy.district, policy.medium_max_cumulative) == (
        2,
        world.district,
        20,
    )
    assert policy.created_by == world.hq and policy.window_days == 14 and policy.high_requires_cluster


@pytest.mark.parametrize(
    "persona", ["town_officer", "village_leader", "grid_worker_a", "outsider", "department"]
)
def test_only_the_districts_hq_may_add(world, persona):
    with pytest.raises(PermissionDenied):
        risk_policy_add(actor=getattr(world, persona), district=world.district, data=_data())
    assert not RiskPolicy.objects.filter(district__isnull=False).exists()


def test_another_districts_hq_may_not(world):
    from epigrid.core.roles import Role
    from tests import factories as f

    other_hq = f.user("other_hq", Role.DISTRICT_HQ, world.other_district)
    with pytest.raises(PermissionDenied):
        risk_policy_add(actor=other_hq, district=world.district, data=_data())


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": " "}, "name", "名称：请填写"),
        ({"effective_from": None}, "effective_from", "生效日期：请填写"),
        (
            {"effective_from": dt.date(2020, 1, 1)},
            "effective_from",
            "生效日期：不能早于今天，新版本不改写已公布的风险等级",
        ),
        ({"window_days": 0}, "window_days", "统计天数：应在1到60之间"),
        ({"window_days": None}, "window_days", "统计天数：请填写"),
        ({"medium_max_cumulative": -1}, "medium_max_cumulative", "中风险累计确诊上限：应在0到1000000之间"),
        ({"cluster_min_cases": 1}, "cluster_min_cases", "聚集性疫情最少病例数：应在2到100之间"),
        ({"note": "长" * 1001}, "note", "说明：不能超过1000个字"),
    ],
)
def test_a_wrong_field_is_named_and_nothing_is_saved(world, changes, field, message):
    with pytest.raises(PolicyInvalid) as caught:
        risk_policy_add(actor=world.hq, district=world.district, data=_data(**changes))
    assert [(e.field, e.message) for e in caught.value.errors] == [(field, message)]
    assert RiskPolicy.objects.count() == 1


def test_a_version_before_the_latest_one_is_refused_one_after_it_accepted(world):
    risk_policy_add(
        actor=world.hq,
        district=world.district,
        data=_data(effective_from=local_today() + dt.timedelta(days=10)),
    )
    with pytest.raises(PolicyInvalid) as caught:
        risk_policy_add(
            actor=world.hq,
            district=world.district,
            data=_data(effective_from=local_today() + dt.timedelta(days=5)),
        )
    (error,) = caught.value.errors
    assert error.field == "effective_from" and error.message.startswith(
        "生效日期：不能早于最新版本（第2版）的生效日期"
    )
    later = risk_policy_add(
        actor=world.hq,
        district=world.district,
        data=_data(effective_from=local_today() + dt.timedelta(days=10)),
    )
    assert later.policy.version == 3


def test_today_is_allowed(world):
    assert risk_policy_add(
        actor=world.hq, district=world.district, data=_data(effective_from=local_today())
    ).created


def test_the_same_key_adds_one_version(world):
    first = risk_policy_add(actor=world.hq, district=world.district, data=_data(idempotency_key="k-1"))
    again = risk_policy_add(actor=world.hq, district=world.district, data=_data(idempotency_key="k-1"))
    assert first.created and not again.created and again.policy == first.policy
    assert RiskPolicy.objects.filter(district=world.district).count() == 1
