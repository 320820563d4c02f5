"""The protocol in force: which version applies now, and what its slots and deadlines mean on a day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from epigrid.core.clock import now
from epigrid.monitoring.models import Policy

FIRST_VERSION_NAME = "2020年第一版（居家医学观察14天，早晚两次测温）"
FIRST_VERSION_FROM = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


class NoPolicyError(Exception):
    """No protocol version is in force (the first one is created by migration 0002)."""


def current_policy(at: dt.datetime | None = None) -> Policy:
    """Return the version in force at ``at`` (default now): the latest whose start has passed."""
    in_force = Policy.objects.filter(effective_from__lte=at or now())
    policy = in_force.order_by("-effective_from", "-version").first()
    if policy is None and not Policy.objects.exists():
        # Migration 0002 writes version 1; a database emptied since (a flushed test database, a
        # restore of data without it) gets the same first version back rather than an error.
        policy, _ = Policy.objects.get_or_create(
            version=1, defaults={"name": FIRST_VERSION_NAME, "effective_from": FIRST_VERSION_FROM}
        )
    if policy is None:
        raise NoPolicyError("no observation policy is in force")
    return policy


@dataclass(frozen=True)
class Slot:
    key: str
    label: str
    deadline: dt.time  # local time after which a missing check is overdue


def slots(policy: Policy) -> list[Slot]:
    """Return the check-in slots of a day under ``policy``, in order."""
    return [
        Slot(str(s["key"]), str(s.get("label", s["key"])), dt.time.fromisoformat(str(s["deadline"])))
        for s in policy.slots
    ]


def slot_deadline(policy: Policy, day: dt.date, key: str) -> dt.datetime:
    """Return the aware local moment after which ``key`` of ``day`` is overdue."""
    for slot in slots(policy):
        if slot.key == key:
            return timezone.make_aware(dt.datetime.combine(day, slot.deadline))
    raise KeyError(key)


def slot_at(policy: Policy, moment: dt.datetime) -> str:
    """Return the slot a check taken at ``moment`` belongs to: the first whose deadline has not passed.

    A check after the last deadline belongs to the last slot (a late evening reading).
    """
    local = timezone.localtime(moment).time()
    day_slots = slots(policy)
    for slot in day_slots:
        if local <= slot.deadline:
            return slot.key
    return day_slots[-1].key
