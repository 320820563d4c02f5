"""Duty roster pages: a region's day (今日值班), a unit's or a checkpoint's week, putting someone on
duty and taking them off. Teams and members are in ``team_views``."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from epigrid.checkpoints.models import Checkpoint
from epigrid.checkpoints.selectors import checkpoint_get_for_user
from epigrid.core.access import ScopedRequest, scoped
from epigrid.core.models import User
from epigrid.regions.models import Level, Region
from epigrid.regions.selectors import region_ancestors, region_get_for_user, region_roots_for_user
from epigrid.volunteers.duties import DutyInput, duty_assign, duty_place, duty_remove
from epigrid.volunteers.errors import VolunteerInvalid
from epigrid.volunteers.forms import DutyForm, person_choices
from epigrid.volunteers.models import Duty, Volunteer
from epigrid.volunteers.roster import roster_for_region, week_for_place
from epigrid.volunteers.selectors import duty_get_for_user, staff_choices, volunteer_choices
from epigrid.volunteers.services import can_manage


def parse_day(raw: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        return timezone.localdate()


def first_root(request: ScopedRequest) -> Region | None:
    return next((r for r in region_roots_for_user(user=request.user) if r.level <= Level.GRID), None)


@scoped
def roster_home(request: ScopedRequest) -> HttpResponse:
    """Send the user to today's roster of the top region they work in."""
    root = first_root(request)
    if root is not None:
        return redirect("volunteers:roster", root.pk)
    return render(request, "volunteers/roster.html", {"roster": None})


@scoped
def roster(request: ScopedRequest, region_id: int) -> HttpResponse:
    """今日值班: every unit and checkpoint of the region, who is on duty now and the hours nobody covers."""
    user = request.user
    region = region_get_for_user(user=user, region_id=region_id)
    day = parse_day(request.GET.get("day"))
    context = {
        "region": region,
        "ancestors": region_ancestors(region=region, user=user),
        "roster": roster_for_region(user=user, region=region, day=day, request=request),
        "day": day,
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "manages": can_manage(user),
        "children": Region.objects.filter(parent=region, level__lte=Level.GRID).order_by("code"),
    }
    return render(request, "volunteers/roster.html", context)


def _week(request: ScopedRequest, region: Region | None, checkpoint: Checkpoint | None) -> HttpResponse:
    user = request.user
    start = parse_day(request.GET.get("start"))
    anchor = checkpoint.region if checkpoint is not None else region
    assert anchor is not None  # noqa: S101 - the two views below give one of them
    context = {
        "region": region,
        "checkpoint": checkpoint,
        "anchor": anchor,
        "ancestors": [*region_ancestors(region=anchor, user=user), anchor] if checkpoint else
        region_ancestors(region=anchor, user=user),
        "days": week_for_place(user=user, start=start, region=region, checkpoint=checkpoint, request=request),
        "start": start,
        "previous_week": start - dt.timedelta(days=7),
        "next_week": start + dt.timedelta(days=7),
        "manages": can_manage(user),
        "today": timezone.localdate(),
    }  # fmt: skip
    return render(request, "volunteers/week.html", context)


@scoped
def unit_week(request: ScopedRequest, region_id: int) -> HttpResponse:
    """A unit's week: each day's shifts, gaps and double bookings."""
    region = region_get_for_user(user=request.user, region_id=region_id)
    if region.level > Level.GRID:
        raise Http404
    return _week(request, region, None)


@scoped
def checkpoint_week(request: ScopedRequest, checkpoint_id: int) -> HttpResponse:
    """A checkpoint's week: each day's shifts, the opening hours nobody covers, double bookings."""
    return _week(request, None, checkpoint_get_for_user(user=request.user, checkpoint_id=checkpoint_id))


