"""Authentication: session with CSRF on writes, personal tokens (expired, revoked, forged, garbage,
disabled owner), and the command that issues them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from epigrid.core.models import ApiToken, AuditEvent
from epigrid.core.tokens import DEFAULT_DAYS, api_token_create, api_token_revoke, api_token_user
from tests.api.conftest import API, session_client, token_client


def test_anonymous_gets_401_json(world):
    response = Client().get(f"{API}/persons")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response["WWW-Authenticate"] == "Bearer"


def test_token_acts_as_its_owner_with_owner_scope(world):
    response = token_client(world.grid_worker_a).get(f"{API}/persons")
    assert response.status_code == 200
    names = {p["name"] for p in response.json()["items"]}
    assert names == {"张伟", "王芳", "曾强"}


def test_token_is_stored_hashed_and_marks_last_use(world):
    issued = api_token_create(actor=None, user=world.hq, name="教育局推送")
    token = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.secret.startswith("egt_") and issued.secret not in (token.key_hash, token.prefix)
    assert token.last_used_at is None
    client = Client(headers={"Authorization": f"Bearer {issued.secret}"})
    assert client.get(f"{API}/regions").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_revoked_token_is_refused(world):
    issued = api_token_create(actor=None, user=world.hq, name="x")
    api_token_revoke(actor=None, token=issued.token)
    client = Client(headers={"Authorization": f"Bearer {issued.secret}"})
    assert client.get(f"{API}/regions").status_code == 401


@pytest.mark.parametrize(
    "header", ["Bearer egt_not-a-token", "Bearer ", "Basic aGk6dGhlcmU=", "bearer", "Token abc"]
)
def test_unknown_or_malformed_token_is_401(world, header):
    assert Client(headers={"Authorization": header}).get(f"{API}/regions").status_code == 401


def test_token_of_a_disabled_user_is_refused(world):
    issued = api_token_create(actor=None, user=world.hq, name="x")
    world.hq.is_active = False
    world.hq.save(update_fields=["is_active"])
    assert api_token_user(secret=issued.secret) is None


def test_token_client_needs_no_csrf_for_writes(world):
    client = token_client(world.hq)
    response = client.post(f"{API}/lists/rows/{world.hq_review_row.pk}/new-person")
    assert response.status_code == 201


def test_session_write_without_csrf_token_is_403(world):
    client = session_client(world.hq, enforce_csrf=True)
    response = client.post(f"{API}/lists/rows/{world.hq_review_row.pk}/new-person")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    world.hq_review_row.refresh_from_db()
    assert world.hq_review_row.decision == "review"


def test_session_write_with_csrf_token_passes(world):
    client = session_client(world.hq, enforce_csrf=True)
    assert client.get(f"{API}/docs").status_code == 200  # sets the csrftoken cookie
    csrf = client.cookies["csrftoken"].value
    response = client.post(
        f"{API}/lists/rows/{world.hq_review_row.pk}/new-person", headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 201


def test_session_reads_need_no_csrf(world):
    assert session_client(world.hq, enforce_csrf=True).get(f"{API}/regions").status_code == 200


def test_command_creates_prints_once_lists_and_revokes(world):
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", "create", "--user", "hq", "--name", "教育局推送", stdout=out, stderr=err)
    secret = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert secret.startswith("egt_") and "created" in err.getvalue()
    assert Client(headers={"Authorization": f"Bearer {secret}"}).get(f"{API}/regions").status_code == 200

    listing = io.StringIO()
    call_command("api_token", "list", stdout=listing)
    assert "教育局推送" in listing.getvalue() and secret not in listing.getvalue()

    call_command("api_token", "revoke", str(token.pk), stdout=io.StringIO())
    assert Client(headers={"Authorization": f"Bearer {secret}"}).get(f"{API}/regions").status_code == 401


def test_cli_spells_the_command_with_a_hyphen(world, capsys):
    from epigrid.cli import main

    assert main(["api-token", "create", "--user", "hq", "--name", "x"]) == 0
    assert capsys.readouterr().out.strip().startswith("egt_")


# --- expiry, revocation and garbage: 401 with one message, nothing written --------------------------

REFUSED = "API 令牌无效、已过期或已吊销，请在 Authorization 头中提供有效的令牌（Bearer egt_…）"


def _new_person_write(world, client: Client):
    """A write that must not happen: register the review row's person."""
    return client.post(f"{API}/lists/rows/{world.hq_review_row.pk}/new-person")


