"""The protocol in force: which version applies now, and what its slots and deadlines mean on a day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from epigrid.core.clock import now
from epigrid.monitoring.models import Policy


class NoPolicyError(Exception):
    """No protocol version is in force (the first one is created by migration 0002)."""


def current_policy(at: dt.datetime | None = None) -> Policy:
    """Return the version in force at ``at`` (default now): the latest whose start has passed."""
    policy = (
        Policy.objects.filter(effective_from__lte=at or now()).order_by("-effective_from", "-version").first()
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
