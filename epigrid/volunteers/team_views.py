"""Team and member pages: a region's teams, a team with its members, a region's members by kind,
and the forms to keep them (phone-friendly: one column, tel keyboard for phones)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from epigrid.core.access import ScopedRequest, scoped
from epigrid.core.audit import audit_log
from epigrid.core.models import AuditEvent, User
from epigrid.lib.idcard import parse_id
from epigrid.people.models import Person
from epigrid.people.selectors import people_in_scope
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import scope_for
from epigrid.regions.selectors import region_ancestors, region_get_for_user
from epigrid.volunteers.errors import FieldError, VolunteerInvalid
from epigrid.volunteers.forms import TeamForm, VolunteerForm
from epigrid.volunteers.models import Volunteer, VolunteerTeam
from epigrid.volunteers.selectors import (
    member_lines,
    team_get_for_user,
    teams_for_user,
    volunteer_get_for_user,
    volunteers_for_user,
)
from epigrid.volunteers.services import TeamInput, VolunteerInput, can_manage, team_save, volunteer_save
from epigrid.volunteers.views import first_root

MEMBERS_MAX = 300  # one page of members; a larger region is read by its villages


def _regions(user: User) -> QuerySet[Region]:
    return Region.objects.filter(
        scope_for(user).regions_q(), level__gte=Level.TOWN, level__lte=Level.GRID
    ).order_by("path")


@scoped
def team_home(request: ScopedRequest) -> HttpResponse:
    root = first_root(request)
    if root is not None:
        return redirect("volunteers:teams", root.pk)
    return render(request, "volunteers/team_list.html", {"region": None})


@scoped
def team_list(request: ScopedRequest, region_id: int) -> HttpResponse:
    """The teams of a region's subtree with their kind, leader and number of active members."""
    user = request.user
    region = region_get_for_user(user=user, region_id=region_id)
    context = {
        "region": region,
        "ancestors": region_ancestors(region=region, user=user),
        "teams": list(teams_for_user(user=user, region=region)),
        "manages": can_manage(user),
    }
    return render(request, "volunteers/team_list.html", context)


@scoped
def team_detail(request: ScopedRequest, team_id: int) -> HttpResponse:
    """A team and its members (phones masked as the role says; the listing is audited)."""
    user = request.user
    team = team_get_for_user(user=user, team_id=team_id)
    members = list(volunteers_for_user(user=user, team=team, active=None)[:MEMBERS_MAX])
    context = {
        "team": team,
        "ancestors": [*region_ancestors(region=team.region, user=user), team.region],
        "lines": member_lines(user=user, members=members, request=request, what="team"),
        "manages": can_manage(user),
    }
    return render(request, "volunteers/team_detail.html", context)


def _team_edit(request: ScopedRequest, team: VolunteerTeam | None) -> HttpResponse:
    user = request.user
    if not can_manage(user):
        raise PermissionDenied
    regions = _regions(user)
    members = team.members.filter(active=True) if team is not None else Volunteer.objects.none()
    if request.method == "POST":
        form = TeamForm(request.POST, regions=regions, members=members)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = team_save(
                    actor=user,
                    data=TeamInput(
                        name=data["name"], kind=data["kind"], region=data["region"],
                        leader=data.get("leader"), note=data["note"], active=data["active"],
                    ),
                    team=team,
                )  # fmt: skip
            except VolunteerInvalid as exc:
                for error in exc.errors:
                    form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("队伍已保存。"))
                return redirect("volunteers:team", saved.pk)
    elif team is not None:
        initial = {"name": team.name, "kind": team.kind, "region": team.region_id, "leader": team.leader_id,
                   "note": team.note, "active": team.active}  # fmt: skip
        form = TeamForm(initial=initial, regions=regions, members=members)
    else:
        form = TeamForm(
            initial={"region": request.GET.get("region") or None, "active": True},
            regions=regions,
            members=members,
        )
    return render(
        request, "volunteers/team_form.html", {"form": form, "team": team}, status=400 if form.errors else 200
    )


@scoped
def team_new(request: ScopedRequest) -> HttpResponse:
    return _team_edit(request, None)


@scoped
def team_edit(request: ScopedRequest, team_id: int) -> HttpResponse:
    return _team_edit(request, team_get_for_user(user=request.user, team_id=team_id))


