"""Writes of sealed compounds (封闭管理小区/村): register a closure with its guard posts, record reopening.

A compound is sealed and reopened by a village leader, a town officer or HQ inside their scope: closing a
compound is the community's decision, grid workers staff its posts (``may_seal``). Refusals as for
entries (``services.MeasureInvalid`` naming each field, ``Http404`` outside the scope, ``PermissionDenied``
for another role); the same ``idempotency_key`` twice registers one closure; a reopening is recorded on
the row, which stays. "Sealed now" is never stored: ``models.sealed_on_q`` derives it from the dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from epigrid.core.audit import audit_log
from epigrid.core.clock import now
from epigrid.core.models import AuditEvent, User
from epigrid.core.roles import Role
from epigrid.measurelog.models import SealedCompound
from epigrid.measurelog.services import (
    DAY_FUTURE,
    KEY_MAX,
    KEY_REUSED,
    NOTE_MAX,
    MeasureInvalid,
    chain_of,
    parse_whole,
    refuse_outside,
)
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import scope_for

SEALING_ROLES = frozenset({Role.DISTRICT_HQ, Role.TOWN_OFFICER, Role.VILLAGE_LEADER})
SEAL_LEVELS = frozenset({Level.VILLAGE, Level.GRID})
SEAL_BACKDATE_DAYS = 366
GUARD_POSTS_MAX = 200
NAME_MAX = 100

SEAL_REGION = _("封闭管理按村（社区）或网格登记。")
SEAL_REGION_MISSING = _("请选择所在村（社区）或网格。")
NAME_MISSING = _("请填写小区或村的名称。")
NAME_TOO_LONG = _("名称不能超过100字。")
SEAL_KIND_UNKNOWN = _("请选择封闭类型。")
SEAL_TOO_OLD = _("只能登记一年内的封闭管理。")
ALREADY_SEALED = _("这个小区（村）已在封闭管理中。")
GUARD_POSTS_INVALID = _("卡点/值守点数须为0到200的整数。")
ARRANGEMENTS_TOO_LONG = _("值守和巡逻安排不能超过200字。")
REOPEN_BEFORE_SEALED = _("解除日期不能早于封闭日期。")
ALREADY_REOPENED = _("已于%(day)s解除封闭管理。")


@dataclass(frozen=True)
class Sealed:
    compound: SealedCompound
    created: bool  # False: the same submission was already saved


def may_seal(user: User, region: Region) -> bool:
    """Tell whether ``user`` may seal or reopen compounds in ``region``."""
    return (
        user.role in SEALING_ROLES
        and user.caps.can_write
        and region.level in SEAL_LEVELS
        and scope_for(user).contains(region)
    )


def sealed_compound_add(
    *,
    actor: User,
    region: Region,
    name: str,
    sealed_on: dt.date,
    guard_posts: object = 0,
    kind: str = SealedCompound.Kind.COMPOUND,
    arrangements: str = "",
    idempotency_key: str = "",
    moment: dt.datetime | None = None,
) -> Sealed:
    """Register a compound (or a whole village) under closed management from ``sealed_on``."""
    refuse_outside(actor, region)
    if actor.role not in SEALING_ROLES or not actor.caps.can_write:
        raise PermissionDenied
    moment = moment or now()
    key = idempotency_key.strip()[:KEY_MAX]
    name = " ".join(name.split())
    if key:
        previous = SealedCompound.objects.filter(created_by=actor, idempotency_key=key).first()
        if previous is not None:
            if (previous.region_id, previous.name) != (region.pk, name):
                raise MeasureInvalid({"idempotency_key": KEY_REUSED})
            return Sealed(previous, created=False)
    errors: dict[str, StrOrPromise] = {}
    if region.level not in SEAL_LEVELS:
        errors["region"] = SEAL_REGION
    if not name:
        errors["name"] = NAME_MISSING
    elif len(name) > NAME_MAX:
        errors["name"] = NAME_TOO_LONG
    elif SealedCompound.objects.filter(region=region, name=name, reopened_on__isnull=True).exists():
        errors["name"] = ALREADY_SEALED
    if kind not in SealedCompound.Kind.values:
        errors["kind"] = SEAL_KIND_UNKNOWN
    today = timezone.localdate(moment)
    if sealed_on > today:
        errors["sealed_on"] = DAY_FUTURE
    elif sealed_on < today - dt.timedelta(days=SEAL_BACKDATE_DAYS):
        errors["sealed_on"] = SEAL_TOO_OLD
    posts = parse_whole(guard_posts if str(guard_posts).strip() else 0)
    if posts is None or not 0 <= posts <= GUARD_POSTS_MAX:
        errors["guard_posts"] = GUARD_POSTS_INVALID
    arrangements = arrangements.strip()
    if len(arrangements) > NOTE_MAX:
        errors["arrangements"] = ARRANGEMENTS_TOO_LONG
    if errors:
        raise MeasureInvalid(errors)
    chain = chain_of(region)
    try:
        with transaction.atomic():
            compound = SealedCompound.objects.create(
                region=region,
                **chain,
                name=name,
                kind=kind,
                sealed_on=sealed_on,
                guard_posts=posts or 0,
                arrangements=arrangements,
                created_by=actor,
                idempotency_key=key,
            )
            _audit_compound(actor, AuditEvent.Action.CREATE, compound, {"guard_posts": compound.guard_posts})
    except IntegrityError:
        # Written a moment ago by another request: ours (the same key resent) or someone else's closure.
        previous = (
            SealedCompound.objects.filter(created_by=actor, idempotency_key=key).first() if key else None
        )
        if previous is not None:
            return Sealed(previous, created=False)
        raise MeasureInvalid({"name": ALREADY_SEALED}) from None
    return Sealed(compound, created=True)


def sealed_compound_reopen(
    *,
    actor: User,
    compound: SealedCompound,
    reopened_on: dt.date | None = None,
    moment: dt.datetime | None = None,
) -> SealedCompound:
    """Record that a sealed compound reopened on ``reopened_on`` (default today); the row stays."""
    refuse_outside(actor, compound.region)
    if not may_seal(actor, compound.region):
        raise PermissionDenied
    moment = moment or now()
    day = reopened_on or timezone.localdate(moment)
    with transaction.atomic():
        row = SealedCompound.objects.select_for_update().get(pk=compound.pk)
        if row.reopened_on is not None:
            if row.reopened_on == day:
                return row
            raise MeasureInvalid({"reopened_on": ALREADY_REOPENED % {"day": row.reopened_on.isoformat()}})
        if day > timezone.localdate(moment):
            raise MeasureInvalid({"reopened_on": DAY_FUTURE})
        if day < row.sealed_on:
            raise MeasureInvalid({"reopened_on": REOPEN_BEFORE_SEALED})
        row.reopened_on = day
        row.reopened_by = actor
        row.save(update_fields=["reopened_on", "reopened_by", "updated_at"])
        row.region = compound.region
        _audit_compound(actor, AuditEvent.Action.UPDATE, row, {"reopened_on": day.isoformat()})
    return row


def _audit_compound(actor: User, action: str, compound: SealedCompound, extra: dict[str, object]) -> None:
    audit_log(
        actor=actor,
        action=action,
        object_type="sealed_compound",
        object_id=compound.pk,
        region_path=compound.region.path,
        detail={"sealed_on": compound.sealed_on.isoformat(), **extra},
    )
