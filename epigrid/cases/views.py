"""Case pages: a region's classified people, and a person's classification, measures and contacts."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from epigrid.cases.contacts import NewContact, contact_register
from epigrid.cases.forms import ClassifyForm, ContactForm, MeasureForm
from epigrid.cases.models import Classification
from epigrid.cases.selectors import (
    CASES_PER_PAGE,
    audit_case_listing,
    cases_in_region,
    classification_of,
    contact_regions,
    four_category_counts,
    four_category_measured,
    person_for_case_write,
)
from epigrid.cases.services import CaseError, classification_set, measure_record
from epigrid.cases.transitions import allowed_next, label
from epigrid.core.access import ScopedRequest, requires, scoped
from epigrid.monitoring.episode_selectors import rooms_for_person_district
from epigrid.people.models import Person
from epigrid.people.search import person_search
from epigrid.people.selectors import PersonView, person_get_for_user
from epigrid.regions.models import Level
from epigrid.regions.selectors import region_ancestors, region_get_for_user, region_roots_for_user


def _day(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@scoped
def case_home(request: ScopedRequest) -> HttpResponse:
    """Send the user to the cases of the top region they work in."""
    for root in region_roots_for_user(user=request.user):
        if root.level <= Level.GRID:
            return redirect("cases:list", root.pk)
    return render(request, "cases/case_list.html", {"region": None})


@scoped
def case_list(request: ScopedRequest, region_id: int) -> HttpResponse:
    """List a region's classified people, newest change first, by classification and date range."""
    user = request.user
    region = region_get_for_user(user=user, region_id=region_id)
    classification = request.GET.get("classification", "")
    if classification not in Classification.values:
        classification = ""
    since_from, since_to = _day(request.GET.get("from", "")), _day(request.GET.get("to", ""))
    rows = cases_in_region(
        user=user, region=region, classification=classification, since_from=since_from, since_to=since_to
    )
    page = Paginator(rows, CASES_PER_PAGE).get_page(request.GET.get("page"))
    audit_case_listing(user=user, region=region, person_ids=[s.person_id for s in page], request=request)
    query = {
        "classification": classification,
        "from": since_from.isoformat() if since_from else "",
        "to": since_to.isoformat() if since_to else "",
    }
    context = {
        "region": region,
        "ancestors": [*region_ancestors(region=region, user=user), region],
        "page": page,
        "counts": four_category_counts(region),
        "measured": four_category_measured(region),
        "classifications": Classification.choices,
        "filters": query,
        "query": "&".join(f"{k}={v}" for k, v in query.items() if v),
    }
    return render(request, "cases/case_list.html", context)


def _person_context(request: ScopedRequest, view: PersonView) -> dict[str, object]:
    place = view.person.place
    return {
        "view": view,
        "region": place,
        "ancestors": [*region_ancestors(region=place, user=request.user), place],
    }


@scoped
@requires("classify_cases")
def classify(request: ScopedRequest, person_id: int) -> HttpResponse:
    """Change a person's classification; the choices are the transitions allowed from the current one."""
    user = request.user
    view = person_get_for_user(user=user, person_id=person_id, request=request)
    current = classification_of(person=view.person)
    data = request.POST if request.method == "POST" else None
    form = ClassifyForm(data, allowed=allowed_next(current))
    status = 200
    if data is not None:
        status = 400
        if form.is_valid():
            try:
                classification_set(
                    actor=user,
                    person=view.person,
                    to=form.cleaned_data["to"],
                    reason=form.cleaned_data["reason"],
                    source=form.cleaned_data["source"],
                    onset_date=form.cleaned_data["onset_date"],
                    note=form.cleaned_data["note"],
                )
            except CaseError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("已改为%(to)s。") % {"to": label(form.cleaned_data["to"])})
                return redirect("people:detail", view.person.pk)
    context = {
        **_person_context(request, view),
        "form": form,
        "current": label(current),
    }
    return render(request, "cases/classify_form.html", context, status=status)


