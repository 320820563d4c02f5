"""Observation episodes: start (one person, a household, from a screening or a list row), extend, end.

The planned end is the last exposure (a returnee's arrival) plus the observation days of the protocol
version in force when the episode starts; the episode keeps that version, so a later protocol change
never rewrites it. A new exposure moves the planned end later, never earlier. Release happens when
the period is over and needs a village leader's, town officer's or HQ's sign-off; a conversion (fever
clinic, suspected, transferred) closes the episode with its reason. A person has at most one open
episode. Every write is audited with ids and field names only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from epigrid.core.audit import audit_log
from epigrid.core.clock import local_today, now
from epigrid.core.models import AuditEvent, User
from epigrid.core.roles import Role
from epigrid.lists.models import ListRow
from epigrid.monitoring.models import Episode, Room
from epigrid.monitoring.policy import current_policy
from epigrid.people.models import Person, ScreeningEntry, TravelRecord
from epigrid.regions.models import Household, Region
from epigrid.regions.scope import scope_for

CHAIN = ("district_id", "town_id", "village_id", "grid_id")
# Ending an observation is the village's or the town's decision (seed report 1), or HQ's.
SIGN_OFF_ROLES = frozenset({Role.VILLAGE_LEADER, Role.TOWN_OFFICER, Role.DISTRICT_HQ})
CONVERT_REASONS = (
    Episode.EndReason.FEVER_CLINIC,
    Episode.EndReason.SUSPECTED,
    Episode.EndReason.TRANSFERRED,
    Episode.EndReason.OTHER,
)
SOURCE_SCREENING = "screening_entry"
SOURCE_LIST_ROW = "list_row"
BASIS_NOTE_MAX = 200


class EpisodeError(Exception):
    """An episode change that cannot be made; ``message`` says why (Chinese), without personal data."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def may_sign_off(user: User) -> bool:
    """Tell whether the user's role may sign a release off (not a grid worker, not a department)."""
    return user.role in SIGN_OFF_ROLES and user.caps.can_write


def _require_write(actor: User) -> None:
    if not actor.caps.can_write:
        raise PermissionDenied


def _region_path(row: Episode | Person | Household) -> str:
    """Return the path of the deepest region of a row's chain (for the audit event)."""
    for col in reversed(CHAIN):
        region_id = getattr(row, col)
        if region_id:
            path = Region.objects.filter(pk=region_id).values_list("path", flat=True).first()
            return path or ""
    return ""


def _open_exists(person: Person) -> bool:
    return Episode.objects.filter(person=person, status=Episode.Status.OPEN).exists()


def _chain_for(person: Person, kind: str, room: Room | None) -> dict[str, int | None]:
    """Return where the person is watched: their household's chain, or for a site its district too."""
    if kind == Episode.Kind.CENTRAL:
        if room is None:
            raise EpisodeError(_("集中医学观察须选择隔离点和房间。"))
        if room.site.district_id != person.district_id:
            raise EpisodeError(_("隔离点不在此人所在的区/县。"))
        _room_has_space(room)
        chain: dict[str, int | None] = {col: getattr(person, col) for col in CHAIN}
        chain["district_id"] = room.site.district_id
        chain["household_id"] = person.household_id
        return chain
    if room is not None:
        raise EpisodeError(_("只有集中医学观察需要房间。"))
    if person.household_id is None:
        raise EpisodeError(_("该人员尚未落户，不能居家观察；请先落户或安排集中医学观察。"))
    household = Household.objects.get(pk=person.household_id)
    return {**{col: getattr(household, col) for col in CHAIN}, "household_id": household.pk}


def _room_has_space(room: Room) -> None:
    """Refuse a room whose open episodes already reach its capacity (单人单间 unless it holds more).

    The room row is locked first, so two starts into the same last bed wait for each other
    (PostgreSQL); SQLite serializes writers anyway. Called inside the start's transaction.
    """
    capacity = Room.objects.select_for_update().values_list("capacity", flat=True).get(pk=room.pk)
    occupants = Episode.objects.filter(room_id=room.pk, status=Episode.Status.OPEN).count()
    if occupants >= capacity:
        raise EpisodeError(_("该房间已住满（可住%(n)s人）。") % {"n": capacity})


def _check_date(day: dt.date | None, today: dt.date) -> None:
    if day is not None and day > today:
        raise EpisodeError(_("暴露或返回日期不能晚于今天。"))