def _person(raw: str, volunteers: list[Volunteer], staff: list[User]) -> tuple[User | None, Volunteer | None]:
    """The staff account or volunteer a "who" choice names ("u:<id>" / "v:<id>"), among those offered."""
    kind, _sep, pk = raw.partition(":")
    if kind == "u":
        return next((u for u in staff if str(u.pk) == pk), None), None
    if kind == "v":
        return None, next((v for v in volunteers if str(v.pk) == pk), None)
    return None, None


def _assign(request: ScopedRequest, region: Region | None, checkpoint: Checkpoint | None) -> HttpResponse:
    user = request.user
    if not can_manage(user):
        raise PermissionDenied
    place = checkpoint.region if checkpoint is not None else region
    assert place is not None  # noqa: S101 - the two views below give one of them
    staff = staff_choices(user=user)
    volunteers = volunteer_choices(user=user, place=place)
    who = person_choices(staff, volunteers)
    back = (
        redirect("volunteers:checkpoint_week", checkpoint.pk)
        if checkpoint is not None
        else redirect("volunteers:unit_week", place.pk)
    )
    conflicts: list[Duty] = []
    if request.method == "POST":
        form = DutyForm(request.POST, who=who)
        if form.is_valid():
            data = form.cleaned_data
            staff_user, volunteer = _person(data["who"], volunteers, staff)
            try:
                result = duty_assign(
                    actor=user,
                    data=DutyInput(
                        day=data["day"], starts_at=data["starts_at"], ends_at=data["ends_at"],
                        region=region, checkpoint=checkpoint, staff=staff_user, volunteer=volunteer,
                        phone=data["phone"], duty_role=data["duty_role"], note=data["note"],
                    ),
                )  # fmt: skip
            except VolunteerInvalid as exc:
                for error in exc.errors:
                    target = {"person": "who", "place": None}.get(error.field, error.field)
                    form.add_error(target if target in form.fields else None, error.message)
            else:
                if result.created:
                    messages.success(request, _("已排班。"))
                else:
                    messages.info(request, _("这个班次已经保存过，没有重复保存。"))
                conflicts = result.conflicts
                if conflicts:
                    messages.warning(
                        request,
                        _("注意：此人同一时段还在别处值班（%(n)s处），已在值班表上标出，请核实。")
                        % {"n": len(conflicts)},
                    )
                return back
    else:
        day = parse_day(request.GET.get("day"))
        form = DutyForm(
            initial={
                "day": day,
                "starts_at": dt.time(8),
                "ends_at": dt.time(20),
                "duty_role": Duty.Role.OFFICER,
            },
            who=who,
        )
    context = {
        "form": form,
        "place_name": checkpoint.name if checkpoint is not None else place.name,
        "region": region,
        "checkpoint": checkpoint,
    }
    return render(request, "volunteers/duty_form.html", context, status=400 if form.errors else 200)


@scoped
def duty_new_unit(request: ScopedRequest, region_id: int) -> HttpResponse:
    region = region_get_for_user(user=request.user, region_id=region_id)
    if region.level > Level.GRID:
        raise Http404
    return _assign(request, region, None)


@scoped
def duty_new_checkpoint(request: ScopedRequest, checkpoint_id: int) -> HttpResponse:
    return _assign(request, None, checkpoint_get_for_user(user=request.user, checkpoint_id=checkpoint_id))


@scoped
def duty_delete(request: ScopedRequest, duty_id: int) -> HttpResponse:
    """Take a shift off the roster (POST), then back to the week it was on."""
    duty = duty_get_for_user(user=request.user, duty_id=duty_id)  # 404 before 405
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    duty_remove(actor=request.user, duty=duty)
    messages.success(request, _("已删除该班次。"))
    start = duty.day.isoformat()
    if duty.checkpoint_id is not None:
        return redirect(f"{reverse('volunteers:checkpoint_week', args=[duty.checkpoint_id])}?start={start}")
    return redirect(f"{reverse('volunteers:unit_week', args=[duty_place(duty).pk])}?start={start}")
