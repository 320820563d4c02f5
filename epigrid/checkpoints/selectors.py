"""Reads of the checkpoints app, scoped to the caller: checkpoints, passages, daily figures, handovers.

Figures are counts and carry no personal data; passage lists show identifiers masked as the role
says (``Capabilities.identifiers``) and are audited as a listing of the people shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404, HttpRequest

from epigrid.checkpoints.models import (
    Checkpoint,
    Disposition,
    Handover,
    HubObservation,
    Passage,
    PassagePerson,
)
from epigrid.core.audit import audit_log
from epigrid.core.models import AuditEvent, User
from epigrid.lib.masking import mask_name
from epigrid.people.models import Person
from epigrid.regions.models import LEVEL_FIELD, Level, Region
from epigrid.regions.scope import scope_for, subtree_q

# The daily figures of a checkpoint or region (seed report 1: vehicles and people registered at the
# village entrances, persuaded to leave; DOMAIN.md checkpoint log: 处置).
# ``observation``: travellers put in a transport hub's observation room (留观); those sent on from the
# room to a fever clinic count in ``fever_clinic`` on the day they were registered.
FIGURE_KEYS = ("vehicles", "people", "turned_back", "handed_over", "fever_clinic", "fever", "observation")
_BY_DISPOSITION = {
    Disposition.TURNED_BACK: "turned_back",
    Disposition.HANDED_OVER: "handed_over",
    Disposition.FEVER_CLINIC: "fever_clinic",
    Disposition.OBSERVATION: "observation",
}


def checkpoints_for_user(*, user: User, region: Region | None = None) -> QuerySet[Checkpoint]:
    """Checkpoints standing in the user's subtrees (and in ``region``'s, when given)."""
    scope = scope_for(user)
    rows = Checkpoint.objects.filter(scope.regions_q_for("region__")).select_related("region")
    if region is not None:
        rows = rows.filter(subtree_q(region.path, field="region__path"))
    return rows.order_by("-active", "region__path", "name")


def checkpoint_get_for_user(*, user: User, checkpoint_id: int) -> Checkpoint:
    """The checkpoint, when it stands in the user's scope; 404 otherwise (ids cannot be probed)."""
    found = checkpoints_for_user(user=user).filter(pk=checkpoint_id).first()
    if found is None:
        raise Http404
    return found


def _empty() -> dict[str, int]:
    return dict.fromkeys(FIGURE_KEYS, 0)


