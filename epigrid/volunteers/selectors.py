"""Reads of teams and members, scoped to the caller's subtrees (404 for anything else).

A member is seen by the users whose scope holds the region they belong to, and by the grid workers
of the grids they serve (a building leader of 乙社区 serving grid 1 shows in that grid's list).
Member lists carry names and phones (masked as the role says): they are audited as listings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest

from epigrid.core.audit import audit_log
from epigrid.core.models import AuditEvent, User
from epigrid.regions.models import LEVEL_FIELD, Level, Region
from epigrid.regions.scope import scope_for, subtree_q
from epigrid.volunteers.models import Duty, Volunteer, VolunteerTeam


def _within(region: Region | None) -> Q:
    """Rows carrying a region chain that lie in ``region``'s subtree (all rows when None)."""
    if region is None:
        return Q()
    level = min(region.level, Level.GRID)
    return Q(**{LEVEL_FIELD[level]: region.depth_ids[level - 1]})


def teams_for_user(*, user: User, region: Region | None = None) -> QuerySet[VolunteerTeam]:
    """Teams in the user's scope (and in ``region``'s subtree), with their member counts."""
    return (
        VolunteerTeam.objects.filter(scope_for(user).rows_q(), _within(region))
        .select_related("region", "leader")
        .annotate(member_count=Count("members", filter=Q(members__active=True)))
        .order_by("-active", "region__path", "name")
    )


def team_get_for_user(*, user: User, team_id: int) -> VolunteerTeam:
    found = teams_for_user(user=user).filter(pk=team_id).first()
    if found is None:
        raise Http404
    return found


def _members_q(user: User) -> Q:
    scope = scope_for(user)
    serving = Volunteer.grids.through.objects.filter(scope.regions_q_for("region__")).values("volunteer_id")
    return scope.rows_q() | Q(pk__in=serving)


def volunteers_for_user(
    *,
    user: User,
    region: Region | None = None,
    team: VolunteerTeam | None = None,
    kind: str = "",
    active: bool | None = True,
) -> QuerySet[Volunteer]:
    """Members the user may see, filtered; their team, region and served grids come along."""
    rows = Volunteer.objects.filter(_members_q(user))
    if region is not None:
        serving = Volunteer.grids.through.objects.filter(subtree_q(region.path, field="region__path")).values(
            "volunteer_id"
        )
        rows = rows.filter(_within(region) | Q(pk__in=serving))
    if team is not None:
        rows = rows.filter(team=team)
    if kind in Volunteer.Kind.values:
        rows = rows.filter(kind=kind)
    if active is not None:
        rows = rows.filter(active=active)
    return (
        rows.select_related("team", "region")
        .prefetch_related("grids")
        .order_by("region__path", "team__name", "name", "id")
    )


def volunteer_get_for_user(*, user: User, volunteer_id: int) -> Volunteer:
    found = volunteers_for_user(user=user, active=None).filter(pk=volunteer_id).first()
    if found is None:
        raise Http404
    return found


def duty_get_for_user(*, user: User, duty_id: int) -> Duty:
    """A shift whose place lies in the user's scope; 404 otherwise."""
    found = (
        Duty.objects.filter(scope_for(user).rows_q(), pk=duty_id)
        .select_related("region", "checkpoint__region", "staff", "volunteer")
        .first()
    )
    if found is None:
        raise Http404
    return found


@dataclass(frozen=True)
class MemberLine:
    volunteer: Volunteer
    phone: str  # as the role may see it


def member_lines(
    *, user: User, members: Sequence[Volunteer], request: HttpRequest | None = None, what: str = "list"
) -> list[MemberLine]:
    """Members as shown to the user (phones masked by role); the listing is audited."""
    if members:
        audit_log(
            actor=user,
            action=AuditEvent.Action.READ,
            object_type="volunteer_list",
            detail={"volunteers": [m.pk for m in members], "what": what},
            request=request,
        )
    return [MemberLine(m, user.caps.identifiers("", m.phone)[1]) for m in members]


def staff_choices(*, user: User) -> list[User]:
    """Staff accounts working in the user's scope (who may be put on duty), the user first."""
    scope = scope_for(user)
    others = list(
        User.objects.filter(scope.regions_q_for("assignments__region__"), is_active=True)
        .exclude(pk=user.pk)
        .distinct()
        .order_by("display_name", "username")[:500]
    )
    return [user, *others]


def volunteer_choices(*, user: User, place: Region) -> list[Volunteer]:
    """Active members who may stand duty at a place: those of its town (or the user's scope above)."""
    ids = place.depth_ids[: Level.TOWN]
    around = "".join(f"{pk}/" for pk in ids)
    rows = Volunteer.objects.filter(_members_q(user), subtree_q(around, field="region__path"), active=True)
    return list(rows.select_related("team").order_by("team__name", "name", "id")[:500])
