"""Log-in lockout per account and per client address, its messages, and the unlock after the period.

tests/core/test_login.py covers one account locked (even for the right password) and unlocked after the
window. Here: the lock is the account's, not the caller's (another address is refused too, other
accounts are not); guessing across many accounts from one address locks that address (not others);
the exact messages; the unlock of both after EPIGRID_LOGIN_LOCKOUT_MINUTES, to the minute.
"""

from __future__ import annotations

import time_machine
from django.test import Client, override_settings

from epigrid.core.forms import ADDRESS_LOCKED_MESSAGE, LOCKED_MESSAGE
from epigrid.core.models import AuditEvent, LoginFailure
from epigrid.core.services import ADDRESS_FACTOR

T0 = "2026-02-01 08:00 +0800"


def _login(address: str, username: str, password: str):
    client = Client(REMOTE_ADDR=address)
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return response, client


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@override_settings(EPIGRID_LOGIN_MAX_FAILURES=3, EPIGRID_LOGIN_LOCKOUT_MINUTES=15)
def test_a_locked_account_is_locked_from_every_address_and_only_that_account(world):
    with time_machine.travel(T0, tick=False):
        for _ in range(3):
            _login("10.6.0.1", "grid_a", "wrong")
        response, client = _login("10.6.0.2", "grid_a", "pw-grid_a")
        assert str(LOCKED_MESSAGE) in response.content.decode()
        assert not _logged_in(client)
        _response, other = _login("10.6.0.1", "grid_b", "pw-grid_b")
        assert _logged_in(other)
    assert LOCKED_MESSAGE == "登录失败次数过多，账号已暂时锁定，请稍后再试或联系管理员。"


@override_settings(EPIGRID_LOGIN_MAX_FAILURES=3, EPIGRID_LOGIN_LOCKOUT_MINUTES=15)
def test_guessing_many_accounts_from_one_address_locks_the_address(world):
    limit = 3 * ADDRESS_FACTOR
    with time_machine.travel(T0, tick=False):
        for i in range(limit - 1):
            response, _client = _login("10.6.1.1", f"guess{i}", "wrong")
            assert "用户名或密码错误。" in response.content.decode()
        response, _client = _login("10.6.1.1", "guess-last", "wrong")
        assert str(ADDRESS_LOCKED_MESSAGE) in response.content.decode()
        # a right password from that address is refused without being checked …
        response, client = _login("10.6.1.1", "grid_a", "pw-grid_a")
        assert str(ADDRESS_LOCKED_MESSAGE) in response.content.decode()
        assert not _logged_in(client)
        assert not LoginFailure.objects.filter(username="grid_a").exists()  # … and counts against no one
        # … while the same account from another address logs in
        _response, elsewhere = _login("10.6.1.2", "grid_a", "pw-grid_a")
        assert _logged_in(elsewhere)
    assert LoginFailure.objects.filter(ip="10.6.1.1").count() == limit
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOCKED, username="guess-last").exists()
    assert ADDRESS_LOCKED_MESSAGE == "此网络地址登录失败次数过多，已暂停登录，请稍后再试或联系管理员。"


@override_settings(EPIGRID_LOGIN_MAX_FAILURES=3, EPIGRID_LOGIN_LOCKOUT_MINUTES=15)
def test_both_locks_open_after_the_period_not_before(world):
    with time_machine.travel(T0, tick=False):
        for i in range(3 * ADDRESS_FACTOR):
            _login("10.6.2.1", "grid_a" if i < 3 else f"guess{i}", "wrong")
    with time_machine.travel("2026-02-01 08:14 +0800", tick=False):
        response, client = _login("10.6.2.2", "grid_a", "pw-grid_a")
        assert str(LOCKED_MESSAGE) in response.content.decode() and not _logged_in(client)
        response, client = _login("10.6.2.1", "grid_b", "pw-grid_b")
        assert str(ADDRESS_LOCKED_MESSAGE) in response.content.decode() and not _logged_in(client)
    with time_machine.travel("2026-02-01 08:15:01 +0800", tick=False):
        _response, client = _login("10.6.2.1", "grid_a", "pw-grid_a")
        assert _logged_in(client)
        _response, client = _login("10.6.2.1", "grid_b", "pw-grid_b")
        assert _logged_in(client)