def passage_figures(
    column: str, ids: Sequence[int], *, start: dt.datetime, end: dt.datetime
) -> dict[int, dict[str, int]]:
    """Count the passages checked in (start, end] per value of ``column`` (a chain column of the
    checkpoint's region — ``town_id`` … — or ``checkpoint_id``): vehicles, people, and the people
    turned back, handed over, sent to a fever clinic (directly, or from a hub's observation room), put in
    an observation room, with fever. Two grouped queries."""
    out: dict[int, dict[str, int]] = {pk: _empty() for pk in ids}
    if not ids:
        return out
    passages = Passage.objects.filter(
        **{f"{column}__in": list(ids)}, checked_at__gt=start, checked_at__lte=end
    )
    for unit, vehicles, people, fever in (
        passages.values_list(column)
        .annotate(
            vehicles=Count("id", filter=~Q(vehicle_type=Passage.VehicleType.ON_FOOT)),
            n_people=Sum("people_count"),
            n_fever=Sum("fever_count"),
        )
        .order_by()
    ):
        if unit in out:
            out[unit]["vehicles"] += vehicles
            out[unit]["people"] += people or 0
            out[unit]["fever"] += fever or 0
    persons = PassagePerson.objects.filter(
        **{f"passage__{column}__in": list(ids)},
        passage__checked_at__gt=start,
        passage__checked_at__lte=end,
        disposition__in=list(_BY_DISPOSITION),
    )
    to_clinic = Count("id", filter=Q(observation__outcome=HubObservation.Outcome.CLINIC))
    for unit, disposition, n, from_room in (
        persons.values_list(f"passage__{column}", "disposition")
        .annotate(n=Count("id"), from_room=to_clinic)
        .order_by()
    ):
        if unit in out:
            out[unit][_BY_DISPOSITION[Disposition(disposition)]] += n
            out[unit]["fever_clinic"] += from_room
    return out


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The local calendar day as the half-open range (start, end] of aware datetimes used above."""
    from django.utils import timezone

    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min)) - dt.timedelta(microseconds=1)
    return start, start + dt.timedelta(days=1)


def region_column(region: Region) -> str | None:
    """The passage column that selects a region's subtree; None below the village (a grid has no
    checkpoint column: its checkpoints count in its village)."""
    if region.level > Level.VILLAGE:
        return None
    return LEVEL_FIELD[region.level]


@dataclass(frozen=True)
class CheckpointDay:
    checkpoint: Checkpoint
    figures: dict[str, int]


def checkpoint_days(
    *, user: User, region: Region, day: dt.date
) -> tuple[list[CheckpointDay], dict[str, int]]:
    """The day's figures of every checkpoint in ``region``'s subtree (in scope), and their total."""
    checkpoints = list(checkpoints_for_user(user=user, region=region))
    start, end = day_bounds(day)
    figures = passage_figures("checkpoint_id", [c.pk for c in checkpoints], start=start, end=end)
    total = _empty()
    rows = []
    for checkpoint in checkpoints:
        values = figures.get(checkpoint.pk, _empty())
        for key in FIGURE_KEYS:
            total[key] += values[key]
        rows.append(CheckpointDay(checkpoint, values))
    return rows, total


def checkpoint_series(
    *, checkpoint: Checkpoint, days: Iterable[dt.date]
) -> list[tuple[dt.date, dict[str, int]]]:
    """One checkpoint's figures for each of ``days`` (its page shows the last week)."""
    out = []
    for day in days:
        start, end = day_bounds(day)
        out.append(
            (day, passage_figures("checkpoint_id", [checkpoint.pk], start=start, end=end)[checkpoint.pk])
        )
    return out


@dataclass(frozen=True)
class PassageLine:
    passage: Passage
    people: list[tuple[PassagePerson, str, str]]  # (row, id number as shown, phone as shown)


def passage_count(*, checkpoint: Checkpoint, day: dt.date) -> int:
    """How many passages a checkpoint registered on a day (a count: no personal data)."""
    return Passage.objects.filter(checkpoint=checkpoint, day=day).count()


@dataclass(frozen=True)
class Registered:
    person_id: int
    name_masked: str
    place: str  # town and village


def registered_by_id_number(
    *, user: User, checkpoint: Checkpoint, id_number: str, request: HttpRequest | None = None
) -> Registered | None:
    """Whether a (normalised) ID number belongs to someone registered in the checkpoint's district,
    answered as the checkpoint role may see it: the name masked, the town and village; logged."""
    person = (
        Person.objects.filter(
            district_id=checkpoint.district_id, id_number=id_number, merged_into__isnull=True
        )
        .select_related("village", "town")
        .order_by("id")
        .first()
    )
    if person is None:
        return None
    audit_log(
        actor=user,
        action=AuditEvent.Action.READ,
        object_type="checkpoint_lookup",
        object_id=person.pk,
        region_path=checkpoint.region.path,
        detail={"by": "id_number"},
        request=request,
    )
    place = " ".join(r.name for r in (person.town, person.village) if r is not None)
    return Registered(person.pk, mask_name(person.name), place)


def passages_for_checkpoint(
    *, user: User, checkpoint: Checkpoint, day: dt.date, request: HttpRequest | None = None, limit: int = 200
) -> list[PassageLine]:
    """The day's passages at a checkpoint, newest first, identifiers masked per role; audited."""
    passages = list(
        Passage.objects.filter(checkpoint=checkpoint, day=day)
        .select_related("destination_region", "checked_by")
        .prefetch_related("people")
        .order_by("-checked_at", "-id")[:limit]
    )
    caps = user.caps
    lines = []
    person_ids: list[int] = []
    for passage in passages:
        people = []
        for row in passage.people.all():
            id_number, phone = caps.identifiers(row.id_number, row.phone)
            people.append((row, id_number, phone))
            if row.person_id:
                person_ids.append(row.person_id)
        lines.append(PassageLine(passage, people))
    if passages:
        audit_log(
            actor=user,
            action=AuditEvent.Action.READ,
            object_type="passage_list",
            object_id=checkpoint.pk,
            region_path=checkpoint.region.path,
            detail={"day": day.isoformat(), "passages": len(passages), "persons": person_ids},
            request=request,
        )
    return lines