def episode_start(
    *,
    actor: User,
    person: Person,
    kind: str,
    basis: str,
    last_exposure: dt.date | None = None,
    arrival: dt.date | None = None,
    source_type: str = "",
    source_id: int | None = None,
    room: Room | None = None,
    basis_note: str = "",
    doctor: str = "",
) -> Episode:
    """Put one person under observation from today until last exposure (or arrival) + the policy's days.

    Refused (``EpisodeError``) for a merged record, someone outside the actor's scope, someone already
    under observation, a period that has already run out, or a home episode without a home.
    """
    _require_write(actor)
    if kind not in Episode.Kind.values:
        raise EpisodeError(_("未知的观察类型。"))
    if basis not in Episode.Basis.values:
        raise EpisodeError(_("未知的观察原因。"))
    basis_note = basis_note.strip()
    if len(basis_note) > BASIS_NOTE_MAX:
        raise EpisodeError(_("原因说明不能超过200字。"))
    today = local_today()
    _check_date(last_exposure, today)
    _check_date(arrival, today)
    try:
        with transaction.atomic():
            return _start(
                actor=actor,
                person=person,
                kind=kind,
                basis=basis,
                exposure=last_exposure or arrival,
                today=today,
                source_type=source_type,
                source_id=source_id,
                room=room,
                basis_note=basis_note,
                doctor=doctor.strip()[:50],
            )
    except IntegrityError:
        # Another open episode for the person was written between the check and the insert.
        if _open_exists(person):
            raise EpisodeError(_("该人员已在医学观察中，不能重复纳入。")) from None
        raise


def _start(
    *,
    actor: User,
    person: Person,
    kind: str,
    basis: str,
    exposure: dt.date | None,
    today: dt.date,
    source_type: str,
    source_id: int | None,
    room: Room | None,
    basis_note: str,
    doctor: str,
) -> Episode:
    # The lock serializes two starts for one person (PostgreSQL); SQLite serializes writers anyway.
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.merged_into_id:
        raise EpisodeError(_("该记录已合并到其他人员，请在保留的记录上操作。"))
    if not scope_for(actor).covers(person):
        raise EpisodeError(_("人员不在您的管辖范围内。"))
    if _open_exists(person):
        raise EpisodeError(_("该人员已在医学观察中，不能重复纳入。"))
    policy = current_policy()
    planned_end = (exposure or today) + dt.timedelta(days=policy.observation_days)
    if planned_end <= today:
        raise EpisodeError(_("自末次暴露或返回之日起已满观察期，无需纳入医学观察。"))
    chain = _chain_for(person, kind, room)
    episode = Episode.objects.create(
        person=person,
        **chain,
        kind=kind,
        basis=basis,
        basis_note=basis_note,
        room=room,
        policy=policy,
        started_on=today,
        last_exposure=exposure,
        planned_end=planned_end,
        source_type=source_type[:30],
        source_id=source_id,
        doctor=doctor,
        created_by=actor,
    )
    audit_log(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        object_type="episode",
        object_id=episode.pk,
        region_path=_region_path(episode),
        detail={
            "person": person.pk,
            "kind": kind,
            "basis": basis,
            "policy": policy.version,
            "source_type": source_type,
            "source_id": source_id,
            "room": room.pk if room else None,
        },
    )
    return episode


@dataclass(frozen=True)
class HouseholdEnrolment:
    """The episodes a household enrolment started, and the members already under observation."""

    started: list[Episode] = field(default_factory=list)
    already_open: list[Person] = field(default_factory=list)


@transaction.atomic
def episode_start_household(
    *,
    actor: User,
    household: Household,
    kind: str,
    basis: str,
    last_exposure: dt.date | None = None,
    arrival: dt.date | None = None,
    source_type: str = "",
    source_id: int | None = None,
    basis_note: str = "",
) -> HouseholdEnrolment:
    """Enrol every member of a household (a returnee's family); members already watched are skipped."""
    _require_write(actor)
    if not scope_for(actor).covers(household):
        raise EpisodeError(_("住户不在您的管辖范围内。"))
    if kind == Episode.Kind.CENTRAL:
        raise EpisodeError(_("集中医学观察须逐人安排房间。"))
    members = list(Person.objects.filter(household=household, merged_into__isnull=True).order_by("id"))
    watched = set(
        Episode.objects.filter(person__in=members, status=Episode.Status.OPEN).values_list(
            "person_id", flat=True
        )
    )
    result = HouseholdEnrolment()
    for person in members:
        if person.pk in watched:
            result.already_open.append(person)
            continue
        episode = episode_start(
            actor=actor,
            person=person,
            kind=kind,
            basis=basis,
            last_exposure=last_exposure,
            arrival=arrival,
            source_type=source_type,
            source_id=source_id,
            basis_note=basis_note,
        )
        result.started.append(episode)
    return result


def outbreak_journey(entry: ScreeningEntry) -> TravelRecord | None:
    """Return the entry's journey when it came from or through the outbreak area, else None."""
    travel = entry.travel
    if entry.returnee and travel is not None and travel.outbreak_related:
        return travel
    return None


def episode_from_screening_entry(
    *, actor: User, entry: ScreeningEntry, kind: str = Episode.Kind.HOME, room: Room | None = None
) -> Episode:
    """Start home (or central) observation of a returnee a visit found; last exposure = arrival."""
    travel = outbreak_journey(entry)
    if travel is None:
        raise EpisodeError(_("这条摸排记录不是来自或途经疫区的返乡人员。"))
    arrival = travel.arrived_on or timezone.localdate(entry.screening.visited_at)
    return episode_start(
        actor=actor,
        person=entry.person,
        kind=kind,
        basis=Episode.Basis.OUTBREAK_RETURN,
        arrival=arrival,
        source_type=SOURCE_SCREENING,
        source_id=entry.pk,
        room=room,
    )


