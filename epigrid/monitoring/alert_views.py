"""The grid roster (phone first, each slot saved with htmx), the "not reported" list and the alerts page.

Every list is read through ``epigrid.monitoring.alerts`` (scoped, masked by role, logged); a check is
written only by ``epigrid.monitoring.checks.check_record`` and an acknowledgement by
``alerts.alert_acknowledge``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from epigrid.core.access import ScopedRequest, requires, scoped
from epigrid.core.clock import local_today, now
from epigrid.monitoring.alerts import (
    AckInvalid,
    RosterCell,
    alert_acknowledge,
    alerts_for_user,
    episode_for_roster,
    grid_for_roster,
    not_reported,
    roster,
    roster_cell,
    roster_progress,
)
from epigrid.monitoring.checks import CheckInvalid, check_record, parse_temperature
from epigrid.monitoring.episode_selectors import episode_check, episode_in_scope
from epigrid.monitoring.models import AlertAck, HealthCheck
from epigrid.people.models import Symptom
from epigrid.regions.models import Level
from epigrid.regions.selectors import region_ancestors, region_get_for_user

# One tap records a normal reading: the usual axillary values of a healthy adult.
QUICK_TEMPERATURES = ("36.2", "36.4", "36.5", "36.6", "36.8")
# How far back the roster may be opened to enter a reading late (with its real time).
ROSTER_PAST_DAYS = 14


def _roster_day(raw: str | None) -> dt.date:
    """The day a roster shows: today unless a recent past day is asked for; anything else is 404."""
    today = local_today()
    if not raw:
        return today
    try:
        day = dt.date.fromisoformat(raw[:10])
    except ValueError:
        raise Http404 from None
    if day > today or (today - day).days > ROSTER_PAST_DAYS:
        raise Http404
    return day


def _symptom_choices() -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in Symptom.choices if value != Symptom.FEVER]


def _cell_context(
    cell: RosterCell, *, grid_id: int, errors: list[str] | None = None, typed: str = ""
) -> dict[str, object]:
    return {
        "cell": cell,
        "grid_id": grid_id,
        "quick": QUICK_TEMPERATURES,
        "symptom_choices": _symptom_choices(),
        "errors": errors or [],
        "typed": typed,
    }


@scoped
def roster_page(request: ScopedRequest, region_id: int) -> HttpResponse:
    """Everyone under observation in one grid, each slot of the day with its reading or quick entry."""
    user = request.user
    grid = grid_for_roster(user=user, region_id=region_id)
    day = _roster_day(request.GET.get("day"))
    moment = now()
    rows = roster(user=user, grid=grid, day=day, moment=moment, request=request)
    done = sum(1 for row in rows for cell in row.cells if cell.check is not None)
    context = {
        "region": grid,
        "ancestors": [*region_ancestors(region=grid, user=user), grid],
        "day": day,
        "today": local_today(),
        "previous": day - dt.timedelta(days=1) if (local_today() - day).days < ROSTER_PAST_DAYS else None,
        "next": day + dt.timedelta(days=1) if day < local_today() else None,
        "rows": rows,
        "done": done,
        "total": sum(len(row.cells) for row in rows),
        "can_write": user.caps.can_write,
        "quick": QUICK_TEMPERATURES,
        "symptom_choices": _symptom_choices(),
    }
    return render(request, "monitoring/roster.html", context)


@scoped
@requires("can_write")
def roster_check(request: ScopedRequest, region_id: int) -> HttpResponse:
    """Record one slot's reading from the roster and answer the updated cell (htmx), errors inline."""
    user = request.user
    grid = grid_for_roster(user=user, region_id=region_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    data = request.POST
    raw_episode = data.get("episode", "")
    if not raw_episode.isdigit() or len(raw_episode) > 18:
        raise Http404
    episode = episode_for_roster(user=user, grid=grid, episode_id=int(raw_episode))
    day = _roster_day(data.get("day"))
    slot = data.get("slot", "")
    if slot not in episode.policy.slot_keys:
        raise Http404
    # A quick button sends its value as "quick"; the typed field is "temperature".
    typed = (data.get("quick") or data.get("temperature", ""))[:10]
    errors: list[str] = []
    moment = now()
    try:
        temperature: Decimal | None = parse_temperature(typed)
        check_record(
            actor=user,
            episode=episode,
            day=day,
            slot=slot,
            temperature=temperature,
            symptoms=[s[:20] for s in data.getlist("symptoms")[:20]],
            went_out=data.get("went_out") == "1",
            channel=HealthCheck.Channel.ROSTER,
            recorded_at=moment,
        )
    except CheckInvalid as exc:
        errors = [str(e.message) for e in exc.errors]
    if not request.htmx:
        # Without scripts the form posts as a page: back to the roster, the outcome as a message.
        for error in errors:
            messages.error(request, f"{episode.person.name}：{error}")
        if not errors:
            messages.success(request, _("已保存 %(name)s 的体温。") % {"name": episode.person.name})
        url = f"{request.path.rsplit('check/', 1)[0]}?day={day:%Y-%m-%d}"
        return redirect(url)
    cell = roster_cell(episode=episode, slot_key=slot, day=day, moment=moment)
    context = _cell_context(cell, grid_id=grid.pk, errors=errors, typed=typed if errors else "")
    # The page's "measured X / Y" counter comes along, swapped out of band (hx-swap-oob).
    progress = roster_progress(user=user, grid=grid, day=day)
    return render(
        request, "monitoring/_roster_cell.html", {**context, "can_write": True, "progress": progress}
    )


def _ack_form_context(request: ScopedRequest) -> dict[str, str | SafeString]:
    """What every acknowledgement form of a page shares, worked out once rather than per row.

    A district's "not reported" list holds up to 400 forms: their URL, return address and the
    options of the action list are the same for each.
    """
    return {
        "ack_url": reverse("monitoring:ack"),
        "ack_next": request.get_full_path(),
        "ack_options": format_html_join(
            "",
            '<option value="{}">{}</option>',
            ((value, str(label)) for value, label in AlertAck.Action.choices),
        ),
    }


@scoped
def not_reported_page(request: ScopedRequest, region_id: int) -> HttpResponse:
    """Who has not reported a slot whose deadline has passed today, with phone links for callers."""
    user = request.user
    region = region_get_for_user(user=user, region_id=region_id)
    if region.level > Level.GRID:
        raise Http404
    moment = now()
    missed = not_reported(user=user, region=region, moment=moment, request=request)
    context = {
        "region": region,
        "ancestors": [*region_ancestors(region=region, user=user), region],
        "missed": missed,
        "moment": moment,
        "day": timezone.localdate(moment),
        "can_write": user.caps.can_write,
        **_ack_form_context(request),
    }
    return render(request, "monitoring/not_reported.html", context)


@scoped
def alerts_page(request: ScopedRequest) -> HttpResponse:
    """The user's alerts: abnormal readings not yet dealt with; escalated ones are marked."""
    user = request.user
    count, alerts = alerts_for_user(user, now(), request=request)
    labels = dict(Symptom.choices)
    context = {
        "count": count,
        "alerts": [(a, "、".join(str(labels.get(s, s)) for s in a.check.symptoms)) for a in alerts],
        "can_write": user.caps.can_write,
        **_ack_form_context(request),
    }
    return render(request, "monitoring/alerts.html", context)


@scoped
@requires("can_write")
def alert_ack(request: ScopedRequest) -> HttpResponse:
    """Record what was done about an alert or a missed slot (form on the alerts and not-reported pages)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    user = request.user
    data = request.POST
    raw_episode = data.get("episode", "")
    raw_check = data.get("check", "")
    if not raw_episode.isdigit() or len(raw_episode) > 18 or len(raw_check) > 18:
        raise Http404
    episode = episode_in_scope(user=user, episode_id=int(raw_episode))
    health_check = None
    if raw_check:
        if not raw_check.isdigit():
            raise Http404
        health_check = episode_check(episode=episode, check_id=int(raw_check))
        if health_check is None:
            raise Http404
    try:
        day = dt.date.fromisoformat(data.get("day", "")[:10])
    except ValueError:
        raise Http404 from None
    try:
        alert_acknowledge(
            actor=user,
            episode=episode,
            kind=data.get("kind", ""),
            day=day,
            slot=data.get("slot", "")[:10],
            action=data.get("action", ""),
            note=data.get("note", "")[:300],
            health_check=health_check,
            request=request,
        )
    except AckInvalid as exc:
        messages.error(request, f"{episode.person.name}：{exc.message}")
    else:
        messages.success(request, _("已记录对 %(name)s 的处置。") % {"name": episode.person.name})
    back = data.get("next", "")
    if back.startswith("/monitoring/") and "//" not in back:
        return redirect(back)
    return redirect("monitoring:alerts")
