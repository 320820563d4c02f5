"""A grid's roster, the "not reported" list and the alerts: read-time queries over stored facts.

Nothing here is stored or kept up by a timer. A slot is *not reported* when its deadline (the
episode's policy) has passed at the moment asked about and there is neither a current check nor an
acknowledgement of the miss; an *alert* is an abnormal current check (fever or a symptom) with no
acknowledgement, shown at once to the grid workers and village leaders of the place and to the town
officer and HQ once it has waited longer than the episode policy's ``escalate_minutes`` (counted from
when the check was entered: a late entry of a morning reading escalates from its entry, not from the
morning). Acknowledging (``alert_acknowledge``) is the one write, audited like every other.

Every list that shows people is audit-logged with the ids shown; identifiers are masked by role.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from epigrid.core.audit import audit_log
from epigrid.core.models import AuditEvent, User
from epigrid.core.roles import Role
from epigrid.monitoring.models import CURRENT_ABNORMAL, AlertAck, Episode, HealthCheck, Policy
from epigrid.monitoring.policy import Slot, slot_deadline, slots
from epigrid.people.selectors import PersonView, present
from epigrid.regions.models import LEVEL_FIELD, Level, Region
from epigrid.regions.scope import scope_for, subtree_q

# Roles that see an abnormal check as soon as it is entered, and roles that see it once escalated.
AT_ONCE_ROLES = frozenset({Role.GRID_WORKER, Role.VILLAGE_LEADER})
ESCALATED_ROLES = frozenset({Role.TOWN_OFFICER, Role.DISTRICT_HQ})
# Abnormal checks of the last three local days (today included) raise alerts: older readings of a
# person still under observation are on the timeline, and a fever left for days without anybody
# acknowledging it has long been on the town's list. The bound keeps the query on the (grid, day) index.
ALERT_DAYS = 3
# At most this many rows per list (and per slot on the "not reported" list); the count says the rest.
LIST_LIMIT = 200
# A missed slot stays on the "not reported" list this long after its deadline (unless dealt with).
WINDOW = dt.timedelta(hours=24)


class AckInvalid(Exception):
    """An acknowledgement that cannot be recorded; ``message`` says why (Chinese msgid)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _policies() -> dict[int, Policy]:
    """Every protocol version (a handful of rows), by id."""
    return {p.pk: p for p in Policy.objects.all()}


def _region_field(region: Region) -> tuple[str, int]:
    """Return the chain column and id selecting the episodes of ``region`` (a 片区: its grid)."""
    if region.level > Level.GRID:
        return LEVEL_FIELD[Level.GRID], region.depth_ids[Level.GRID - 1]
    return LEVEL_FIELD[region.level], region.pk


def _require_region(user: User, region: Region) -> None:
    if not scope_for(user).contains(region):
        raise Http404


