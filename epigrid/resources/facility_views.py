"""Pages of hospitals, fever clinics and observation sites: the district's beds, the observation-site
table, a site's rooms with who is in them; HQ adds and edits them and updates occupancy."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from epigrid.core.access import ScopedRequest, scoped
from epigrid.monitoring.models import Site
from epigrid.regions.models import Region
from epigrid.resources.facilities import (
    FacilityError,
    FacilityInput,
    districts_of,
    facilities_for_user,
    facility_get_for_user,
    facility_occupancy,
    facility_save,
    may_manage,
    parse_room_numbers,
    room_occupants,
    rooms_add,
    site_get_for_user,
    site_save,
    site_table,
)
from epigrid.resources.models import Facility


def _district(request: ScopedRequest) -> Region | None:
    ids = districts_of(request.user)
    return Region.objects.filter(pk=ids[0]).first() if ids else None


def _facility_input(request: ScopedRequest, district: Region | None) -> FacilityInput:
    post = request.POST
    return FacilityInput(
        kind=post.get("kind", ""),
        name=post.get("name", ""),
        beds=post.get("beds", "0") or 0,
        occupied=post.get("occupied", "0") or 0,
        address=post.get("address", ""),
        phone=post.get("phone", ""),
        active=post.get("active") == "on",
        district=district,
    )


@scoped
def facilities(request: ScopedRequest) -> HttpResponse:
    """The designated hospitals and fever clinics of the user's district: beds, occupied, free."""
    rows = list(facilities_for_user(user=request.user))
    groups = []
    for kind, label in Facility.Kind.choices:
        members = [f for f in rows if f.kind == kind]
        groups.append(
            {
                "kind": kind,
                "label": label,
                "rows": members,
                "beds": sum(f.beds for f in members if f.active),
                "occupied": sum(f.occupied for f in members if f.active),
                "free": sum(f.free for f in members if f.active),
            }
        )
    context = {"groups": groups, "manages": may_manage(request.user), "district": _district(request)}
    return render(request, "resources/facilities.html", context)


def _facility_form(request: ScopedRequest, facility: Facility | None) -> HttpResponse:
    if not may_manage(request.user):
        raise PermissionDenied
    error: FacilityError | None = None
    values: dict[str, object] = {}
    if request.method == "POST":
        data = _facility_input(request, _district(request))
        try:
            saved = facility_save(actor=request.user, data=data, facility=facility)
        except FacilityError as exc:
            error = exc
            values = {k: request.POST.get(k, "") for k in ("kind", "name", "beds", "occupied", "address")}
            values["phone"] = request.POST.get("phone", "")
            values["active"] = request.POST.get("active") == "on"
        else:
            messages.success(request, _("已保存：%(name)s") % {"name": saved.name})
            return redirect("resources:facilities")
    elif facility is not None:
        values = {
            "kind": facility.kind,
            "name": facility.name,
            "beds": facility.beds,
            "occupied": facility.occupied,
            "address": facility.address,
            "phone": facility.phone,
            "active": facility.active,
        }
    else:
        values = {"kind": Facility.Kind.FEVER_CLINIC, "beds": 0, "occupied": 0, "active": True}
    context = {"facility": facility, "values": values, "error": error, "kinds": Facility.Kind.choices}
    return render(request, "resources/facility_form.html", context, status=422 if error else 200)


@scoped
def facility_new(request: ScopedRequest) -> HttpResponse:
    """HQ adds a hospital or fever clinic to its district."""
    return _facility_form(request, None)


@scoped
def facility_edit(request: ScopedRequest, facility_id: int) -> HttpResponse:
    """HQ changes one of its district's hospitals or fever clinics."""
    facility = facility_get_for_user(user=request.user, facility_id=facility_id)
    return _facility_form(request, facility)


@scoped
def facility_occupancy_view(request: ScopedRequest, facility_id: int) -> HttpResponse:
    """HQ records how many are in a facility's beds now (the small form on each row)."""
    facility = facility_get_for_user(user=request.user, facility_id=facility_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        facility = facility_occupancy(
            actor=request.user, facility=facility, occupied=request.POST.get("occupied")
        )
    except FacilityError as exc:
        messages.error(request, f"{facility.name}：{exc.message}")
    else:
        messages.success(
            request,
            _("%(name)s：在床%(occupied)s人，空余%(free)s张。")
            % {"name": facility.name, "occupied": facility.occupied, "free": facility.free},
        )
    return redirect("resources:facilities")


@scoped
def sites(request: ScopedRequest) -> HttpResponse:
    """The observation-site table of the user's district (DOMAIN.md columns), with totals; HQ adds sites."""
    district = _district(request)
    error: FacilityError | None = None
    if request.method == "POST":
        if not may_manage(request.user):
            raise PermissionDenied
        try:
            site = site_save(
                actor=request.user,
                name=request.POST.get("name", ""),
                address=request.POST.get("address", ""),
                district=district,
            )
        except FacilityError as exc:
            error = exc
        else:
            messages.success(request, _("已添加隔离点：%(name)s") % {"name": site.name})
            return redirect("resources:site_detail", site.pk)
    rows, total = site_table(district) if district is not None else ([], None)
    context = {
        "rows": rows,
        "total": total,
        "district": district,
        "manages": may_manage(request.user),
        "error": error,
        "values": request.POST if error else {},
    }
    return render(request, "resources/sites.html", context, status=422 if error else 200)


@scoped
def site_detail(request: ScopedRequest, site_id: int) -> HttpResponse:
    """A site's rooms, what each holds and who is in it (names masked outside the user's scope)."""
    site = site_get_for_user(user=request.user, site_id=site_id)
    return _site_page(request, site, None)


def _site_page(request: ScopedRequest, site: Site, error: FacilityError | None) -> HttpResponse:
    rooms = room_occupants(user=request.user, site=site, request=request)
    context = {
        "site": site,
        "rooms": rooms,
        "capacity": sum(r.room.capacity for r in rooms),
        "occupied": sum(len(r.occupants) for r in rooms),
        "free_rooms": sum(1 for r in rooms if not r.occupants),
        "manages": may_manage(request.user),
        "error": error,
        "values": request.POST if error else {},
    }
    return render(request, "resources/site_detail.html", context, status=422 if error else 200)


@scoped
def site_rooms(request: ScopedRequest, site_id: int) -> HttpResponse:
    """HQ adds rooms to a site: "201-230" or a comma list, each holding the capacity given."""
    site = site_get_for_user(user=request.user, site_id=site_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not may_manage(request.user):
        raise PermissionDenied
    try:
        numbers = parse_room_numbers(request.POST.get("numbers", ""))
        added = rooms_add(
            actor=request.user, site=site, numbers=numbers, capacity=request.POST.get("capacity") or 1
        )
    except FacilityError as exc:
        return _site_page(request, site, exc)
    messages.success(request, _("已添加%(n)s个房间。") % {"n": len(added)})
    return redirect("resources:site_detail", site.pk)
