"""/api/v1/tokens: a caller lists, issues (by session only) and revokes their own tokens."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from epigrid.core.models import ApiToken, AuditEvent
from epigrid.core.tokens import api_token_create, api_token_user
from tests.api.conftest import API, session_client

URL = f"{API}/tokens"


def _bearer(secret: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"})


def _create(client: Client, body: dict[str, object], **extra):
    return client.post(URL, data=json.dumps(body), content_type="application/json", **extra)


def test_the_list_holds_only_the_callers_tokens(world):
    own = api_token_create(actor=None, user=world.grid_worker_a, name="网格员手机", days=10)
    api_token_create(actor=None, user=world.grid_worker_b, name="乙网格脚本")
    response = _bearer(own.secret).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    (item,) = body["items"]
    assert item["id"] == own.token.pk and item["name"] == "网格员手机" and item["state"] == "active"
    assert item["prefix"] == own.token.prefix and item["revoked_at"] is None
    assert item["last_used_at"] is not None  # this very request used it
    expires = dt.datetime.fromisoformat(item["expires_at"])
    assert abs(expires - own.token.expires_at) < dt.timedelta(milliseconds=1)  # JSON carries milliseconds
    assert "secret" not in item and own.secret not in response.content.decode()
    assert "乙网格脚本" not in response.content.decode()


def test_a_session_issues_a_token_and_sees_the_secret_once(world):
    client = session_client(world.grid_worker_a)
    response = _create(client, {"name": "网格员手机", "days": 30})
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    token = ApiToken.objects.get(pk=body["id"])
    assert body["secret"].startswith(token.prefix) and token.user == world.grid_worker_a
    assert body["state"] == "active" and body["name"] == "网格员手机"
    assert abs(token.expires_at - token.created_at - dt.timedelta(days=30)) < dt.timedelta(seconds=5)
    assert api_token_user(secret=body["secret"]) == world.grid_worker_a
    assert body["secret"] not in client.get(URL).content.decode()
    event = AuditEvent.objects.get(object_type="api_token", action=AuditEvent.Action.CREATE)
    assert event.user == world.grid_worker_a and event.detail == {"user": world.grid_worker_a.pk, "days": 30}


def test_the_lifetime_defaults_to_90_days(world):
    response = _create(session_client(world.hq), {"name": "推送"})
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert abs(token.expires_at - token.created_at - dt.timedelta(days=90)) < dt.timedelta(seconds=5)


def test_a_token_cannot_issue_a_token(world):
    issued = api_token_create(actor=None, user=world.hq, name="推送")
    response = _create(_bearer(issued.secret), {"name": "successor", "days": 365})
    assert response.status_code == 403
    assert response.json() == {"detail": "不能用 API 令牌签发新令牌：请登录网页，在“我的 API 令牌”中签发"}
    assert ApiToken.objects.count() == 1


def test_a_session_needs_csrf_to_issue(world):
    response = _create(session_client(world.hq, enforce_csrf=True), {"name": "推送"})
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("days", [0, 366, -3])
def test_a_lifetime_out_of_range_is_422_naming_days(world, days):
    response = _create(session_client(world.hq), {"name": "推送", "days": days})
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "payload", "days"]]
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("name", ["", "   ", "\u200b\u200b"])
def test_a_blank_name_is_422_naming_name(world, name):
    response = _create(session_client(world.hq), {"name": name})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["body", "payload", "name"], "msg": "请填写令牌名称（用途）。", "type": "value_error"}
    ]
    assert not ApiToken.objects.exists()


def test_revoking_is_idempotent(world):
    issued = api_token_create(actor=None, user=world.grid_worker_a, name="网格员手机")
    client = session_client(world.grid_worker_a)
    first = client.post(f"{URL}/{issued.token.pk}/revoke")
    assert first.status_code == 200 and first.json()["state"] == "revoked"
    again = client.post(f"{URL}/{issued.token.pk}/revoke")
    assert again.status_code == 200 and again.json()["revoked_at"] == first.json()["revoked_at"]
    assert AuditEvent.objects.filter(object_type="api_token", action=AuditEvent.Action.UPDATE).count() == 1
    assert api_token_user(secret=issued.secret) is None


def test_a_token_may_revoke_itself_and_is_refused_from_then_on(world):
    issued = api_token_create(actor=None, user=world.grid_worker_a, name="泄露的")
    client = _bearer(issued.secret)
    assert client.post(f"{URL}/{issued.token.pk}/revoke").json()["state"] == "revoked"
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json()["detail"].startswith("API 令牌无效、已过期或已吊销")


@pytest.mark.parametrize("persona", ["grid_worker_b", "hq", "admin", "outsider"])
def test_another_users_token_is_404(world, persona):
    issued = api_token_create(actor=None, user=world.grid_worker_a, name="网格员手机")
    response = session_client(getattr(world, persona)).post(f"{URL}/{issued.token.pk}/revoke")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到"}
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is None
