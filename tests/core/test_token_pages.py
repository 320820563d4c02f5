"""我的 API 令牌: a user lists, issues and revokes their own tokens, and never sees anyone else's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from epigrid.core.models import ApiToken, AuditEvent
from epigrid.core.tokens import api_token_create, api_token_revoke, api_token_user

LIST = reverse("tokens:list")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _revoke_url(token: ApiToken) -> str:
    return reverse("tokens:revoke", args=[token.pk])


def test_the_list_shows_only_the_users_own_tokens(world):
    mine = api_token_create(actor=None, user=world.grid_worker_a, name="网格员手机", days=30).token
    api_token_revoke(
        actor=None, token=api_token_create(actor=None, user=world.grid_worker_a, name="旧手机").token
    )
    api_token_create(actor=None, user=world.grid_worker_b, name="乙网格脚本")
    api_token_create(actor=None, user=world.hq, name="指挥部推送")
    response = _client(world.grid_worker_a).get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert "网格员手机" in body and "旧手机" in body and f"{mine.prefix}…" in body
    assert "有效" in body and "已吊销" in body and "从未使用" in body
    assert "乙网格脚本" not in body and "指挥部推送" not in body
    assert [t.name for t, _state, _label in response.context["rows"]] == ["旧手机", "网格员手机"]


def test_the_list_shows_expired_tokens_as_expired(world):
    token = api_token_create(actor=None, user=world.grid_worker_a, name="到期的", days=1).token
    ApiToken.objects.filter(pk=token.pk).update(expires_at=token.created_at - dt.timedelta(minutes=1))
    response = _client(world.grid_worker_a).get(LIST)
    assert [(t.name, state, str(label)) for t, state, label in response.context["rows"]] == [
        ("到期的", "expired", "已过期")
    ]


def test_the_list_costs_the_same_queries_for_many_tokens(world):
    client = _client(world.grid_worker_a)
    api_token_create(actor=None, user=world.grid_worker_a, name="one")
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for i in range(10):
        api_token_create(actor=None, user=world.grid_worker_a, name=f"more {i}")
    with CaptureQueriesContext(connection) as many:
        client.get(LIST)
    assert len(many) == len(few) <= 6


def test_issuing_shows_the_secret_once(world):
    client = _client(world.grid_worker_a)
    response = client.post(LIST, {"name": "网格员手机", "days": "30"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=world.grid_worker_a)
    secret = response.context["secret"]
    body = response.content.decode()
    assert secret in body and "它只显示这一次" in body
    assert secret.startswith(token.prefix) and token.key_hash != secret and token.name == "网格员手机"
    assert api_token_user(secret=secret) == world.grid_worker_a
    assert abs(token.expires_at - token.created_at - dt.timedelta(days=30)) < dt.timedelta(seconds=5)
    event = AuditEvent.objects.get(object_type="api_token", action=AuditEvent.Action.CREATE)
    assert event.user == world.grid_worker_a and event.detail == {"user": world.grid_worker_a.pk, "days": 30}
    # Looking at the page again shows the token, never its secret.
    again = client.get(LIST).content.decode()
    assert "网格员手机" in again and secret not in again and secret[len(token.prefix) :] not in again


def test_the_new_token_works_on_the_api_as_its_owner(world):
    response = _client(world.grid_worker_a).post(LIST, {"name": "脚本", "days": "7"})
    api = Client(headers={"Authorization": f"Bearer {response.context['secret']}"})
    names = {p["name"] for p in api.get("/api/v1/persons").json()["items"]}
    assert names == {"张伟", "王芳", "曾强"}


@pytest.mark.parametrize("days", ["0", "366", "-1", "abc", ""])
def test_a_lifetime_out_of_range_is_a_form_error(world, days):
    response = _client(world.grid_worker_a).post(LIST, {"name": "脚本", "days": days})
    assert response.status_code == 200
    errors = response.context["form"].errors["days"]
    out_of_range = "有效期须为 1 到 365 天。"
    expected = {"0": out_of_range, "366": out_of_range, "-1": out_of_range, "abc": "输入整数。",
                "": "这个字段是必填项。"}  # fmt: skip
    assert errors == [expected[days]]
    assert "secret" not in response.context
    assert not ApiToken.objects.exists()


def test_a_blank_name_is_a_form_error(world):
    response = _client(world.grid_worker_a).post(LIST, {"name": "   ", "days": "30"})
    assert response.context["form"].errors["name"] == ["这个字段是必填项。"]
    assert not ApiToken.objects.exists()


def test_the_cap_on_active_tokens_is_a_form_error(world):
    from epigrid.core.tokens import MAX_ACTIVE_PER_USER

    for i in range(MAX_ACTIVE_PER_USER):
        api_token_create(actor=None, user=world.grid_worker_a, name=f"t{i}")
    response = _client(world.grid_worker_a).post(LIST, {"name": "one more", "days": "30"})
    assert response.context["form"].non_field_errors() == [
        f"您的有效令牌已达 {MAX_ACTIVE_PER_USER} 个，请先吊销不再使用的令牌。"
    ]
    assert ApiToken.objects.count() == MAX_ACTIVE_PER_USER


def test_revoking_asks_then_revokes_once(world):
    issued = api_token_create(actor=None, user=world.grid_worker_a, name="网格员手机")
    client = _client(world.grid_worker_a)
    ask = client.get(_revoke_url(issued.token))
    assert ask.status_code == 200 and "确认吊销" in ask.content.decode()
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is None
    response = client.post(_revoke_url(issued.token), follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    assert f"令牌 {issued.token.prefix}… 已吊销" in response.content.decode()
    first = ApiToken.objects.get(pk=issued.token.pk).revoked_at
    assert first is not None and api_token_user(secret=issued.secret) is None
    # Again: nothing changes, no second audit event, the page says when it was revoked.
    assert client.post(_revoke_url(issued.token)).status_code == 302
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at == first
    assert AuditEvent.objects.filter(object_type="api_token", action=AuditEvent.Action.UPDATE).count() == 1
    assert "确认吊销" not in client.get(_revoke_url(issued.token)).content.decode()


@pytest.mark.parametrize("persona", ["grid_worker_b", "hq", "admin", "outsider"])
def test_nobody_sees_or_revokes_another_users_token(world, persona):
    issued = api_token_create(actor=None, user=world.grid_worker_a, name="网格员手机")
    client = _client(getattr(world, persona))
    assert client.get(_revoke_url(issued.token)).status_code == 404
    assert client.post(_revoke_url(issued.token)).status_code == 404
    assert "网格员手机" not in client.get(LIST).content.decode()
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is None
    assert api_token_user(secret=issued.secret) == world.grid_worker_a


def test_revoking_needs_the_csrf_token(world):
    issued = api_token_create(actor=None, user=world.grid_worker_a, name="网格员手机")
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.grid_worker_a)
    assert client.post(_revoke_url(issued.token)).status_code == 403
    assert client.post(LIST, {"name": "x", "days": "30"}).status_code == 403
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is None
    assert ApiToken.objects.count() == 1


def test_anonymous_is_sent_to_log_in(world):
    response = Client().post(LIST, {"name": "x", "days": "30"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not ApiToken.objects.exists()


def test_the_account_menu_links_the_page(world):
    body = _client(world.village_leader).get(reverse("password_change")).content.decode()
    assert f'href="{LIST}"' in body and "我的 API 令牌" in body
