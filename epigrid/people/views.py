"""A household and its members, and a person's record (the registry issue adds travel and history)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from epigrid.core.access import ScopedRequest, requires, scoped
from epigrid.people.placement import cadre_choices
from epigrid.people.selectors import people_in_household, person_get_for_user
from epigrid.regions.selectors import household_get_for_user, region_ancestors


@scoped
@requires("read_registry")
def person_detail(request: ScopedRequest, person_id: int) -> HttpResponse:
    """Open one person's record; the opening is logged."""
    view = person_get_for_user(user=request.user, person_id=person_id, request=request)
    grid = view.person.place
    ancestors = [*region_ancestors(region=grid, user=request.user), grid]
    cadres = cadre_choices(person=view.person) if request.user.caps.can_write else []
    context = {"view": view, "ancestors": ancestors, "region": grid, "cadres": cadres}
    return render(request, "people/person_detail.html", context)


@scoped
@requires("read_registry")
def household_detail(request: ScopedRequest, household_id: int) -> HttpResponse:
    """Show a household and its members, identifiers masked by role; the reading is logged."""
    user = request.user
    household = household_get_for_user(user=user, household_id=household_id)
    grid = household.grid
    context = {
        "household": household,
        "region": grid,
        "ancestors": [*region_ancestors(region=grid, user=user), grid],
        "members": people_in_household(user=user, household=household, request=request),
    }
    return render(request, "people/household_detail.html", context)
