"""Reads of observation episodes, scoped through the episode's own region chain (like screenings).

"Due for release" is not stored: it is an open episode whose planned end has come, read on the day
asked. Opening an episode and listing episodes are audit-logged with the person ids shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest

from epigrid.core.audit import audit_log
from epigrid.core.clock import local_today
from epigrid.core.models import AuditEvent, User
from epigrid.lists.models import ListRow
from epigrid.lists.selectors import row_get_for_user
from epigrid.lists.services import list_year
from epigrid.lists.travel import LINKED, Journey, journey_of
from epigrid.monitoring.models import AlertAck, Episode, HealthCheck, Room
from epigrid.people.models import Person, ScreeningEntry
from epigrid.regions.models import LEVEL_FIELD, Level, Region
from epigrid.regions.scope import scope_for

EPISODES_PER_PAGE = 50
TIMELINE_LIMIT = 100
# The tabs of a region's list: open, due for release today, released, converted.
STATUS_OPEN = "open"
STATUS_DUE = "due"
STATUS_RELEASED = "released"
STATUS_CONVERTED = "converted"
STATUSES = (STATUS_OPEN, STATUS_DUE, STATUS_RELEASED, STATUS_CONVERTED)


def _region_q(*, user: User, region: Region) -> Q:
    if region.level > Level.GRID or not scope_for(user).contains(region):
        raise Http404
    return Q(**{LEVEL_FIELD[region.level]: region.pk})


def episodes_for_user(
    *, user: User, region: Region, status: str = STATUS_OPEN, day: dt.date | None = None
) -> QuerySet[Episode]:
    """Return a region's episodes in one state (404 for a region outside the user's scope).

    ``due``: open with the planned end on or before ``day`` (default today).
    """
    where = _region_q(user=user, region=region)
    if status == STATUS_DUE:
        where &= Q(status=Episode.Status.OPEN, planned_end__lte=day or local_today())
    elif status in (STATUS_OPEN, STATUS_RELEASED, STATUS_CONVERTED):
        where &= Q(status=status)
    else:
        raise ValueError(f"unknown episode status {status!r}")
    order = ["planned_end", "id"] if status in (STATUS_OPEN, STATUS_DUE) else ["-ended_at", "-id"]
    return (
        Episode.objects.filter(where, person__merged_into__isnull=True)
        .select_related("person", "grid", "room__site", "policy")
        .order_by(*order)
    )


def due_for_release(*, user: User, region: Region, day: dt.date | None = None) -> QuerySet[Episode]:
    """Return the region's open episodes whose planned end is on or before ``day`` (default today)."""
    return episodes_for_user(user=user, region=region, status=STATUS_DUE, day=day)


@dataclass(frozen=True)
class EpisodeCounts:
    open: int
    due: int
    released: int
    converted: int


def episode_counts(*, user: User, region: Region, day: dt.date | None = None) -> EpisodeCounts:
    """Return how many of the region's episodes each tab holds."""
    base = Episode.objects.filter(_region_q(user=user, region=region), person__merged_into__isnull=True)
    by_status = dict(base.order_by().values("status").annotate(n=Count("id")).values_list("status", "n"))
    due = base.filter(status=Episode.Status.OPEN, planned_end__lte=day or local_today()).count()
    return EpisodeCounts(
        open=by_status.get(Episode.Status.OPEN, 0),
        due=due,
        released=by_status.get(Episode.Status.RELEASED, 0),
        converted=by_status.get(Episode.Status.CONVERTED, 0),
    )


def episode_page(
    *,
    user: User,
    region: Region,
    status: str,
    page: str | int | None,
    request: HttpRequest | None = None,
) -> Page[Episode]:
    """Return one page of a region's episodes in a state, logging the people listed."""
    episodes = Paginator(episodes_for_user(user=user, region=region, status=status), EPISODES_PER_PAGE)
    current = episodes.get_page(page)
    audit_log(
        actor=user,
        action=AuditEvent.Action.READ,
        object_type="episode_list",
        object_id=region.pk,
        region_path=region.path,
        detail={"status": status, "persons": [e.person_id for e in current]},
        request=request,
    )
    return current


def episode_in_scope(*, user: User, episode_id: int) -> Episode:
    """Return an episode (any status) in the user's subtrees; 404 otherwise, as for a missing id.

    Not logged: for actions on the episode (a check, an acknowledgement, a print), which log themselves.
    """
    episode = (
        Episode.objects.filter(scope_for(user).rows_q(), pk=episode_id)
        .select_related(
            "person__household", "policy", "room__site", "grid", "village", "district", "ended_by"
        )
        .first()
    )
    if episode is None:
        raise Http404
    return episode


def episode_get_for_user(*, user: User, episode_id: int, request: HttpRequest | None = None) -> Episode:
    """Open one episode: 404 when missing or outside the user's scope; the opening is logged."""
    episode = episode_in_scope(user=user, episode_id=episode_id)
    audit_log(
        actor=user,
        action=AuditEvent.Action.READ,
        object_type="episode",
        object_id=episode.pk,
        region_path=(episode.grid or episode.district).path,
        detail={"person": episode.person_id},
        request=request,
    )
    return episode


