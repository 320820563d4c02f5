"""Find people, list the ones not yet found at a door, place one in a household, name a cadre."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from epigrid.core.access import ScopedRequest, requires, scoped
from epigrid.core.models import User
from epigrid.people.placement import PlacementError, cadre_choices, person_place, person_set_cadre
from epigrid.people.search import (
    person_search,
    unplaced_for_household,
    unplaced_for_user,
    unplaced_person_for_household,
)
from epigrid.people.selectors import person_get_for_user
from epigrid.regions.selectors import household_get_for_user, region_ancestors


@scoped
@requires("read_registry")
def search(request: ScopedRequest) -> HttpResponse:
    """Search people in scope by ID number, phone or name (homophones included)."""
    text = request.GET.get("q", "").strip()
    result = person_search(user=request.user, text=text, request=request) if text else None
    return render(request, "people/search.html", {"q": text[:60], "result": result})


@scoped
@requires("read_registry")
def unplaced(request: ScopedRequest) -> HttpResponse:
    """List the people the lists sent down who have not been found at a door yet."""
    page = unplaced_for_user(user=request.user, page=request.GET.get("page"))
    caps = request.user.caps
    shown = [(p, *caps.identifiers(p.id_number, p.phone)) for p in page]
    return render(request, "people/unplaced.html", {"page": page, "shown": shown})


@scoped
@requires("can_write")
def household_place(request: ScopedRequest, household_id: int) -> HttpResponse:
    """Put a person a list sent down into this household (the worker found them here)."""
    user = request.user
    household = household_get_for_user(user=user, household_id=household_id)
    error = ""
    if request.method == "POST":
        person_id = request.POST.get("person", "")
        person = (
            unplaced_person_for_household(
                user=user, household=household, person_id=int(person_id), pick=request.POST.get("pick", "")
            )
            if person_id.isdigit() and len(person_id) < 12
            else None
        )
        if person is None:
            error = _("请选择要落户的人员。")
        else:
            try:
                person_place(
                    actor=user, person=person, household=household, relation=request.POST.get("relation", "")
                )
            except PlacementError as exc:
                error = exc.message
            else:
                messages.success(request, _("已落户到本户。"))
                return redirect("people:household", household.pk)
    text = request.GET.get("q", "").strip()
    context = {
        "household": household,
        "region": household.grid,
        "ancestors": [*region_ancestors(region=household.grid, user=user), household.grid],
        "candidates": unplaced_for_household(user=user, household=household, text=text, request=request),
        "q": text[:60],
        "error": error,
    }
    return render(request, "people/household_place.html", context, status=400 if error else 200)


@scoped
@requires("can_write")
def person_cadre(request: ScopedRequest, person_id: int) -> HttpResponse:
    """Name the cadre responsible for a person (POST), from the staff who work where they live."""
    user = request.user
    view = person_get_for_user(user=user, person_id=person_id, request=request)
    if request.method != "POST":
        return redirect("people:detail", view.person.pk)
    cadre_id = request.POST.get("cadre", "")
    cadre: User | None = None
    if cadre_id:
        choices = {str(u.pk): u for u in cadre_choices(person=view.person)}
        if cadre_id not in choices:
            raise PermissionDenied
        cadre = choices[cadre_id]
    try:
        person_set_cadre(actor=user, person=view.person, cadre=cadre)
    except PlacementError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已更新包保人。"))
    return redirect("people:detail", view.person.pk)
