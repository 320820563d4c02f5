"""Checkpoint pages: a region's checkpoints and their day, a checkpoint's page, setting one up, the
registration screen used at the barrier, the village's handovers, and the road coverage map."""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from epigrid.checkpoints import roads
from epigrid.checkpoints.errors import CheckpointInvalid
from epigrid.checkpoints.forms import START_ROWS, CheckpointForm, passage_input, row_count
from epigrid.checkpoints.handovers import handover_close
from epigrid.checkpoints.models import Checkpoint, Disposition, Handover, Passage
from epigrid.checkpoints.selectors import (
    FIGURE_KEYS,
    checkpoint_days,
    checkpoint_get_for_user,
    checkpoint_series,
    handover_get_for_user,
    handovers_for_user,
    passages_for_checkpoint,
    registered_by_id_number,
)
from epigrid.checkpoints.services import CheckpointInput, checkpoint_save, passage_register
from epigrid.core.access import ScopedRequest, scoped
from epigrid.core.audit import audit_log
from epigrid.core.models import AuditEvent
from epigrid.core.roles import Role
from epigrid.lib.idcard import parse_id
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import scope_for, subtree_q
from epigrid.regions.selectors import region_ancestors, region_get_for_user, region_roots_for_user

MANAGERS = (Role.DISTRICT_HQ, Role.TOWN_OFFICER)


def _day(raw: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        return timezone.localdate()


def _manages(request: ScopedRequest) -> bool:
    return request.user.role in MANAGERS


def _figure_labels() -> list[tuple[str, str]]:
    labels = {
        "vehicles": _("车辆"),
        "people": _("人员"),
        "turned_back": _("劝返"),
        "handed_over": _("移交属地"),
        "fever_clinic": _("送发热门诊"),
        "fever": _("发热"),
        "observation": _("留观"),
    }
    return [(key, labels[key]) for key in FIGURE_KEYS]


@scoped
def checkpoint_home(request: ScopedRequest) -> HttpResponse:
    """Send the user to the checkpoints of the top region they work in."""
    for root in region_roots_for_user(user=request.user):
        if root.level <= Level.GRID:
            return redirect("checkpoints:list", root.pk)
    return render(request, "checkpoints/checkpoint_list.html", {"region": None})


@scoped
def checkpoint_list(request: ScopedRequest, region_id: int) -> HttpResponse:
    """A region's checkpoints with the day's figures (vehicles, people, turned back, handed over …)."""
    user = request.user
    region = region_get_for_user(user=user, region_id=region_id)
    day = _day(request.GET.get("day"))
    rows, total = checkpoint_days(user=user, region=region, day=day)
    district_id = region.depth_ids[0]
    network = roads.current_network(district_id)
    context = {
        "region": region,
        "ancestors": region_ancestors(region=region, user=user),
        "day": day,
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1) if day < timezone.localdate() else None,
        "rows": rows,
        "total": total,
        "labels": _figure_labels(),
        "manages": _manages(request),
        "network": network,
        "open_handovers": handovers_for_user(user=user).count(),
    }
    return render(request, "checkpoints/checkpoint_list.html", context)


def _regions_for_form(request: ScopedRequest) -> object:
    scope = scope_for(request.user)
    return Region.objects.filter(scope.regions_q(), level__gte=Level.TOWN, level__lte=Level.GRID).order_by(
        "path"
    )


def _input(form: CheckpointForm) -> CheckpointInput:
    data = form.cleaned_data
    return CheckpointInput(
        name=data["name"],
        kind=data["kind"],
        region=data["region"],
        road_name=data["road_name"],
        longitude=data["longitude"],
        latitude=data["latitude"],
        unit=data["unit"],
        person_in_charge=data["person_in_charge"],
        phone=data["phone"],
        opens_at=data["opens_at"],
        closes_at=data["closes_at"],
        staff=data["staff"],
        active=data["active"],
        observation_places=data["observation_places"] or 0,
    )


def _edit(request: ScopedRequest, checkpoint: Checkpoint | None) -> HttpResponse:
    if not _manages(request):
        raise PermissionDenied
    regions = _regions_for_form(request)
    if request.method == "POST":
        form = CheckpointForm(request.POST, regions=regions)
        if form.is_valid():
            try:
                saved = checkpoint_save(actor=request.user, data=_input(form), checkpoint=checkpoint)
            except CheckpointInvalid as exc:
                for error in exc.errors:
                    form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("卡口已保存。"))
                return redirect("checkpoints:detail", saved.pk)
    elif checkpoint is not None:
        initial = {
            f: getattr(checkpoint, f)
            for f in (
                "name", "kind", "road_name", "longitude", "latitude", "unit", "person_in_charge", "phone",
                "opens_at", "closes_at", "staff", "active", "observation_places",
            )
        }  # fmt: skip
        initial["region"] = checkpoint.region_id
        form = CheckpointForm(initial=initial, regions=regions)
    else:
        region_id = request.GET.get("region", "")
        form = CheckpointForm(initial={"region": region_id or None, "active": True}, regions=regions)
    return render(request, "checkpoints/checkpoint_form.html", {"form": form, "checkpoint": checkpoint})