def _assert_refused(world, response, secret: str = "") -> None:
    assert response.status_code == 401
    assert response.json() == {"detail": REFUSED}
    assert response["WWW-Authenticate"] == "Bearer"
    if secret:
        assert secret not in response.content.decode()
    world.hq_review_row.refresh_from_db()
    assert world.hq_review_row.decision == "review"


def test_a_token_expires_after_its_lifetime(world):
    issued = api_token_create(actor=None, user=world.hq, name="推送", days=1)
    client = Client(headers={"Authorization": f"Bearer {issued.secret}"})
    assert client.get(f"{API}/regions").status_code == 200
    with time_machine.travel(issued.token.expires_at + dt.timedelta(seconds=1)):
        _assert_refused(world, _new_person_write(world, client), issued.secret)
        assert api_token_user(secret=issued.secret) is None


def test_a_token_works_until_the_last_second(world):
    issued = api_token_create(actor=None, user=world.hq, name="推送", days=1)
    with time_machine.travel(issued.token.expires_at - dt.timedelta(seconds=1)):
        assert api_token_user(secret=issued.secret) == world.hq


def test_the_default_lifetime_is_90_days(world):
    before = timezone.now()
    token = api_token_create(actor=None, user=world.hq, name="推送").token
    assert DEFAULT_DAYS == 90
    assert before + dt.timedelta(days=90) <= token.expires_at <= timezone.now() + dt.timedelta(days=90)


def test_a_revoked_token_cannot_write(world):
    issued = api_token_create(actor=None, user=world.hq, name="推送")
    api_token_revoke(actor=None, token=issued.token)
    client = Client(headers={"Authorization": f"Bearer {issued.secret}"})
    _assert_refused(world, _new_person_write(world, client), issued.secret)


def test_a_token_from_before_expiry_existed_still_works(world):
    issued = api_token_create(actor=None, user=world.hq, name="旧令牌")
    ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=None)
    assert api_token_user(secret=issued.secret) == world.hq


@pytest.mark.parametrize(
    "secret",
    [
        "egt_" + "A" * 43,  # well-formed, never issued
        "egt_" + "A" * 100_000,  # absurd length
        "egt_令牌令牌令牌",  # not ASCII (as a WSGI server hands it over: latin-1 decoded)
        "egt_\x00\x01\x7f",
        "egt_" + "é" * 43,
        "x" * 8000,
    ],
    ids=["unknown", "huge", "cjk", "control", "latin1", "no-prefix"],
)
def test_a_forged_token_is_401_and_never_echoed(world, secret):
    issued = api_token_create(actor=None, user=world.hq, name="真令牌")
    assert api_token_user(secret=secret) is None
    wire = secret.encode("utf-8").decode("latin-1")
    client = Client(headers={"Authorization": f"Bearer {wire}"})
    _assert_refused(world, _new_person_write(world, client), secret[:60])
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at is None


def test_the_answer_without_credentials_says_to_log_in(world):
    response = Client().get(f"{API}/regions")
    assert response.json() == {"detail": "需要登录，或在 Authorization 头中提供有效的 API 令牌"}


def test_command_creates_with_a_lifetime_and_lists_the_expiry(world):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "api_token", "create", "--user", "hq", "--name", "推送", "--days", "7", stdout=out, stderr=err
    )
    token = ApiToken.objects.get()
    assert abs(token.expires_at - timezone.now() - dt.timedelta(days=7)) < dt.timedelta(minutes=1)
    expires = timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M")
    assert f"expires {expires}" in err.getvalue()
    listing = io.StringIO()
    call_command("api_token", "list", stdout=listing)
    assert f"active until {expires}" in listing.getvalue()
    with time_machine.travel(token.expires_at + dt.timedelta(minutes=1)):
        listing = io.StringIO()
        call_command("api_token", "list", stdout=listing)
        assert f"expired {expires}" in listing.getvalue()


@pytest.mark.parametrize("days", ["0", "366", "-5"])
def test_command_refuses_a_lifetime_out_of_range(world, days):
    with pytest.raises(CommandError, match="days: 有效期须为 1 到 365 天。"):
        call_command("api_token", "create", "--user", "hq", "--name", "推送", "--days", days)
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(object_type="api_token").exists()
