"""A person's record (the registry issue extends it with travel, screening and history)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from epigrid.core.access import ScopedRequest, scoped
from epigrid.people.selectors import person_get_for_user
from epigrid.regions.selectors import region_ancestors


@scoped
def person_detail(request: ScopedRequest, person_id: int) -> HttpResponse:
    """Open one person's record; the opening is logged."""
    view = person_get_for_user(user=request.user, person_id=person_id, request=request)
    grid = view.person.grid
    ancestors = [*region_ancestors(region=grid, user=request.user), grid]
    return render(
        request, "people/person_detail.html", {"view": view, "ancestors": ancestors, "region": grid}
    )
