"""Log-in bookkeeping: failures, lockout (derived from recent failures) and success."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction

from epigrid.core.audit import audit_log
from epigrid.core.clock import now
from epigrid.core.models import AuditEvent, LoginFailure, User

# One client address may fail this many times the per-account limit inside the window before every
# log-in from it waits: guessing across many accounts from one machine is stopped, while an office or a
# carrier's NAT (many people behind one address) can still mistype now and then.
ADDRESS_FACTOR = 4


def _since() -> dt.datetime:
    return now() - dt.timedelta(minutes=settings.EPIGRID_LOGIN_LOCKOUT_MINUTES)


def login_is_locked(*, username: str) -> bool:
    """Tell whether ``username`` has failed too often inside the lockout window."""
    recent = LoginFailure.objects.filter(username=username.lower(), at__gte=_since()).count()
    return recent >= settings.EPIGRID_LOGIN_MAX_FAILURES


def login_address_is_locked(*, ip: str | None) -> bool:
    """Tell whether the address ``ip`` has failed too often inside the lockout window, whatever the names."""
    if ip is None:
        return False
    recent = LoginFailure.objects.filter(ip=ip, at__gte=_since()).count()
    return recent >= settings.EPIGRID_LOGIN_MAX_FAILURES * ADDRESS_FACTOR


@transaction.atomic
def login_failure_record(*, username: str, ip: str | None) -> bool:
    """Record a failed log-in; return True when this failure locks the account or the address."""
    LoginFailure.objects.create(username=username.lower()[:150], ip=ip)
    locked = login_is_locked(username=username) or login_address_is_locked(ip=ip)
    audit_log(
        actor=None,
        username=username[:150],
        action=AuditEvent.Action.LOCKED if locked else AuditEvent.Action.LOGIN_FAILED,
    )
    return locked


def password_changed_record(*, user: User) -> None:
    """Log that a user changed their own password."""
    audit_log(
        actor=user,
        action=AuditEvent.Action.UPDATE,
        object_type="user",
        object_id=user.pk,
        detail={"fields": ["password"]},
    )


@transaction.atomic
def login_success_record(*, user: User, ip: str | None) -> None:
    """Clear the user's failures and log the log-in."""
    LoginFailure.objects.filter(username=user.get_username().lower()).delete()
    audit_log(actor=user, action=AuditEvent.Action.LOGIN, detail={"ip_known": ip is not None})