@scoped
def checkpoint_new(request: ScopedRequest) -> HttpResponse:
    return _edit(request, None)


@scoped
def checkpoint_edit(request: ScopedRequest, checkpoint_id: int) -> HttpResponse:
    return _edit(request, checkpoint_get_for_user(user=request.user, checkpoint_id=checkpoint_id))


@scoped
def checkpoint_detail(request: ScopedRequest, checkpoint_id: int) -> HttpResponse:
    """A checkpoint: who runs it and when, the last seven days, and the passages of one day."""
    user = request.user
    checkpoint = checkpoint_get_for_user(user=user, checkpoint_id=checkpoint_id)
    day = _day(request.GET.get("day"))
    today = timezone.localdate()
    week = [today - dt.timedelta(days=n) for n in range(6, -1, -1)]
    context = {
        "checkpoint": checkpoint,
        "ancestors": [*region_ancestors(region=checkpoint.region, user=user), checkpoint.region],
        "day": day,
        "series": checkpoint_series(checkpoint=checkpoint, days=week),
        "labels": _figure_labels(),
        "lines": passages_for_checkpoint(user=user, checkpoint=checkpoint, day=day, request=request),
        "manages": _manages(request),
        "can_register": user.caps.can_write and checkpoint.active,
    }
    return render(request, "checkpoints/checkpoint_detail.html", context)


def _destinations(checkpoint: Checkpoint) -> list[tuple[str, list[Region]]]:
    """The villages of the checkpoint's district, by town, for the destination list."""
    district = Region.objects.get(pk=checkpoint.district_id)
    rows = Region.objects.filter(subtree_q(district.path), level__in=(Level.TOWN, Level.VILLAGE)).order_by(
        "path"
    )
    towns: dict[int, tuple[str, list[Region]]] = {}
    for region in rows:
        if region.level == Level.TOWN:
            towns[region.pk] = (region.name, [])
        elif region.parent_id in towns:
            towns[region.parent_id][1].append(region)
    return [group for group in towns.values() if group[1]]


def _destination(checkpoint: Checkpoint, raw: str) -> Region | None:
    if not raw:
        return None
    try:
        pk = int(raw)
    except ValueError:
        return None
    return Region.objects.filter(pk=pk).first()


PERSON_FIELDS = ("name", "id_number", "phone", "temperature", "disposition")


def _rows(data: object, errors: dict[str, list[str]], count: int) -> list[dict[str, object]]:
    """The people rows of the form, each with its typed values and its errors."""
    rows = []
    for i in range(1, count + 1):
        values = {f: (data.get(f"p{i}-{f}", "") if data is not None else "") for f in PERSON_FIELDS}  # type: ignore[attr-defined]
        messages_ = [m for f in PERSON_FIELDS for m in errors.get(f"people.{i}.{f}", [])]
        invalid = {f for f in PERSON_FIELDS if f"people.{i}.{f}" in errors}
        rows.append({"i": i, "values": values, "errors": messages_, "invalid": invalid})
    return rows


@scoped
def passage_new(request: ScopedRequest, checkpoint_id: int) -> HttpResponse:
    """The registration screen at the barrier: vehicle, journey, people, disposition — one page."""
    user = request.user
    checkpoint = checkpoint_get_for_user(user=user, checkpoint_id=checkpoint_id)
    if not user.caps.can_write:
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    errors: dict[str, list[str]] = {}
    # At a station one traveller (or a small group) at a time: the screener's phone shows one row.
    rows = row_count(data) if data is not None else (1 if checkpoint.arrivals_on_foot else START_ROWS)
    if data is not None and "more" in data:
        rows = min(rows + 1, 12)
    elif data is not None:
        target = _destination(checkpoint, data.get("destination_region", ""))
        try:
            result = passage_register(
                actor=user, checkpoint=checkpoint, data=passage_input(data, destination=target)
            )
        except CheckpointInvalid as exc:
            errors = exc.by_field
        else:
            passage = result.passage
            summary = _("已登记：%(plate)s，%(n)s人。") % {
                "plate": passage.plate or passage.service_no or passage.get_vehicle_type_display(),
                "n": passage.people_count,
            }
            if not result.created:
                summary = _("这条登记已经保存过，没有重复保存。") + summary
            if result.handovers:
                summary += _("已移交%(region)s %(n)s人，网格员可立即看到。") % {
                    "region": passage.destination_region.name if passage.destination_region else "",
                    "n": len(result.handovers),
                }
            messages.success(request, summary)
            for note in result.notes + result.warnings:
                messages.warning(request, note)
            return redirect("checkpoints:register", checkpoint.pk)
    context = {
        "checkpoint": checkpoint,
        "data": data or {},
        "errors": errors,
        "rows": _rows(data, errors, rows),
        "row_total": rows,
        "key": (data.get("key", "") if data is not None else "") or secrets.token_urlsafe(16),
        "vehicle_types": Passage.VehicleType.choices,
        "dispositions": [
            (code, label)
            for code, label in Disposition.choices
            if code != Disposition.OBSERVATION or checkpoint.has_observation_room
        ],
        "hub": checkpoint.is_hub,
        "on_foot": checkpoint.arrivals_on_foot,
        "destinations": _destinations(checkpoint),
        "today": checkpoint_series(checkpoint=checkpoint, days=[timezone.localdate()])[0][1],
    }
    status = 400 if errors else 200
    return render(request, "checkpoints/passage_form.html", context, status=status)


