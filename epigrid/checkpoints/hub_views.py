"""Pages of a transport-hub screening point: its observation room (who is in it, places free, re-checks
and outcomes) and its outside-district handover list (on screen, printed on A4, as xlsx)."""

from __future__ import annotations

import datetime as dt
import tempfile

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from epigrid.checkpoints.errors import CheckpointInvalid
from epigrid.checkpoints.models import Checkpoint, HubObservation
from epigrid.checkpoints.observation import observation_record
from epigrid.checkpoints.outside import (
    chinese_date,
    headers,
    outside_handovers,
    outside_xlsx,
    period,
    range_error,
)
from epigrid.checkpoints.selectors import checkpoint_get_for_user, observation_room, stay_get_for_user
from epigrid.core.access import ScopedRequest, scoped
from epigrid.privacy.exports import PurposeError, purpose_from_request, purpose_page, stamp_context, stamp_for
from epigrid.regions.selectors import region_ancestors


def _hub(request: ScopedRequest, checkpoint_id: int, *, room: bool = False) -> Checkpoint:
    """The hub in the user's scope; 404 for any other checkpoint (it has no room, no outside list)."""
    checkpoint = checkpoint_get_for_user(user=request.user, checkpoint_id=checkpoint_id)
    if not checkpoint.is_hub or (room and not checkpoint.has_observation_room):
        raise Http404
    return checkpoint


@scoped
def room(request: ScopedRequest, checkpoint_id: int) -> HttpResponse:
    """The observation room: who is in it now, places free, and a re-check or outcome for each stay."""
    user = request.user
    checkpoint = _hub(request, checkpoint_id, room=True)
    errors: dict[str, list[str]] = {}
    failed_stay = ""
    if request.method == "POST":
        if not user.caps.can_write:
            raise PermissionDenied
        raw = request.POST.get("stay", "")
        stay = (
            stay_get_for_user(user=user, checkpoint_id=checkpoint.pk, stay_id=int(raw))
            if raw.isdigit()
            else None
        )
        if stay is None:
            raise Http404
        try:
            result = observation_record(
                actor=user,
                stay=stay,
                outcome=request.POST.get("outcome", "")[:10],
                temperature=request.POST.get("temperature", "")[:10],
                clinic_name=request.POST.get("clinic_name", "")[:120],
                note=request.POST.get("note", "")[:220],
            )
        except CheckpointInvalid as exc:
            errors = exc.by_field
            failed_stay = raw
        else:
            if not result.changed:
                messages.info(request, _("这条留观记录已经保存过，没有重复保存。"))
            elif result.stay.outcome:
                messages.success(request, _("已结束留观：%(o)s。") % {"o": result.stay.get_outcome_display()})
            else:
                messages.success(request, _("已记录复测体温。"))
            if result.handover is not None:
                messages.success(
                    request,
                    _("已移交%(region)s，网格员可立即看到。") % {"region": result.handover.region.name},
                )
            return redirect("checkpoints:room", checkpoint.pk)
    today = timezone.localdate()
    context = {
        "checkpoint": checkpoint,
        "ancestors": [*region_ancestors(region=checkpoint.region, user=user), checkpoint.region],
        "room": observation_room(user=user, checkpoint=checkpoint, day=today, request=request),
        "outcomes": HubObservation.Outcome.choices,
        "errors": errors,
        "failed_stay": failed_stay,
        "data": request.POST if errors else {},
        "can_write": user.caps.can_write,
    }
    return render(request, "checkpoints/room.html", context, status=400 if errors else 200)


def _range(request: ScopedRequest) -> tuple[dt.date, dt.date, str]:
    """The days asked for: ?day= or ?start=&end= (default today); a bad value is today with the reason."""
    today = timezone.localdate()
    try:
        if request.GET.get("start") or request.GET.get("end"):
            start = dt.date.fromisoformat(request.GET.get("start") or request.GET.get("end", ""))
            end = dt.date.fromisoformat(request.GET.get("end") or request.GET.get("start", ""))
        else:
            start = end = dt.date.fromisoformat(request.GET["day"]) if request.GET.get("day") else today
    except ValueError:
        return today, today, _("日期格式应为 2026-11-29。")
    error = range_error(start, end)
    if error:
        return today, today, error
    return start, end, ""


@scoped
def outside(request: ScopedRequest, checkpoint_id: int) -> HttpResponse:
    """The outside-district handover list on screen, with the links to print it and to download it."""
    user = request.user
    checkpoint = _hub(request, checkpoint_id)
    start, end, error = _range(request)
    listing = outside_handovers(user=user, checkpoint=checkpoint, start=start, end=end, request=request)
    context = {
        "checkpoint": checkpoint,
        "ancestors": [*region_ancestors(region=checkpoint.region, user=user), checkpoint.region],
        "listing": listing,
        "period": period(listing),
        "headers": headers(),
        "error": error,
        "query": f"start={start.isoformat()}&end={end.isoformat()}",
        "start": start,
        "end": end,
    }
    return render(request, "checkpoints/outside_list.html", context, status=400 if error else 200)


@scoped
def outside_print(request: ScopedRequest, checkpoint_id: int) -> HttpResponse:
    """The list as the A4 sheet sent with the travellers' data (official layout; the exporter's name over
    every page; a purpose required; audited as an export)."""
    checkpoint = _hub(request, checkpoint_id)
    start, end, error = _range(request)
    if error:
        messages.error(request, error)
        return redirect("checkpoints:outside", checkpoint.pk)
    try:
        stamp = stamp_for(request.user, purpose_from_request(request))
    except PurposeError as exc:
        return purpose_page(request, str(exc), title=_("外地人员移交清单"))
    listing = outside_handovers(
        user=request.user, checkpoint=checkpoint, start=start, end=end, request=request, export=stamp,
        fmt="print",
    )  # fmt: skip
    context = {
        "listing": listing,
        "headers": headers(),
        "period": period(listing),
        "reported": chinese_date(timezone.localdate()),
        **stamp_context(stamp),
    }
    return render(request, "checkpoints/outside_print.html", context)


@scoped
def outside_download(request: ScopedRequest, checkpoint_id: int) -> HttpResponseBase:
    """The list as an xlsx file (A4 landscape, the same layout, the exporter's name in its header; a
    purpose required; audited as an export)."""
    checkpoint = _hub(request, checkpoint_id)
    start, end, error = _range(request)
    if error:
        messages.error(request, error)
        return redirect("checkpoints:outside", checkpoint.pk)
    try:
        stamp = stamp_for(request.user, purpose_from_request(request))
    except PurposeError as exc:
        return purpose_page(request, str(exc), title=_("外地人员移交清单"))
    listing = outside_handovers(
        user=request.user, checkpoint=checkpoint, start=start, end=end, request=request, export=stamp,
        fmt="xlsx",
    )  # fmt: skip
    out = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # FileResponse closes it
    outside_xlsx(listing, out, stamp=stamp)
    out.seek(0)
    name = f"外地人员移交清单-{checkpoint.pk}-{start.isoformat()}"
    if end != start:
        name += f"至{end.isoformat()}"
    return FileResponse(out, as_attachment=True, filename=f"{name}.xlsx")
