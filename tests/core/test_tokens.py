"""The token service: lifetime bounds, the cap on active tokens, revocation once, own tokens only."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.http import Http404

from epigrid.core.models import ApiToken, AuditEvent
from epigrid.core.tokens import (
    MAX_ACTIVE_PER_USER,
    TokenInvalid,
    TokenState,
    api_token_create,
    api_token_get_own,
    api_token_revoke,
    api_tokens_of,
    token_state,
)


def _token_events(action: str | None = None) -> list[AuditEvent]:
    events = AuditEvent.objects.filter(object_type="api_token").order_by("id")
    return list(events.filter(action=action) if action else events)


@pytest.mark.parametrize("days", [0, -1, 366, 10_000])
def test_a_lifetime_out_of_range_issues_nothing(world, days):
    with pytest.raises(TokenInvalid) as caught:
        api_token_create(actor=world.hq, user=world.hq, name="推送", days=days)
    assert caught.value.errors == {"days": "有效期须为 1 到 365 天。"}
    assert not ApiToken.objects.exists()
    assert _token_events() == []


@pytest.mark.parametrize("days", [1, 365])
def test_the_bounds_themselves_are_accepted(world, days):
    token = api_token_create(actor=world.hq, user=world.hq, name="推送", days=days).token
    assert abs(token.expires_at - token.created_at - dt.timedelta(days=days)) < dt.timedelta(seconds=5)


@pytest.mark.parametrize(
    ("name", "message"), [("   ", "请填写令牌名称（用途）。"), ("名" * 101, "令牌名称不能超过 100 个字符。")]
)
def test_a_blank_or_long_name_issues_nothing(world, name, message):
    with pytest.raises(TokenInvalid) as caught:
        api_token_create(actor=world.hq, user=world.hq, name=name)
    assert caught.value.errors == {"name": message}
    assert not ApiToken.objects.exists()


def test_creation_is_audited_with_ids_and_lifetime_only(world):
    issued = api_token_create(actor=world.grid_worker_a, user=world.grid_worker_a, name="网格员手机", days=30)
    (event,) = _token_events(AuditEvent.Action.CREATE)
    assert event.user == world.grid_worker_a
    assert event.object_id == str(issued.token.pk)
    assert event.detail == {"user": world.grid_worker_a.pk, "days": 30}
    assert issued.secret not in str(event.detail) and "网格员手机" not in str(event.detail)


def test_a_user_holds_at_most_the_cap_of_active_tokens(world):
    for i in range(MAX_ACTIVE_PER_USER):
        api_token_create(actor=None, user=world.hq, name=f"t{i}")
    with pytest.raises(TokenInvalid) as caught:
        api_token_create(actor=None, user=world.hq, name="one more")
    assert caught.value.errors == {"": f"您的有效令牌已达 {MAX_ACTIVE_PER_USER} 个，请先吊销不再使用的令牌。"}
    assert ApiToken.objects.filter(user=world.hq).count() == MAX_ACTIVE_PER_USER
    # Revoked and expired ones do not count; other users are not affected.
    api_token_revoke(actor=None, token=ApiToken.objects.filter(user=world.hq).first())
    api_token_create(actor=None, user=world.hq, name="replacement")
    api_token_create(actor=None, user=world.town_officer, name="someone else")


def test_expired_tokens_do_not_count_against_the_cap(world):
    for i in range(MAX_ACTIVE_PER_USER):
        api_token_create(actor=None, user=world.hq, name=f"t{i}", days=1)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=2)):
        assert api_token_create(actor=None, user=world.hq, name="fresh").token.pk


def test_revoking_twice_keeps_the_first_time_and_logs_once(world):
    token = api_token_create(actor=None, user=world.hq, name="推送").token
    first = api_token_revoke(actor=world.hq, token=token).revoked_at
    again = api_token_revoke(actor=world.hq, token=ApiToken.objects.get(pk=token.pk)).revoked_at
    assert first is not None and again == first
    assert len(_token_events(AuditEvent.Action.UPDATE)) == 1


def test_a_stale_copy_does_not_revoke_again(world):
    token = api_token_create(actor=None, user=world.hq, name="推送").token
    stale = ApiToken.objects.get(pk=token.pk)
    api_token_revoke(actor=world.hq, token=token)
    assert (
        api_token_revoke(actor=world.hq, token=stale).revoked_at
        == ApiToken.objects.get(pk=token.pk).revoked_at
    )
    assert len(_token_events(AuditEvent.Action.UPDATE)) == 1


def test_state_says_revoked_before_expired(world):
    token = api_token_create(actor=None, user=world.hq, name="推送", days=1).token
    later = token.expires_at + dt.timedelta(hours=1)
    assert token_state(token) == TokenState.ACTIVE
    assert token_state(token, at=later) == TokenState.EXPIRED
    token = api_token_revoke(actor=None, token=token)
    assert token_state(token, at=later) == TokenState.REVOKED


def test_a_user_reads_only_their_own_tokens(world):
    own = api_token_create(actor=None, user=world.grid_worker_a, name="mine").token
    theirs = api_token_create(actor=None, user=world.hq, name="hq's").token
    assert list(api_tokens_of(user=world.grid_worker_a)) == [own]
    assert api_token_get_own(user=world.grid_worker_a, token_id=own.pk) == own
    with pytest.raises(Http404):
        api_token_get_own(user=world.grid_worker_a, token_id=theirs.pk)
    with pytest.raises(Http404):  # not even the district HQ or the admin reads another's token
        api_token_get_own(user=world.admin, token_id=own.pk)
