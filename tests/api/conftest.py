"""API clients for the personas of the ``world`` fixture: by session (with CSRF) or by token."""

from __future__ import annotations

import pytest
from django.test import Client

from epigrid.core.models import AuditEvent, User
from epigrid.core.tokens import api_token_create

API = "/api/v1"


def session_client(user: User, *, enforce_csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf)
    client.force_login(user)
    return client


def token_client(user: User) -> Client:
    secret = api_token_create(actor=None, user=user, name="test").secret
    return Client(headers={"Authorization": f"Bearer {secret}"})


def api_events(object_type: str, action: str | None = None) -> list[AuditEvent]:
    events = AuditEvent.objects.filter(object_type=object_type).order_by("id")
    if action is not None:
        events = events.filter(action=action)
    return list(events)


@pytest.fixture
def as_user():
    """Return a session client for a user (CSRF not enforced: the CSRF tests enforce it)."""
    return session_client
