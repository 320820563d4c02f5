"""Printable monitoring documents: the 14-day form of an episode."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from epigrid.core.access import ScopedRequest, scoped
from epigrid.monitoring.episode_selectors import episode_in_scope
from epigrid.monitoring.printable import monitoring_form
from epigrid.privacy.exports import PurposeError, purpose_from_request, purpose_page, stamp_context, stamp_for


@scoped
def episode_form(request: ScopedRequest, episode_id: int) -> HttpResponse:
    """Print the 居家隔离人员健康监测登记表 of one episode, filled from its checks: a purpose is asked for
    first, the exporter's name is laid over the page and the printing is logged as an export."""
    episode_in_scope(user=request.user, episode_id=episode_id)  # a stranger gets 404, not the question
    try:
        stamp = stamp_for(request.user, purpose_from_request(request))
    except PurposeError as exc:
        return purpose_page(request, str(exc), title=_("居家隔离人员健康监测登记表"))
    form = monitoring_form(user=request.user, episode_id=episode_id, stamp=stamp, request=request)
    return render(request, "monitoring/episode_form.html", {"form": form, **stamp_context(stamp)})
