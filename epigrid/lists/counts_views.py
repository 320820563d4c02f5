"""The report counts page: lists received, returnees, their families, as of a cut-off."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from epigrid.core.access import ScopedRequest, scoped
from epigrid.core.clock import now
from epigrid.lists.counts import returnee_counts
from epigrid.regions.selectors import region_ancestors, region_get_for_user, region_roots_for_user


def _as_of(day: str, hour: str) -> dt.datetime | None:
    """Read a cut-off from the form: a date and an hour (reports cut off at 18:00)."""
    try:
        date = dt.date.fromisoformat(day)
        clock = dt.time.fromisoformat(hour or "18:00")
    except ValueError:
        return None
    return timezone.make_aware(dt.datetime.combine(date, clock))


@scoped
def counts(request: ScopedRequest) -> HttpResponse:
    """Show the counts for one region of the user's scope as of a cut-off (default: now)."""
    user = request.user
    roots = region_roots_for_user(user=user)
    region_id = request.GET.get("region", "")
    if region_id.isdigit():
        region = region_get_for_user(user=user, region_id=int(region_id))
    elif roots:
        region = roots[0]
    else:
        return render(request, "lists/counts.html", {"region": None, "roots": roots})
    error = ""
    as_of = now()
    if request.GET.get("day"):
        chosen = _as_of(request.GET["day"], request.GET.get("hour", ""))
        if chosen is None:
            error = _("日期或时间格式不对，已按当前时间统计。")
        else:
            as_of = chosen
    local = timezone.localtime(as_of)
    context = {
        "region": region,
        "roots": roots,
        "ancestors": [*region_ancestors(region=region, user=user), region],
        "counts": returnee_counts(region=region, as_of=as_of),
        "day": local.date().isoformat(),
        "hour": local.strftime("%H:%M"),
        "error": error,
    }
    return render(request, "lists/counts.html", context, status=400 if error else 200)
