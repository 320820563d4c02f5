"""Staff pages around health checks: an episode's self-report link (printable) and a check taken by phone.

Both are ``@scoped`` and need a role that writes: the episode is looked up inside the user's subtrees
(404 outside, as for a missing id), and the services check the scope again.
"""

from __future__ import annotations

import datetime as dt

import segno
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from epigrid.core.access import ScopedRequest, requires, scoped
from epigrid.core.clock import now
from epigrid.monitoring.checks import (
    CheckInvalid,
    check_record,
    link_create,
    link_revoke,
    parse_temperature,
)
from epigrid.monitoring.episode_selectors import episode_checks, episode_in_scope, open_episodes_in_household
from epigrid.monitoring.models import Episode, HealthCheck, ReportLink
from epigrid.monitoring.policy import slot_at, slots
from epigrid.people.models import Symptom


@scoped
@requires("can_write")
def episode_link(request: ScopedRequest, episode_id: int) -> HttpResponse:
    """Show whether the episode has a live self-report link; create (show once, to print) or revoke it."""
    episode = episode_in_scope(user=request.user, episode_id=episode_id)
    url = ""
    qr = ""
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "create":
                _created, token = link_create(actor=request.user, episode=episode)
                url, qr = _link_and_qr(request, token)
            elif action == "revoke":
                for link in ReportLink.objects.filter(episode=episode, revoked_at__isnull=True):
                    link_revoke(actor=request.user, link=link)
        except CheckInvalid as exc:
            error = "; ".join(str(e.message) for e in exc.errors)
    current = ReportLink.objects.filter(episode=episode, revoked_at__isnull=True).order_by("-created_at")
    context = {"episode": episode, "live": current.first(), "url": url, "qr": qr, "error": error}
    return render(request, "monitoring/check_link.html", context)


def _link_and_qr(request: ScopedRequest, token: str) -> tuple[str, SafeString]:
    """Return a self-report link's URL and its QR code as inline SVG."""
    url = request.build_absolute_uri(reverse("self_report", args=[token]))
    # An inline SVG: no image request, prints sharp; error level M survives a creased sheet.
    svg = segno.make(url, error="m").svg_inline(scale=5, title=_("健康自报二维码"))
    return url, mark_safe(svg)  # noqa: S308 (segno's SVG of a URL we built; the title is our own text)


@scoped
@requires("can_write")
def household_sheet(request: ScopedRequest, household_id: int) -> HttpResponse:
    """Print one self-report QR card per person of a household under observation.

    Printing makes new links for all of them (the old ones stop working), since a link is shown only
    when it is made; a GET shows who is on the sheet and asks first.
    """
    episodes = open_episodes_in_household(user=request.user, household_id=household_id)
    cards: list[tuple[Episode, str, SafeString]] = []
    if request.method == "POST" and episodes:
        for episode in episodes:
            _link, token = link_create(actor=request.user, episode=episode)
            cards.append((episode, *_link_and_qr(request, token)))
    household = episodes[0].household if episodes else None
    context = {"episodes": episodes, "cards": cards, "household": household, "household_id": household_id}
    return render(request, "monitoring/household_sheet.html", context)


@scoped
@requires("can_write")
def episode_phone_check(request: ScopedRequest, episode_id: int) -> HttpResponse:
    """Record a check taken by phone (channel ``phone``); late entries keep the time they were taken."""
    episode = episode_in_scope(user=request.user, episode_id=episode_id)
    policy = episode.policy
    moment = now()
    values: dict[str, object] = {
        "day": timezone.localdate(moment).isoformat(),
        "slot": slot_at(policy, moment),
        "time": timezone.localtime(moment).strftime("%H:%M"),
        "temperature": "",
        "symptoms": [],
        "went_out": False,
    }
    errors: list[str] = []
    recorded: HealthCheck | None = None
    status = 200
    if request.method == "POST":
        data = request.POST
        values = {
            "day": data.get("day", ""),
            "slot": data.get("slot", ""),
            "time": data.get("time", ""),
            "temperature": data.get("temperature", "")[:10],
            "symptoms": data.getlist("symptoms"),
            "went_out": data.get("went_out") == "1",
        }
        try:
            day = dt.date.fromisoformat(str(values["day"]))
            at = timezone.make_aware(dt.datetime.combine(day, dt.time.fromisoformat(str(values["time"]))))
        except ValueError:
            errors.append(_("日期或时间无效"))
        else:
            try:
                recorded = check_record(
                    actor=request.user,
                    episode=episode,
                    day=day,
                    slot=str(values["slot"]),
                    temperature=parse_temperature(str(values["temperature"])),
                    symptoms=[str(s) for s in data.getlist("symptoms")],
                    went_out=bool(values["went_out"]),
                    channel=HealthCheck.Channel.PHONE,
                    recorded_at=at,
                )
            except CheckInvalid as exc:
                errors = [str(e.message) for e in exc.errors]
        if errors:
            status = 400
    recent = episode_checks(episode=episode)

    return render(
        request,
        "monitoring/check_phone.html",
        {
            "episode": episode,
            "slots": slots(policy),
            "symptom_choices": [(k, Symptom(k).label if k in Symptom.values else k) for k in policy.symptoms],
            "values": values,
            "errors": errors,
            "recorded": recorded,
            "recent": recent[:6],
        },
        status=status,
    )
