"""Log-in with lockout after repeated failures; every attempt is audited, no password is stored."""

from __future__ import annotations

import time_machine
from django.test import Client, override_settings
from django.urls import reverse

from epigrid.core.forms import LOCKED_MESSAGE
from epigrid.core.models import AuditEvent, LoginFailure


def _login(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


@override_settings(EPIGRID_LOGIN_MAX_FAILURES=3, EPIGRID_LOGIN_LOCKOUT_MINUTES=15)
def test_account_locks_after_repeated_failures_even_for_the_right_password(world):
    client = Client()
    for _ in range(3):
        assert _login(client, "grid_a", "wrong").status_code == 200
    response = _login(client, "grid_a", "pw-grid_a")
    assert response.status_code == 200
    assert str(LOCKED_MESSAGE) in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOCKED, username="grid_a").exists()


@override_settings(EPIGRID_LOGIN_MAX_FAILURES=3, EPIGRID_LOGIN_LOCKOUT_MINUTES=15)
def test_lockout_expires_after_the_window(world):
    client = Client()
    with time_machine.travel("2026-02-01 08:00 +0800", tick=False):
        for _ in range(3):
            _login(client, "grid_a", "wrong")
    with time_machine.travel("2026-02-01 08:16 +0800", tick=False):
        response = _login(client, "grid_a", "pw-grid_a")
    assert response.status_code == 302
    assert not LoginFailure.objects.filter(username="grid_a").exists()


def test_successful_login_is_audited_and_redirects_home(world):
    client = Client()
    response = _login(client, "grid_a", "pw-grid_a")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN)
    assert event.user == world.grid_worker_a
    assert "pw-grid_a" not in str(event.detail)


def test_failed_login_names_no_reason_and_records_the_failure(world):
    client = Client()
    response = _login(client, "nobody", "whatever")
    assert "用户名或密码错误" in response.content.decode()
    assert LoginFailure.objects.filter(username="nobody").count() == 1


def test_home_redirects_a_single_region_user_to_that_region(world):
    client = Client()
    client.force_login(world.grid_worker_a)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("regions:detail", args=[world.grid_a.pk])


def test_user_changes_own_password(world):
    client = Client()
    client.force_login(world.grid_worker_a)
    url = reverse("password_change")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"old_password": "pw-grid_a", "new_password1": "Grid-A-2020-new", "new_password2": "Grid-A-2020-new"},
    )
    assert response.status_code == 302
    world.grid_worker_a.refresh_from_db()
    assert world.grid_worker_a.check_password("Grid-A-2020-new")
    assert AuditEvent.objects.filter(object_type="user", user=world.grid_worker_a, action="update").exists()


def test_wrong_old_password_changes_nothing(world):
    client = Client()
    client.force_login(world.grid_worker_a)
    response = client.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": "Grid-A-2020-new", "new_password2": "Grid-A-2020-new"},
    )
    assert response.status_code == 200
    world.grid_worker_a.refresh_from_db()
    assert world.grid_worker_a.check_password("pw-grid_a")