@scoped
def person_lookup(request: ScopedRequest, checkpoint_id: int) -> HttpResponse:
    """While typing an ID number: is it valid, and is this person in the district's registry?

    Answers a masked name and the village only (the checkpoint role sees no more), and logs the look.
    """
    user = request.user
    checkpoint = checkpoint_get_for_user(user=user, checkpoint_id=checkpoint_id)
    # The field that asks is named after its row ("p2-id_number"): read whichever was sent.
    raw = next((str(v) for k, v in request.GET.items() if k.endswith("id_number")), "")[:40]
    context: dict[str, object] = {"typed": bool(raw.strip())}
    if raw.strip():
        parsed = parse_id(raw)
        if not parsed.valid or parsed.normalized is None:
            context["error"] = parsed.error
        else:
            found = registered_by_id_number(
                user=user, checkpoint=checkpoint, id_number=parsed.normalized, request=request
            )
            if found is not None:
                context["found"] = {"name": found.name_masked, "place": found.place}
            else:
                context["new"] = True
            context["sex"] = parsed.sex
    return render(request, "checkpoints/_lookup.html", context)


@scoped
def handover_list(request: ScopedRequest) -> HttpResponse:
    """The travellers checkpoints handed to the user's villages and grids: open first, then closed."""
    user = request.user
    status = request.GET.get("status", Handover.Status.OPEN)
    if status not in Handover.Status.values and status != "all":
        status = Handover.Status.OPEN
    rows = list(handovers_for_user(user=user, status="" if status == "all" else status)[:200])
    caps = user.caps
    lines = []
    scope = scope_for(user)
    for handover in rows:
        traveller = handover.passage_person
        id_number, phone = caps.identifiers(traveller.id_number, traveller.phone)
        lines.append((handover, id_number, phone, scope.covers(handover.person)))
    if rows:
        audit_log(
            actor=user,
            action=AuditEvent.Action.READ,
            object_type="handover_list",
            detail={"persons": [h.person_id for h in rows], "status": status},
            request=request,
        )
    context = {"lines": lines, "status": status, "statuses": Handover.Status.choices}
    return render(request, "checkpoints/handover_list.html", context)


@scoped
def handover_update(request: ScopedRequest, handover_id: int) -> HttpResponse:
    handover = handover_get_for_user(user=request.user, handover_id=handover_id)  # 404 before 405
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        handover_close(
            actor=request.user,
            handover=handover,
            status=request.POST.get("status", ""),
            note=request.POST.get("note", "")[:200],
        )
    except CheckpointInvalid as exc:
        for error in exc.errors:
            messages.error(request, error.message)
    else:
        messages.success(request, _("已记录处理结果。"))
    return redirect("checkpoints:handovers")


def _district_for(request: ScopedRequest, region_id: int | None) -> Region:
    if region_id is not None:
        region = region_get_for_user(user=request.user, region_id=region_id)
    else:
        roots = region_roots_for_user(user=request.user)
        if not roots:
            raise Http404
        region = roots[0]
    return Region.objects.get(pk=region.depth_ids[0])


@scoped
def road_coverage(request: ScopedRequest) -> HttpResponse:
    """The district's road network: roads crossing the boundary, blind spots, proposed new points."""
    user = request.user
    district = _district_for(request, None)
    network = roads.current_network(district.pk)
    errors: list[str] = []
    if request.method == "POST":
        if user.role != Role.DISTRICT_HQ:
            raise PermissionDenied
        road_file = request.FILES.get("roads")
        boundary_file = request.FILES.get("boundary")
        try:
            network = roads.network_import(
                actor=user,
                district=district,
                name=request.POST.get("name", ""),
                roads=road_file.read() if road_file else b"",
                boundary=boundary_file.read() if boundary_file else None,
            )
        except roads.RoadImportError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("路网已导入并完成覆盖分析。"))
            return redirect("checkpoints:roads")
    view = roads.coverage_of(network) if network is not None else None
    context = {
        "district": district,
        "network": network,
        "coverage": view.coverage if view else None,
        "errors": errors,
        "can_import": user.role == Role.DISTRICT_HQ,
    }
    return render(request, "checkpoints/road_coverage.html", context, status=400 if errors else 200)


@scoped
def road_map(request: ScopedRequest) -> HttpResponse:
    """The coverage map as an SVG image (no script, no external resource)."""
    district = _district_for(request, None)
    network = roads.current_network(district.pk)
    if network is None:
        raise Http404
    response = HttpResponse(roads.coverage_svg(network), content_type="image/svg+xml; charset=utf-8")
    # The SVG styles itself with presentation attributes (fill, stroke), which CSP does not govern: it
    # needs no style-src at all, so nothing inline may run or style it when opened on its own.
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