@scoped
def member_list(request: ScopedRequest, region_id: int) -> HttpResponse:
    """The members of a region's subtree (and those serving its grids), by kind."""
    user = request.user
    region = region_get_for_user(user=user, region_id=region_id)
    kind = request.GET.get("kind", "")
    show_all = request.GET.get("all") == "1"
    rows = volunteers_for_user(user=user, region=region, kind=kind, active=None if show_all else True)
    members = list(rows[:MEMBERS_MAX])
    context = {
        "region": region,
        "ancestors": region_ancestors(region=region, user=user),
        "lines": member_lines(user=user, members=members, request=request, what="region"),
        "kinds": Volunteer.Kind.choices,
        "kind": kind,
        "show_all": show_all,
        "truncated": len(members) == MEMBERS_MAX,
        "manages": can_manage(user),
    }
    return render(request, "volunteers/member_list.html", context)


def _linked_person(user: User, raw: str) -> tuple[Person | None, FieldError | None]:
    """The registered resident an ID number names, in the user's scope (nothing said about others)."""
    if not raw.strip():
        return None, None
    parsed = parse_id(raw)
    if not parsed.valid or parsed.normalized is None:
        return None, FieldError("id_number", parsed.error or _("身份证号无效。"))
    person = people_in_scope(user=user).filter(id_number=parsed.normalized).order_by("id").first()
    if person is None:
        return None, FieldError("id_number", _("本辖区没有登记该身份证号的人员。"))
    return person, None


def _member_edit(request: ScopedRequest, volunteer: Volunteer | None) -> HttpResponse:
    user = request.user
    if not can_manage(user):
        raise PermissionDenied
    regions = _regions(user)
    options = {
        "regions": regions,
        "teams": teams_for_user(user=user).filter(active=True),
        "grids": regions.filter(level=Level.GRID),
        "staff": User.objects.filter(scope_for(user).regions_q_for("assignments__region__"), is_active=True)
        .distinct()
        .order_by("display_name", "username"),
    }
    if request.method == "POST":
        form = VolunteerForm(request.POST, **options)
        if form.is_valid():
            data = form.cleaned_data
            person, problem = _linked_person(user, data["id_number"])
            if person is None and problem is None and volunteer is not None:
                person = volunteer.person  # left blank: the link stays as it was
            if problem is not None:
                form.add_error("id_number", problem.message)
            else:
                try:
                    saved = volunteer_save(
                        actor=user,
                        data=VolunteerInput(
                            name=data["name"], phone=data["phone"], kind=data["kind"], region=data["region"],
                            team=data["team"], grids=list(data["grids"]), person=person, user=data["user"],
                            note=data["note"], active=data["active"],
                        ),
                        volunteer=volunteer,
                    )  # fmt: skip
                except VolunteerInvalid as exc:
                    for error in exc.errors:
                        target = "id_number" if error.field == "person" else error.field
                        form.add_error(target if target in form.fields else None, error.message)
                else:
                    messages.success(request, _("成员已保存。"))
                    if saved.team_id is not None:
                        return redirect("volunteers:team", saved.team_id)
                    return redirect("volunteers:members", saved.region_id)
    elif volunteer is not None:
        initial = {
            "name": volunteer.name, "phone": volunteer.phone, "kind": volunteer.kind,
            "region": volunteer.region_id, "team": volunteer.team_id, "grids": list(volunteer.grids.all()),
            "user": volunteer.user_id, "note": volunteer.note, "active": volunteer.active,
        }  # fmt: skip
        form = VolunteerForm(initial=initial, **options)
        audit_log(
            actor=user, action=AuditEvent.Action.READ, object_type="volunteer", object_id=volunteer.pk,
            region_path=volunteer.region.path, request=request,
        )  # fmt: skip
    else:
        team_id = request.GET.get("team", "")
        team = VolunteerTeam.objects.filter(pk=int(team_id)).first() if team_id.isdigit() else None
        in_scope = team is not None and scope_for(user).contains(team.region)
        initial = {
            "team": team.pk if team is not None and in_scope else None,
            "region": team.region_id if team is not None and in_scope else request.GET.get("region") or None,
            "kind": Volunteer.Kind.VOLUNTEER,
            "active": True,
        }
        form = VolunteerForm(initial=initial, **options)
    context = {"form": form, "volunteer": volunteer}
    return render(request, "volunteers/member_form.html", context, status=400 if form.errors else 200)


@scoped
def member_new(request: ScopedRequest) -> HttpResponse:
    return _member_edit(request, None)


@scoped
def member_edit(request: ScopedRequest, volunteer_id: int) -> HttpResponse:
    return _member_edit(request, volunteer_get_for_user(user=request.user, volunteer_id=volunteer_id))
