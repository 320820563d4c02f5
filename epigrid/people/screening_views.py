"""Door-to-door screening pages: the visit form (phone first), the live lookup, a region's visits, a visit."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epigrid.core.access import ScopedRequest, requires, scoped
from epigrid.core.clock import now
from epigrid.people.placement import picked
from epigrid.people.screening import EntryInput, ScreeningInvalid, screening_record
from epigrid.people.screening_forms import (
    NEW_ROW_RE,
    ROWS_MAX,
    EntryForm,
    NewPersonForm,
    ScreeningForm,
    visited_at_initial,
)
from epigrid.people.screening_selectors import (
    person_lookup,
    screening_get_for_user,
    screening_members,
    screening_people,
    screenings_in_region,
)
from epigrid.people.selectors import PersonView
from epigrid.regions.models import Household, Level
from epigrid.regions.selectors import (
    household_get_for_user,
    region_ancestors,
    region_get_for_user,
    region_roots_for_user,
)


@dataclass(frozen=True)
class Row:
    """One person's block of the form: a registered person (``view``) or a new one."""

    key: str
    form: EntryForm
    view: PersonView | None = None
    member: bool = True
    pick: str = ""  # proof that a person from above the worker's level was found here by number


def _new_row(household: Household, data: object = None, key: str = "") -> Row:
    key = key or f"n{secrets.token_hex(3)}"
    lookup_url = reverse("screenings:lookup", args=[household.pk])
    form = NewPersonForm(data, prefix=key, lookup_url=lookup_url)
    return Row(key=key, form=form)


def _person_row(view: PersonView, data: object = None, *, member: bool, pick: str = "") -> Row:
    key = f"p{view.person.pk}"
    return Row(key=key, form=EntryForm(data, prefix=key), view=view, member=member, pick=pick)


@scoped
@requires("can_write")
def screening_new(request: ScopedRequest, household_id: int) -> HttpResponse:
    """Record a visit of a household: every member's presence and temperature, returnees, new people."""
    user = request.user
    household = household_get_for_user(user=user, household_id=household_id)
    members = screening_members(user=user, household=household, request=request)
    data = request.POST if request.method == "POST" else None
    rows = [_person_row(view, data, member=True) for view in members]
    status = 200
    if data is None:
        form = ScreeningForm(initial={"key": uuid.uuid4().hex, "visited_at": visited_at_initial(now())})
    else:
        form = ScreeningForm(data)
        member_ids = {view.person.pk for view in members}
        posted = [int(v) for v in data.getlist("persons") if v.isdigit() and len(v) < 19]
        extra = [pk for pk in dict.fromkeys(posted) if pk not in member_ids][:ROWS_MAX]
        picks = picked(data.getlist("picks")[:ROWS_MAX], household)
        shown = screening_people(
            user=user, household=household, person_ids=extra, picks=picks, request=request
        )
        rows += [
            _person_row(shown[pk], data, member=False, pick=picks.get(pk, "")) for pk in extra if pk in shown
        ]
        new_keys = [k for k in dict.fromkeys(data.getlist("new")) if NEW_ROW_RE.fullmatch(k)][:ROWS_MAX]
        rows += [_new_row(household, data, key) for key in new_keys]
        valid = form.is_valid()
        valid = all([row.form.is_valid() for row in rows]) and valid
        if valid:
            entries: list[EntryInput] = []
            for row in rows:
                if row.view is not None:
                    entries.append(row.form.entry(key=row.key, person_id=row.view.person.pk))
                elif isinstance(row.form, NewPersonForm) and not row.form.blank():
                    entries.append(row.form.entry(key=row.key, new_person=row.form.new_person()))
            try:
                result = screening_record(
                    actor=user,
                    household=household,
                    visited_at=form.cleaned_data["visited_at"],
                    entries=entries,
                    measures=form.cleaned_data["measures"],
                    notes=form.cleaned_data["notes"],
                    idempotency_key=form.cleaned_data["key"],
                    picks=picks,
                )
            except ScreeningInvalid as exc:
                by_key = {row.key: row.form for row in rows}
                for error in exc.errors:
                    target: forms.Form = by_key.get(error.row, form)
                    target.add_error(error.field if error.field in target.fields else None, error.message)
            else:
                if result.created:
                    messages.success(request, _("摸排记录已保存。"))
                else:
                    messages.info(request, _("这次摸排已经保存过，未重复记录。"))
                return redirect("screenings:detail", result.screening.pk)
        status = 400
    grid = household.grid
    context = {
        "household": household,
        "form": form,
        "rows": rows,
        "region": grid,
        "ancestors": [*region_ancestors(region=grid, user=user), grid],
        "has_errors": status == 400,
    }
    return render(request, "people/screening_form.html", context, status=status)