def _log_list(
    *, user: User, request: HttpRequest | None, what: str, region: Region | None, persons: list[int],
    extra: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    audit_log(
        actor=user,
        action=AuditEvent.Action.READ,
        object_type=what,
        object_id=region.pk if region is not None else "",
        region_path=region.path if region is not None else "",
        detail={"persons": persons, **(extra or {})},
        request=request,
    )


# --- the roster ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterCell:
    """One slot of one person's day: the current check, if any."""

    episode: Episode
    slot: Slot
    day: dt.date
    check: HealthCheck | None
    overdue: bool  # the deadline has passed with no check

    @property
    def abnormal(self) -> bool:
        return self.check is not None and self.check.abnormal


@dataclass(frozen=True)
class RosterRow:
    episode: Episode
    view: PersonView
    cells: list[RosterCell]

    @property
    def day_number(self) -> int:
        """Which day of the observation this is (the first day is 1)."""
        return (self.cells[0].day - self.episode.started_on).days + 1 if self.cells else 0


def grid_for_roster(*, user: User, region_id: int) -> Region:
    """Return a grid in the user's scope (404 for a missing id, another region's id or a non-grid)."""
    region = Region.objects.filter(pk=region_id, level=Level.GRID).first()
    if region is None:
        raise Http404
    _require_region(user, region)
    return region


def roster_cell(*, episode: Episode, slot_key: str, day: dt.date, moment: dt.datetime) -> RosterCell:
    """Return one cell as it stands now (after a check was recorded through the roster)."""
    slot = next((s for s in slots(episode.policy) if s.key == slot_key), None)
    if slot is None:
        raise Http404
    check = HealthCheck.objects.filter(
        episode=episode, day=day, slot=slot_key, replaced_by__isnull=True
    ).first()
    overdue = check is None and slot_deadline(episode.policy, day, slot_key) < moment
    return RosterCell(episode=episode, slot=slot, day=day, check=check, overdue=overdue)


def roster(
    *, user: User, grid: Region, day: dt.date, moment: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> list[RosterRow]:  # fmt: skip
    """Return everyone with an open episode in ``grid`` and the current check of each slot of ``day``.

    Two queries whatever the grid's size: the open episodes (index episode (grid, status)) with their
    people, and the day's current checks of the grid (index check (grid, day)). The listing is logged.
    """
    _require_region(user, grid)
    moment = moment or timezone.now()
    policies = _policies()
    episodes = list(
        Episode.objects.filter(grid_id=grid.pk, status=Episode.Status.OPEN, started_on__lte=day)
        .select_related("person")
        .order_by("household_id", "person_id")
    )
    checks = {
        (c.episode_id, c.slot): c
        for c in HealthCheck.objects.filter(grid_id=grid.pk, day=day, replaced_by__isnull=True)
    }
    rows: list[RosterRow] = []
    for episode in episodes:
        episode.policy = policies[episode.policy_id]
        cells = []
        for slot in slots(episode.policy):
            check = checks.get((episode.pk, slot.key))
            deadline = slot_deadline(episode.policy, day, slot.key)
            cells.append(
                RosterCell(
                    episode=episode,
                    slot=slot,
                    day=day,
                    check=check,
                    overdue=check is None and deadline < moment,
                )
            )
        rows.append(RosterRow(episode=episode, view=present(person=episode.person, user=user), cells=cells))
    _log_list(
        user=user, request=request, what="roster", region=grid, persons=[r.episode.person_id for r in rows],
        extra={"day": day.isoformat()},
    )  # fmt: skip
    return rows


@dataclass(frozen=True)
class RosterProgress:
    """How many slots of a grid's day have a current check (``done``) out of how many there are."""

    done: int
    total: int


def roster_progress(*, user: User, grid: Region, day: dt.date) -> RosterProgress:
    """Count the roster's slots of ``day`` and those with a current check, as ``roster`` shows them.

    Ids only (nothing about a person is read, so nothing is logged): the open episodes of the grid
    by (grid, status) and the day's current checks by (grid, day), the roster's two indexes.
    """
    _require_region(user, grid)
    policies = _policies()
    keys = {pk: set(policy.slot_keys) for pk, policy in policies.items()}
    episodes = dict(
        Episode.objects.filter(grid_id=grid.pk, status=Episode.Status.OPEN, started_on__lte=day).values_list(
            "pk", "policy_id"
        )
    )
    checked = HealthCheck.objects.filter(grid_id=grid.pk, day=day, replaced_by__isnull=True).values_list(
        "episode_id", "slot"
    )
    done = sum(
        1 for episode_id, slot in checked if episode_id in episodes and slot in keys[episodes[episode_id]]
    )
    return RosterProgress(done=done, total=sum(len(keys[policy_id]) for policy_id in episodes.values()))


def episode_for_roster(*, user: User, grid: Region, episode_id: int) -> Episode:
    """Return an open episode of ``grid`` (in the user's scope) for recording a check; 404 otherwise."""
    _require_region(user, grid)
    episode = (
        Episode.objects.filter(pk=episode_id, grid_id=grid.pk, status=Episode.Status.OPEN)
        .select_related("person", "policy")
        .first()
    )
    if episode is None:
        raise Http404
    return episode


# --- not reported -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MissedRow:
    episode: Episode
    view: PersonView
    deadline: dt.datetime


@dataclass
class MissedSlot:
    """The people who missed one slot of a day: the first ``LIST_LIMIT`` and how many in all.

    ``capped``: a town's or the district's list stopped at the limit; ``count`` is then a lower bound.
    """

    slot: Slot
    day: dt.date
    deadline: dt.datetime
    count: int = 0
    capped: bool = False
    rows: list[MissedRow] = field(default_factory=list)


def _missing_q(day: dt.date, slot_key: str) -> Q:
    """Episodes with no current check and no acknowledged miss for ``day`` and ``slot_key``."""
    checked = HealthCheck.objects.filter(
        episode_id=OuterRef("pk"), day=day, slot=slot_key, replaced_by__isnull=True
    )
    acked = AlertAck.objects.filter(
        episode_id=OuterRef("pk"), kind=AlertAck.Kind.MISSED, day=day, slot=slot_key
    )
    return ~Exists(checked) & ~Exists(acked)


def not_reported(
    *, user: User, region: Region, moment: dt.datetime, request: HttpRequest | None = None,
    limit: int = LIST_LIMIT,
) -> list[MissedSlot]:  # fmt: skip
    """Return, per slot whose deadline passed in the 24 hours before ``moment``, the open episodes in
    ``region`` with neither a current check nor an acknowledged miss for that day and slot.

    The window is rolling: at 21:00 it holds this morning's and this evening's slots, at 03:00 the
    night after, yesterday's two, so a miss stays on the list for a day unless someone deals with it.
    Each policy in use is asked separately (its deadlines differ); the query walks the episode index of
    the region's level (grid or village and status; town, status, started_on and id) and probes the
    current-check unique index and the acknowledgement index once per episode; for the district
    PostgreSQL merges the episodes in id order with that unique index. The listing is logged.
    """
    _require_region(user, region)
    today = timezone.localdate(moment)
    column, region_id = _region_field(region)
    base = Episode.objects.filter(**{column: region_id}, status=Episode.Status.OPEN)
    by_slot: dict[tuple[dt.date, str], MissedSlot] = {}
    policies = _policies()
    # Counting every miss of a town or the district means probing every open episode (100,000 in a
    # city: seconds on SQLite); above the village the list stops at ``limit`` and says there are more.
    exact = region.level >= Level.VILLAGE
    for policy in policies.values():
        # With one version in force the policy term is left out: SQLite would otherwise walk the
        # policy index in id order instead of the region's.
        of_policy = base.filter(policy_id=policy.pk) if len(policies) > 1 else base
        for day in (today - dt.timedelta(days=1), today):
            for slot in slots(policy):
                deadline = slot_deadline(policy, day, slot.key)
                if not moment - WINDOW < deadline < moment:
                    continue
                missed = of_policy.filter(started_on__lte=day).filter(_missing_q(day, slot.key))
                entry = by_slot.get((day, slot.key)) or MissedSlot(slot=slot, day=day, deadline=deadline)
                room = limit - len(entry.rows)
                if exact:
                    count = missed.count()
                    episodes = (
                        list(missed.select_related("person").order_by("pk")[: max(room, 0)]) if count else []
                    )
                else:
                    # Ids first, then the rows by key: the search reads only columns of the town's index
                    # (town, status, started_on, id), so PostgreSQL takes it index-only rather than walk
                    # the episode primary key filtering the town; the district is read in id order, merged
                    # with the current-check index. No ORDER BY (it would make PostgreSQL walk the primary
                    # key for a town too): the first ``limit`` found, shown in id order.
                    found = sorted(missed.order_by().values_list("pk", flat=True)[: max(room, 0) + 1])
                    if len(found) > room:
                        entry.capped = True
                        found = found[:room]
                    episodes = (
                        list(Episode.objects.filter(pk__in=found).select_related("person").order_by("pk"))
                        if found
                        else []
                    )
                    count = len(episodes)
                if not count and not entry.capped:
                    continue
                by_slot[(day, slot.key)] = entry
                entry.count += count
                for episode in episodes:
                    view = present(person=episode.person, user=user)
                    entry.rows.append(MissedRow(episode=episode, view=view, deadline=deadline))
    result = [by_slot[key] for key in sorted(by_slot, key=lambda k: by_slot[k].deadline, reverse=True)]
    _log_list(
        user=user, request=request, what="not_reported", region=region,
        persons=sorted({r.episode.person_id for group in result for r in group.rows}),
        extra={"at": moment.isoformat()},
    )  # fmt: skip
    return result


# --- alerts -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    check: HealthCheck
    episode: Episode
    view: PersonView
    escalated: bool  # unacknowledged for longer than the policy's escalate_minutes

    @property
    def raised_at(self) -> dt.datetime:
        return self.check.entered_at

    @property
    def slot_label(self) -> str:
        key = self.check.slot
        return next((s.label for s in slots(self.episode.policy) if s.key == key), key)


def _checks_in_scope_q(user: User) -> Q:
    """Checks in the user's subtrees, by the check's own grid column (so the (grid, day) index serves)."""
    parts: list[Q] = []
    for root in scope_for(user).roots:
        if root.level >= Level.GRID:
            parts.append(Q(grid_id=root.pk if root.level == Level.GRID else root.depth_ids[Level.GRID - 1]))
        else:
            grids = Region.objects.filter(subtree_q(root.path), level=Level.GRID).values("pk")
            parts.append(Q(grid_id__in=grids))
    if not parts:
        return Q(pk__in=[])
    combined = parts[0]
    for part in parts[1:]:
        combined |= part
    return combined


def _escalated_q(moment: dt.datetime, policies: dict[int, Policy]) -> Q:
    """Checks entered longer ago than their episode policy's escalate_minutes, before ``moment``."""
    combined = Q(pk__in=[])
    for policy in policies.values():
        cut = moment - dt.timedelta(minutes=policy.escalate_minutes)
        combined |= Q(episode__policy_id=policy.pk, entered_at__lt=cut)
    return combined


def open_alerts(user: User, moment: dt.datetime) -> QuerySet[HealthCheck]:
    """The abnormal current checks the user is to see at ``moment`` (no acknowledgement yet)."""
    role = user.role
    if role not in AT_ONCE_ROLES and role not in ESCALATED_ROLES:
        return HealthCheck.objects.none()
    day = timezone.localdate(moment)
    acked = AlertAck.objects.filter(health_check_id=OuterRef("pk"), kind=AlertAck.Kind.ABNORMAL)
    # CURRENT_ABNORMAL is the condition of the partial index check_abnormal_grid_day_idx: the (grid, day)
    # range reads the abnormal current checks only, about 1 % of the checks of those days.
    checks = (
        HealthCheck.objects.filter(_checks_in_scope_q(user))
        .filter(CURRENT_ABNORMAL, day__gte=day - dt.timedelta(days=ALERT_DAYS - 1), day__lte=day)
        .filter(entered_at__lte=moment, episode__status=Episode.Status.OPEN)
        .exclude(Exists(acked))
    )
    if role in ESCALATED_ROLES:
        checks = checks.filter(_escalated_q(moment, _policies()))
    return checks


def alerts_for_user(
    user: User, moment: dt.datetime, *, request: HttpRequest | None = None, limit: int = LIST_LIMIT
) -> tuple[int, list[Alert]]:
    """Return how many alerts the user has at ``moment`` and the newest ``limit`` of them (logged)."""
    # One pass over the candidate checks (the expensive part) for the count and the newest ids; the
    # rows shown are then read by primary key. Open alerts are few (an abnormal reading is rare and
    # closes when acknowledged), so their ids fit in memory even for a district.
    found = list(open_alerts(user, moment).order_by().values_list("entered_at", "pk"))
    count = len(found)
    newest = [pk for _at, pk in sorted(found, reverse=True)[:limit]]
    rows = HealthCheck.objects.filter(pk__in=newest).select_related("episode", "episode__person")
    policies = _policies()
    alerts: list[Alert] = []
    for check in sorted(rows, key=lambda c: (c.entered_at, c.pk), reverse=True):
        episode = check.episode
        policy = policies[episode.policy_id]
        episode.policy = policy
        escalated = check.entered_at < moment - dt.timedelta(minutes=policy.escalate_minutes)
        alerts.append(
            Alert(
                check=check,
                episode=episode,
                view=present(person=episode.person, user=user),
                escalated=escalated,
            )
        )
    _log_list(
        user=user, request=request, what="alerts", region=None,
        persons=sorted({a.episode.person_id for a in alerts}),
    )  # fmt: skip
    return count, alerts


# --- acknowledging ------------------------------------------------------------------------------------


def alert_acknowledge(
    *,
    actor: User,
    episode: Episode,
    kind: str,
    day: dt.date,
    slot: str,
    action: str,
    note: str = "",
    health_check: HealthCheck | None = None,
    request: HttpRequest | None = None,
) -> AlertAck:
    """Record what was done about an abnormal check or a missed slot; the alert closes with it.

    Refuses (``AckInvalid``) an unknown kind, action or slot, an abnormal acknowledgement without its
    check or with a check of another episode, slot or day, and "other" without a note.
    """
    if not actor.caps.can_write:
        raise PermissionDenied
    if not scope_for(actor).covers(episode):
        raise Http404
    if kind not in AlertAck.Kind.values:
        raise AckInvalid(_("预警类型无效"), "kind")
    if action not in AlertAck.Action.values:
        raise AckInvalid(_("请选择处置方式"), "action")
    note = note.strip()
    if len(note) > 200:
        raise AckInvalid(_("说明不能超过200字"), "note")
    if action == AlertAck.Action.OTHER and not note:
        raise AckInvalid(_("选择“其他”时请写明处置情况"), "note")
    if slot not in episode.policy.slot_keys:
        raise AckInvalid(_("时段无效"), "slot")
    if kind == AlertAck.Kind.ABNORMAL:
        if health_check is None:
            raise AckInvalid(_("请指明要处置的监测记录"), "health_check")
        if (health_check.episode_id, health_check.day, health_check.slot) != (episode.pk, day, slot):
            raise AckInvalid(_("监测记录与所选人员、日期或时段不符"), "health_check")
        if not health_check.abnormal:
            raise AckInvalid(_("这条监测记录没有异常，无需处置"), "health_check")
    elif health_check is not None:
        raise AckInvalid(_("未按时报告的处置不对应监测记录"), "health_check")
    with transaction.atomic():
        ack = AlertAck.objects.create(
            episode=episode,
            kind=kind,
            health_check=health_check,
            day=day,
            slot=slot,
            action=action,
            note=note,
            acknowledged_by=actor,
        )
        audit_log(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            object_type="alert_ack",
            object_id=ack.pk,
            detail={
                "episode": episode.pk,
                "person": episode.person_id,
                "kind": kind,
                "action": action,
                "day": day.isoformat(),
                "slot": slot,
                "health_check": health_check.pk if health_check is not None else None,
            },
            request=request,
        )
    return ack