def person_episodes(*, user: User, person_id: int) -> list[Episode]:
    """Return a person's episodes the user may see, newest first (for the person's page)."""
    return list(
        Episode.objects.filter(scope_for(user).rows_q(), person_id=person_id)
        .select_related("policy")
        .order_by("-started_on", "-id")[:20]
    )


@dataclass(frozen=True)
class TimelineItem:
    """One entry of an episode's timeline: a health check or what someone did about an alert."""

    at: dt.datetime
    check: HealthCheck | None = None
    ack: AlertAck | None = None


def episode_timeline(*, episode: Episode, limit: int = TIMELINE_LIMIT) -> list[TimelineItem]:
    """Return the episode's health checks and alert acknowledgements, newest first.

    The episode comes from ``episode_get_for_user``, which checked the scope and logged the opening.
    """
    checks = list(
        HealthCheck.objects.filter(episode=episode)
        .select_related("recorded_by")
        .order_by("-recorded_at", "-id")[:limit]
    )
    acks = list(
        AlertAck.objects.filter(episode=episode)
        .select_related("acknowledged_by")
        .order_by("-created_at", "-id")[:limit]
    )
    items = [TimelineItem(at=c.recorded_at, check=c) for c in checks]
    items += [TimelineItem(at=a.created_at, ack=a) for a in acks]
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]


def rooms_for_person_district(*, district_id: int) -> list[Room]:
    """Return the rooms of the observation sites of a district, for the start form."""
    return list(
        Room.objects.filter(site__district_id=district_id)
        .select_related("site")
        .order_by("site__name", "number")
    )


def screening_entry_for_user(*, user: User, entry_id: int, person_id: int | None = None) -> ScreeningEntry:
    """Return a visit's entry (of ``person_id`` when given) whose visit lies in the user's scope; else 404."""
    entries = ScreeningEntry.objects.filter(scope_for(user).rows_q("screening__"), pk=entry_id)
    if person_id is not None:
        entries = entries.filter(person_id=person_id)
    entry = entries.select_related("screening", "travel", "person").first()
    if entry is None:
        raise Http404
    return entry


def open_episodes_in_household(*, user: User, household_id: int) -> list[Episode]:
    """Return the household's open episodes, if the household is the user's (404 otherwise)."""
    from epigrid.regions.selectors import household_get_for_user

    household = household_get_for_user(user=user, household_id=household_id)
    return list(
        Episode.objects.filter(household=household, status=Episode.Status.OPEN)
        .select_related("person", "household")
        .order_by("person_id")
    )


def episode_checks(*, episode: Episode, history: bool = False) -> QuerySet[HealthCheck]:
    """Return the checks of an episode the caller already opened through a scoped selector.

    Current checks only unless ``history``; newest first.
    """
    checks = HealthCheck.objects.filter(episode=episode).select_related("recorded_by")
    if not history:
        checks = checks.filter(replaced_by__isnull=True)
    return checks.order_by("-day", "-slot", "-entered_at", "-pk")


def episode_check(*, episode: Episode, check_id: int) -> HealthCheck | None:
    """Return one check of an episode the caller already opened through a scoped selector, or None."""
    return HealthCheck.objects.filter(pk=check_id, episode=episode).first()


def list_rows_startable(*, user: User, rows: Iterable[ListRow]) -> set[int]:
    """Return the ids of the linked rows whose person the user may put under observation now.

    A role that writes, the person in the user's scope, not merged away and with no open episode:
    one query for a page of rows, whatever its length.
    """
    if not user.caps.can_write:
        return set()
    rows_of: dict[int, list[int]] = {}
    for row in rows:
        if row.person_id is not None and row.decision in LINKED:
            rows_of.setdefault(row.person_id, []).append(row.pk)
    if not rows_of:
        return set()
    watched = Episode.objects.filter(person_id=OuterRef("pk"), status=Episode.Status.OPEN)
    free = (
        Person.objects.filter(scope_for(user).rows_q(), pk__in=list(rows_of), merged_into__isnull=True)
        .exclude(Exists(watched))
        .values_list("pk", flat=True)
    )
    return {row_id for person_id in free for row_id in rows_of[person_id]}


def list_row_for_start(*, user: User, row_id: int, person_id: int) -> ListRow:
    """Return a linked list row of ``person_id`` in a batch of the user's scope; 404 for any other."""
    row = row_get_for_user(user=user, row_id=row_id)
    if row.person_id != person_id or row.decision not in LINKED:
        raise Http404
    return row


def list_row_journey(row: ListRow) -> Journey | None:
    """Return the journey the row describes (origin, arrival, outbreak flags), as the linker read it."""
    if row.person_id is None:
        return None
    return journey_of(row.fields, person_id=row.person_id, year=list_year(row.batch))
