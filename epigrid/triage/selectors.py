"""Reads of the triage app, scoped to the caller.

Who sees a visit: whoever's scope contains the patient's region chain (their grid worker, village,
town, HQ: "at once", the row carries the chain), and the account that recorded it (a clinic sees what
it registered). Where a visit may be recorded: the active fever clinics, township fever rooms and
hospitals of the districts the caller works in. Lists are audited as one read of the ids shown; one
visit opened is audited as a read of it. Identifiers are masked for the reading role.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from epigrid.cases.transitions import label
from epigrid.core.audit import audit_log
from epigrid.core.clock import local_today
from epigrid.core.models import AuditEvent, User
from epigrid.monitoring.models import Episode
from epigrid.people.selectors import PersonView, present
from epigrid.regions.models import LEVEL_FIELD, Level, Region
from epigrid.regions.scope import scope_for
from epigrid.resources.models import Facility
from epigrid.triage.models import Disposition, FeverVisit
from epigrid.triage.rules import TRIAGE_KINDS


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Return the aware local start of ``day`` and of the next day."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


# --- facilities ------------------------------------------------------------------------------------


def _district_ids(user: User) -> list[int]:
    return sorted({root.depth_ids[0] for root in scope_for(user).roots})


def facilities_for_triage(*, user: User) -> QuerySet[Facility]:
    """The facilities where the user may record visits (none without ``record_triage``)."""
    if not user.caps.record_triage:
        return Facility.objects.none()
    return Facility.objects.filter(
        active=True, kind__in=TRIAGE_KINDS, district_id__in=_district_ids(user)
    ).order_by("kind", "name")


def facility_records_for(user: User, facility: Facility) -> bool:
    """Tell whether the user records visits at ``facility``."""
    return (
        user.caps.record_triage
        and facility.active
        and facility.kind in TRIAGE_KINDS
        and facility.district_id in _district_ids(user)
    )


def facility_get_for_triage(*, user: User, facility_id: int) -> Facility:
    """One facility the user records visits at; 404 otherwise (missing and foreign alike)."""
    found = facilities_for_triage(user=user).filter(pk=facility_id).select_related("district").first()
    if found is None:
        raise Http404
    return found


# --- visits ----------------------------------------------------------------------------------------


def visits_q(user: User) -> Q:
    """The visits a user may read: of the patients in their scope, or recorded by them."""
    scope = scope_for(user)
    if scope.empty:
        return Q(pk__in=[])
    return scope.rows_q() | Q(recorded_by=user)


def visits_for_user(
    *,
    user: User,
    region: Region | None = None,
    day: dt.date | None = None,
    facility: Facility | None = None,
    disposition: str = "",
) -> QuerySet[FeverVisit]:
    """The visits the user may read, newest first, optionally of a region's subtree, a day, a facility."""
    rows = FeverVisit.objects.filter(visits_q(user))
    if region is not None:
        level = min(region.level, Level.GRID)
        pk = region.pk if region.level <= Level.GRID else region.depth_ids[Level.GRID - 1]
        rows = rows.filter(**{LEVEL_FIELD[level]: pk})
    if day is not None:
        start, end = day_bounds(day)
        rows = rows.filter(visited_at__gte=start, visited_at__lt=end)
    if facility is not None:
        rows = rows.filter(facility=facility)
    if disposition in Disposition.values:
        rows = rows.filter(disposition=disposition)
    return rows.select_related(
        "facility",
        "person",
        "person__district",
        "person__town",
        "person__village",
        "person__grid",
        "recorded_by",
    ).order_by("-visited_at", "-id")


def visits_today_count(*, user: User, region: Region | None = None) -> int:
    """How many of the user's visits (of ``region``'s subtree) were seen today (a count)."""
    return visits_for_user(user=user, region=region, day=local_today()).count()


@dataclass(frozen=True)
class VisitLine:
    """A visit as the reader may see it, with the label the village reads ("社区发热待查" …)."""

    visit: FeverVisit
    person: PersonView
    status: str  # the classification the visit left, or its disposition when it changed none
    observation_pending: bool  # sent home under observation, but no home observation open yet

    @property
    def place(self) -> str:
        person = self.visit.person
        return " ".join(r.name for r in (person.town, person.village, person.grid) if r is not None)


def status_label(visit: FeverVisit) -> str:
    """Return what the village reads for a visit: the classification it set, else its disposition."""
    if visit.classification_after and visit.classification_after != visit.classification_before:
        return label(visit.classification_after)
    return str(Disposition(visit.disposition).label)


def visit_lines(
    *, user: User, visits: list[FeverVisit], request: HttpRequest | None = None, log: bool = True
) -> list[VisitLine]:
    """Present visits for the user (masked) and log that they were shown; one query for observation.

    ``log=False`` when the caller audits the same ids otherwise (the API's listing, a visit just written).
    """
    waiting = [v.person_id for v in visits if v.disposition == Disposition.HOME_OBSERVATION]
    open_episodes = Episode.objects.filter(person_id__in=waiting, status=Episode.Status.OPEN)
    watched = set(open_episodes.values_list("person_id", flat=True)) if waiting else set()
    if visits and log:
        audit_log(
            actor=user, action=AuditEvent.Action.READ, object_type="fever_visit_list",
            detail={"visits": [v.pk for v in visits], "persons": sorted({v.person_id for v in visits})},
            request=request,
        )  # fmt: skip
    return [
        VisitLine(
            visit=v,
            person=present(person=v.person, user=user),
            status=status_label(v),
            observation_pending=v.disposition == Disposition.HOME_OBSERVATION and v.person_id not in watched,
        )
        for v in visits
    ]


def visit_get_for_user(*, user: User, visit_id: int, request: HttpRequest | None = None) -> VisitLine:
    """Open one visit: 404 when missing or not the user's, an audit event when shown."""
    found = visits_for_user(user=user).filter(pk=visit_id).first()
    if found is None:
        raise Http404
    audit_log(
        actor=user,
        action=AuditEvent.Action.READ,
        object_type="fever_visit",
        object_id=found.pk,
        region_path=found.person.place.path,
        detail={"person": found.person_id},
        request=request,
    )
    return _line(user, found)


def _line(user: User, visit: FeverVisit) -> VisitLine:
    watched = (
        visit.disposition == Disposition.HOME_OBSERVATION
        and Episode.objects.filter(person_id=visit.person_id, status=Episode.Status.OPEN).exists()
    )
    return VisitLine(
        visit=visit,
        person=present(person=visit.person, user=user),
        status=status_label(visit),
        observation_pending=visit.disposition == Disposition.HOME_OBSERVATION and not watched,
    )
