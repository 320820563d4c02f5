"""Printable monitoring documents: the 14-day form of an episode."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from epigrid.core.access import ScopedRequest, scoped
from epigrid.monitoring.printable import monitoring_form


@scoped
def episode_form(request: ScopedRequest, episode_id: int) -> HttpResponse:
    """Print the 居家隔离人员健康监测登记表 of one episode, filled from its checks (the print is logged)."""
    form = monitoring_form(user=request.user, episode_id=episode_id, request=request)
    return render(request, "monitoring/episode_form.html", {"form": form})