@scoped
@requires("can_write")
def screening_lookup(request: ScopedRequest, household_id: int) -> HttpResponse:
    """Answer the live duplicate check of one new-person row (htmx fragment)."""
    user = request.user
    household = household_get_for_user(user=user, household_id=household_id)
    row = request.GET.get("row", "")
    if not NEW_ROW_RE.fullmatch(row):
        raise Http404
    result = person_lookup(
        user=user,
        household=household,
        id_number=request.GET.get(f"{row}-id_number", "")[:40],
        phone=request.GET.get(f"{row}-phone", "")[:40],
        request=request,
    )
    context = {"result": result, "row": row, "household": household}
    return render(request, "people/_screening_lookup.html", context)


@scoped
@requires("can_write")
def screening_row(request: ScopedRequest, household_id: int) -> HttpResponse:
    """Return a blank new-person row, or the row of a registered person the worker picked (htmx)."""
    user = request.user
    household = household_get_for_user(user=user, household_id=household_id)
    raw = request.GET.get("person", "")
    if not raw:
        return render(request, "people/_screening_row.html", {"row": _new_row(household)})
    if not raw.isdigit() or len(raw) > 18:
        raise Http404
    picks = picked([request.GET.get("pick", "")], household)
    shown = screening_people(
        user=user, household=household, person_ids=[int(raw)], picks=picks, request=request
    )
    if not shown:
        raise Http404
    view = next(iter(shown.values()))
    row = _person_row(
        view, member=view.person.household_id == household.pk, pick=picks.get(view.person.pk, "")
    )
    return render(request, "people/_screening_row.html", {"row": row})


class DateRangeForm(forms.Form):
    since = forms.DateField(
        label=gettext_lazy("从"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("开始日期无效，请按 2020-01-28 的格式填写")},
    )
    until = forms.DateField(
        label=gettext_lazy("至"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("结束日期无效，请按 2020-01-28 的格式填写")},
    )


@scoped
def screening_list(request: ScopedRequest, region_id: int) -> HttpResponse:
    """List a region's visits, newest first, with the figures of the chosen days."""
    user = request.user
    region = region_get_for_user(user=user, region_id=region_id)
    if region.level > Level.GRID:
        raise Http404
    dates = DateRangeForm(request.GET)
    dates.is_valid()
    # A bad bound is reported beside its input and left out; the other one still applies.
    since: dt.date | None = dates.cleaned_data.get("since")
    until: dt.date | None = dates.cleaned_data.get("until")
    page, figures = screenings_in_region(
        user=user, region=region, since=since, until=until, page=request.GET.get("page")
    )
    query = "&".join(
        f"{name}={value:%Y-%m-%d}" for name, value in (("since", since), ("until", until)) if value
    )
    context = {
        "region": region,
        "ancestors": [*region_ancestors(region=region, user=user), region],
        "dates": dates,
        "page": page,
        "figures": figures,
        "query": query,
    }
    return render(request, "people/screening_list.html", context)


@scoped
def screening_home(request: ScopedRequest) -> HttpResponse:
    """Send the user to the visits of the top region they work in."""
    for root in region_roots_for_user(user=request.user):
        if root.level <= Level.GRID:
            return redirect("screenings:list", root.pk)
    return render(request, "people/screening_list.html", {"region": None})


@scoped
def screening_detail(request: ScopedRequest, screening_id: int) -> HttpResponse:
    """Show one visit: who was there, temperatures, symptoms, travel and measures; the opening is logged."""
    user = request.user
    screening = screening_get_for_user(user=user, screening_id=screening_id, request=request)
    grid = screening.grid
    context = {
        "screening": screening,
        "entries": list(screening.entries.all()),
        "region": grid,
        "ancestors": [*region_ancestors(region=grid, user=user), grid],
    }
    return render(request, "people/screening_detail.html", context)
