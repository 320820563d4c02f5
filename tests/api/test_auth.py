"""Authentication: session with CSRF on writes, personal tokens (revoked, unknown, disabled owner)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from epigrid.core.models import ApiToken
from epigrid.core.tokens import api_token_create, api_token_revoke, api_token_user
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
