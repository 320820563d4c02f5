"""Write audit events: every write, every opening of a personal record, every export."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from epigrid.core.bulk import insert_returning
from epigrid.core.models import AuditEvent, User


def client_ip(request: HttpRequest | None) -> str | None:
    """Return the peer address; behind a proxy the operator sets it up to pass REMOTE_ADDR through."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def valid_ip(address: str | None) -> str | None:
    """``address`` if it is an IP address (what the ``ip`` column takes), else None."""
    try:
        return str(ipaddress.ip_address(address or ""))
    except ValueError:
        return None


def audit_log(
    *,
    actor: User | None,
    action: str,
    object_type: str = "",
    object_id: str | int = "",
    region_path: str = "",
    detail: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    username: str = "",
) -> AuditEvent:
    """Record one audit event; ``detail`` must hold field names and counts, never personal values."""
    return AuditEvent.objects.create(
        user=actor if actor is not None and actor.pk else None,
        username=username or (actor.get_username() if actor is not None else ""),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        region_path=region_path,
        detail=detail or {},
        ip=client_ip(request),
    )


# What ``audit_insert`` writes (``at`` is set here: the ORM's auto_now_add is not involved).
_EVENT_FIELDS = (
    "at",
    "user_id",
    "username",
    "action",
    "object_type",
    "object_id",
    "region_path",
    "detail",
    "ip",
)


def audit_insert(events: list[AuditEvent]) -> None:
    """Write several prepared events in one statement (a hot path's batch); same rules as ``audit_log``."""
    stamp = timezone.now()
    for event in events:
        event.at = stamp
    insert_returning(events, _EVENT_FIELDS)