def handovers_q(user: User) -> Q:
    """Handovers a user should act on: a grid worker's grid and the village-level handovers of their
    village (the checkpoint knew the village, not the grid); a village's, town's or district's all."""
    parts = Q(pk__in=[])
    for root in scope_for(user).roots:
        if root.level >= Level.GRID:
            grid_id = root.depth_ids[Level.GRID - 1]
            village_id = root.depth_ids[Level.VILLAGE - 1]
            parts |= Q(grid_id=grid_id) | Q(village_id=village_id, grid_id__isnull=True)
        else:
            parts |= Q(**{LEVEL_FIELD[root.level]: root.pk})
    return parts


def handovers_for_user(*, user: User, status: str = Handover.Status.OPEN) -> QuerySet[Handover]:
    rows = Handover.objects.filter(handovers_q(user)).select_related(
        "person", "region", "passage_person__passage__checkpoint"
    )
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-id")


def handover_get_for_user(*, user: User, handover_id: int) -> Handover:
    found = handovers_for_user(user=user, status="").filter(pk=handover_id).first()
    if found is None:
        raise Http404
    return found


def open_handover_count(user: User) -> int:
    return Handover.objects.filter(handovers_q(user), status=Handover.Status.OPEN).count()


# --- transport hubs: the observation room ------------------------------------------------------------


@dataclass(frozen=True)
class RoomStay:
    stay: HubObservation
    id_number: str  # as the role may see it
    phone: str
    overdue: bool  # in the room longer than ``observation.LONG_STAY`` (derived now, no timer)


@dataclass(frozen=True)
class Room:
    places: int
    present: list[RoomStay]  # in the room now, longest first
    ended: list[RoomStay]  # stays ended on ``day``, latest first

    @property
    def free(self) -> int:
        return max(self.places - len(self.present), 0)

    @property
    def full(self) -> bool:
        return len(self.present) >= self.places


def observation_room(
    *, user: User, checkpoint: Checkpoint, day: dt.date, request: HttpRequest | None = None
) -> Room:
    """Who is in the hub's observation room now and who left it on ``day``; masked, audited."""
    from epigrid.checkpoints.observation import LONG_STAY
    from epigrid.core.clock import now

    start, end = day_bounds(day)
    stays = list(
        HubObservation.objects.filter(checkpoint=checkpoint)
        .filter(Q(outcome="") | Q(ended_at__gt=start, ended_at__lte=end))
        .select_related("passage_person__passage", "ended_by")
        .order_by("started_at", "id")
    )
    current = now()
    caps = user.caps
    present: list[RoomStay] = []
    ended: list[RoomStay] = []
    for stay in stays:
        row = stay.passage_person
        shown = RoomStay(
            stay, *caps.identifiers(row.id_number, row.phone), current - stay.started_at > LONG_STAY
        )
        (present if stay.is_open else ended).append(shown)
    ended.sort(key=lambda s: s.stay.ended_at or current, reverse=True)
    if stays:
        audit_log(
            actor=user,
            action=AuditEvent.Action.READ,
            object_type="observation_room",
            object_id=checkpoint.pk,
            region_path=checkpoint.region.path,
            detail={"day": day.isoformat(), "stays": [s.pk for s in stays]},
            request=request,
        )
    return Room(checkpoint.observation_places, present, ended)


def stay_get_for_user(*, user: User, checkpoint_id: int, stay_id: int) -> HubObservation:
    """A stay in the observation room of a checkpoint in the user's scope; 404 otherwise."""
    checkpoint = checkpoint_get_for_user(user=user, checkpoint_id=checkpoint_id)
    found = (
        HubObservation.objects.filter(checkpoint=checkpoint, pk=stay_id)
        .select_related("checkpoint__region", "passage_person__passage")
        .first()
    )
    if found is None:
        raise Http404
    return found