@scoped
@requires("can_write")
def measure_new(request: ScopedRequest, person_id: int) -> HttpResponse:
    """Record a measure; observation measures open or extend the person's observation episode."""
    user = request.user
    view = person_get_for_user(user=user, person_id=person_id, request=request)
    rooms = rooms_for_person_district(district_id=view.person.district_id)
    data = request.POST if request.method == "POST" else None
    form = MeasureForm(data, rooms=rooms)
    status = 200
    if data is not None:
        status = 400
        if form.is_valid():
            try:
                measure = measure_record(
                    actor=user,
                    person=view.person,
                    kind=form.cleaned_data["kind"],
                    room=form.cleaned_data["room"],
                    last_exposure=form.cleaned_data["last_exposure"],
                    place=form.cleaned_data["place"],
                    note=form.cleaned_data["note"],
                )
            except CaseError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("已记录措施：%(kind)s。") % {"kind": measure.get_kind_display()})
                return redirect("people:detail", view.person.pk)
    context = {**_person_context(request, view), "form": form}
    return render(request, "cases/measure_form.html", context, status=status)


def _contact_input(request: ScopedRequest, form: ContactForm, case: PersonView) -> Person | NewContact:
    """Return the picked registry person, or the new person's data, from a valid form."""
    data = form.cleaned_data
    if data["contact_id"]:
        return person_for_case_write(user=request.user, person_id=data["contact_id"])
    household = case.person.household if data["same_household"] else None
    return NewContact(
        name=data["name"],
        sex=data["sex"],
        id_number=data["id_number"],
        phone=data["phone"],
        household=household,
        region=data["region"],
    )


@scoped
@requires("classify_cases")
def contact_new(request: ScopedRequest, person_id: int) -> HttpResponse:
    """Register a contact of a case: pick them through the registry lookup, or enter a new person."""
    user = request.user
    view = person_get_for_user(user=user, person_id=person_id, request=request)
    regions = contact_regions(user=user, person=view.person)
    data = request.POST if request.method == "POST" else None
    form = ContactForm(data, regions=regions, initial={"region": regions[-1].pk if regions else None})
    status = 200
    lookup = None
    if data is not None:
        status = 400
        if "lookup" in data:  # the search button of the form without scripts: show the matches
            lookup = person_search(user=user, text=data.get("q", "")[:60], request=request)
            form = ContactForm(initial=data.dict(), regions=regions)
            status = 200
        elif form.is_valid():
            try:
                contact = _contact_input(request, form, view)
                result = contact_register(
                    actor=user,
                    case=view.person,
                    contact=contact,
                    setting=form.cleaned_data["setting"],
                    last_exposure=form.cleaned_data["last_exposure"],
                    source=form.cleaned_data["source"],
                )
            except CaseError as exc:
                form.add_error(None, exc.message)
            else:
                name = result.contact.contact.name
                if result.created:
                    messages.success(request, _("已登记密切接触者 %(name)s。") % {"name": name})
                else:
                    messages.success(request, _("%(name)s 已登记过，已更新末次接触日期。") % {"name": name})
                if result.episode_note:
                    messages.warning(request, result.episode_note)
                return redirect("people:detail", view.person.pk)
    household = ["same_household"] if view.person.household_id else []
    context = {
        **_person_context(request, view),
        "form": form,
        "lookup": lookup,
        "new_fields": [form[name] for name in ("name", "sex", "id_number", "phone", *household, "region")],
        "exposure_fields": [form[name] for name in ("setting", "last_exposure", "source")],
    }
    return render(request, "cases/contact_form.html", context, status=status)


@scoped
@requires("classify_cases")
def contact_lookup(request: ScopedRequest, person_id: int) -> HttpResponse:
    """Answer the contact form's live registry lookup (htmx fragment): people in scope, masked."""
    user = request.user
    case = person_for_case_write(user=user, person_id=person_id)
    text = request.GET.get("q", "").strip()[:60]
    result = person_search(user=user, text=text, request=request) if len(text) >= 2 else None
    if result is not None:  # the case is not their own contact
        result = replace(result, people=[v for v in result.people if v.person.pk != case.pk])
    return render(request, "cases/_contact_lookup.html", {"lookup": result, "q": text})