def latest_outbreak_journey(person: Person) -> TravelRecord | None:
    """Return the person's latest journey from or through the outbreak area with an arrival date."""
    return (
        TravelRecord.objects.filter(
            Q(from_outbreak_area=True) | Q(via_outbreak_area=True), person=person, arrived_on__isnull=False
        )
        .order_by("-arrived_on", "-id")
        .first()
    )


def episode_from_list_row(
    *, actor: User, row: ListRow, kind: str = Episode.Kind.HOME, room: Room | None = None
) -> Episode:
    """Start observation of the person a department-list row was linked to, from their arrival."""
    if row.person_id is None:
        raise EpisodeError(_("这一行名单尚未对应到人员，请先完成核对。"))
    person = Person.objects.get(pk=row.person_id)
    if person.merged_into_id:
        # A merge repoints list rows to the kept record; a row still here was moved back since.
        raise EpisodeError(_("该记录已合并到其他人员，请在保留的记录上操作。"))
    travel = latest_outbreak_journey(person)
    if travel is None:
        raise EpisodeError(_("此人没有来自或途经疫区且有返回日期的行程记录。"))
    return episode_start(
        actor=actor,
        person=person,
        kind=kind,
        basis=Episode.Basis.OUTBREAK_RETURN,
        arrival=travel.arrived_on,
        source_type=SOURCE_LIST_ROW,
        source_id=row.pk,
        room=room,
    )


def _locked_open(actor: User, episode: Episode) -> Episode:
    """Lock the episode for a change: it must be open and inside the actor's scope."""
    _require_write(actor)
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    if not scope_for(actor).covers(episode):
        raise EpisodeError(_("该医学观察不在您的管辖范围内。"))
    if episode.status != Episode.Status.OPEN:
        raise EpisodeError(_("该医学观察已经结束。"))
    return episode


@transaction.atomic
def episode_extend(*, actor: User, episode: Episode, exposure_date: dt.date) -> Episode:
    """Record a new exposure: the planned end moves to it + the episode's own policy days, never earlier."""
    episode = _locked_open(actor, episode)
    today = local_today()
    _check_date(exposure_date, today)
    new_end = exposure_date + dt.timedelta(days=episode.policy.observation_days)
    if new_end <= episode.planned_end:
        raise EpisodeError(
            _("该暴露日期不会延长观察期，计划解除日期仍为 %(day)s。")
            % {"day": episode.planned_end.isoformat()}
        )
    previous = episode.planned_end
    episode.planned_end = new_end
    episode.last_exposure = exposure_date
    episode.save(update_fields=["planned_end", "last_exposure", "updated_at"])
    audit_log(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="episode",
        object_id=episode.pk,
        region_path=_region_path(episode),
        detail={"op": "extend", "person": episode.person_id, "days_added": (new_end - previous).days},
    )
    return episode


def _close(actor: User, episode: Episode, status: str, reason: str, op: str) -> Episode:
    episode.status = status
    episode.end_reason = reason
    episode.ended_by = actor
    episode.ended_at = now()
    episode.save(update_fields=["status", "end_reason", "ended_by", "ended_at", "updated_at"])
    audit_log(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="episode",
        object_id=episode.pk,
        region_path=_region_path(episode),
        detail={"op": op, "person": episode.person_id, "reason": reason},
    )
    return episode


@transaction.atomic
def episode_release(*, actor: User, episode: Episode) -> Episode:
    """End an episode whose period is over, signed off by a village leader, town officer or HQ."""
    _require_write(actor)
    if not may_sign_off(actor):
        raise EpisodeError(_("解除医学观察须由村/社区负责人、镇/街道干部或区指挥部签批。"))
    episode = _locked_open(actor, episode)
    if episode.planned_end > local_today():
        raise EpisodeError(
            _("观察期未满，计划解除日期为 %(day)s。") % {"day": episode.planned_end.isoformat()}
        )
    return _close(actor, episode, Episode.Status.RELEASED, Episode.EndReason.RELEASED, "release")


@transaction.atomic
def episode_convert(*, actor: User, episode: Episode, reason: str) -> Episode:
    """Close an episode early because the person was sent to a fever clinic, became suspected, moved…"""
    if reason not in CONVERT_REASONS:
        raise EpisodeError(_("请选择转归原因。"))
    episode = _locked_open(actor, episode)
    return _close(actor, episode, Episode.Status.CONVERTED, reason, "convert")


# For a service that has checked the actor's right to write itself (``triage``: a fever clinic records
# the observation its disposition implies, and has no ``can_write``): the same writes as
# ``episode_start`` and ``episode_convert`` make, inside the caller's transaction, without the role check.
episode_start_checked = _start
episode_close_checked = _close
