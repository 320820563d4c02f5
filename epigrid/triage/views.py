"""Pages of the triage app: the region's list of fever visits (发热就诊) for villages, grids, towns and
HQ; a clinic's registration page and its list of the day; one visit; the ID lookup while typing.

All ``@scoped``: visits are read through ``triage.selectors`` (404 outside the caller's scope, as for a
missing id), facilities only where the caller records visits; the service checks role and scope again.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from epigrid.core.access import ScopedRequest, scoped
from epigrid.core.audit import audit_log
from epigrid.core.clock import local_today
from epigrid.core.models import AuditEvent, User
from epigrid.lib.idcard import parse_id
from epigrid.monitoring.policy import current_policy
from epigrid.people.models import Symptom
from epigrid.people.selectors import present
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import scope_for, subtree_q
from epigrid.regions.selectors import region_get_for_user
from epigrid.resources.models import Facility
from epigrid.triage.errors import TriageInvalid
from epigrid.triage.matching import person_by_id_number
from epigrid.triage.models import Disposition
from epigrid.triage.selectors import (
    facilities_for_triage,
    facility_get_for_triage,
    visit_get_for_user,
    visit_lines,
    visits_for_user,
)
from epigrid.triage.services import VisitInput, fever_visit_record

LIST_LIMIT = 200
DAYS_SHOWN = 7


def _history_fields() -> list[tuple[str, str]]:
    return [
        ("from_outbreak_area", _("来自疫区")),
        ("via_outbreak_area", _("途经疫区")),
        ("case_contact", _("病例接触史")),
        ("cluster", _("聚集性发病")),
    ]


def _day(raw: str, default: dt.date | None) -> dt.date | None:
    parsed = parse_date(raw) if raw else None
    return parsed or default


@scoped
def visit_list(request: ScopedRequest) -> HttpResponse:
    """发热就诊: the visits of the residents of the user's area, newest first, with today's count."""
    user = request.user
    region: Region | None = None
    if request.GET.get("region", "").isdigit():
        region = region_get_for_user(user=user, region_id=int(request.GET["region"]))
    day = _day(request.GET.get("day", ""), None)
    disposition = request.GET.get("disposition", "")
    rows = visits_for_user(user=user, region=region, day=day, disposition=disposition)
    if day is None:
        since = timezone.make_aware(
            dt.datetime.combine(local_today() - dt.timedelta(days=DAYS_SHOWN - 1), dt.time.min)
        )
        rows = rows.filter(visited_at__gte=since)
    visits = list(rows[:LIST_LIMIT])
    lines = visit_lines(user=user, visits=visits, request=request)
    today = visits_for_user(user=user, region=region, day=local_today()).count()
    context = {
        "lines": lines,
        "region": region,
        "day": day,
        "disposition": disposition,
        "dispositions": Disposition.choices,
        "today": today,
        "days_shown": DAYS_SHOWN,
        "facilities": list(facilities_for_triage(user=user)),
    }
    return render(request, "triage/visit_list.html", context)


@scoped
def facility_day(request: ScopedRequest, facility_id: int) -> HttpResponse:
    """A clinic's visits of one day (default today), newest first."""
    user = request.user
    facility = facility_get_for_triage(user=user, facility_id=facility_id)
    day = _day(request.GET.get("day", ""), local_today()) or local_today()
    visits = list(visits_for_user(user=user, facility=facility, day=day)[:LIST_LIMIT])
    lines = visit_lines(user=user, visits=visits, request=request)
    counts: dict[str, int] = {}
    for line in lines:
        counts[line.visit.disposition] = counts.get(line.visit.disposition, 0) + 1
    context = {
        "facility": facility,
        "day": day,
        "previous": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1) if day < local_today() else None,
        "lines": lines,
        "counts": [(label, counts.get(code, 0)) for code, label in Disposition.choices],
    }
    return render(request, "triage/facility_day.html", context)


def _regions(user: User, facility: Facility) -> list[Region]:
    """The towns and villages of the facility's district a new patient may be registered at."""
    rows = Region.objects.filter(
        scope_for(user).regions_q(), subtree_q(facility.district.path), level__in=[Level.TOWN, Level.VILLAGE]
    )
    return list(rows.order_by("path")[:2000])


def _input(request: ScopedRequest, regions: list[Region]) -> VisitInput:
    post = request.POST
    region = next((r for r in regions if str(r.pk) == post.get("region", "")), None)
    chosen = post.get("person", "")
    visited_at = parse_datetime(post.get("visited_at", "")) if post.get("visited_at") else None
    if visited_at is not None and timezone.is_naive(visited_at):
        visited_at = timezone.make_aware(visited_at)
    return VisitInput(
        temperature=post.get("temperature", "")[:10],
        disposition=post.get("disposition", ""),
        doctor=post.get("doctor", "")[:60],
        symptoms=post.getlist("symptoms")[:20],
        from_outbreak_area=bool(post.get("from_outbreak_area")),
        via_outbreak_area=bool(post.get("via_outbreak_area")),
        case_contact=bool(post.get("case_contact")),
        cluster=bool(post.get("cluster")),
        person_id=int(chosen) if chosen.isdigit() else None,
        new_person=chosen == "new",
        name=post.get("name", "")[:60],
        id_number=post.get("id_number", "")[:40],
        phone=post.get("phone", "")[:30],
        region=region,
        visited_at=visited_at,
        note=post.get("note", "")[:250],
        idempotency_key=post.get("key", "")[:64],
    )


@scoped
def visit_new(request: ScopedRequest, facility_id: int) -> HttpResponse:
    """Register a visit at a clinic: the patient, the reading, the history, the disposition."""
    user = request.user
    facility = facility_get_for_triage(user=user, facility_id=facility_id)
    regions = _regions(user, facility)
    errors: dict[str, list[str]] = {}
    candidates: list[Any] = []
    data: dict[str, Any] = {"symptoms": [], "key": secrets.token_urlsafe(16)}
    if request.method == "POST":
        data = {key: request.POST.get(key, "") for key in request.POST}
        data["symptoms"] = request.POST.getlist("symptoms")
        try:
            result = fever_visit_record(actor=user, facility=facility, data=_input(request, regions))
        except TriageInvalid as exc:
            errors = exc.by_field
            candidates = [present(person=p, user=user) for p in exc.candidates]
            if candidates:
                audit_log(
                    actor=user, action=AuditEvent.Action.READ, object_type="triage_candidates",
                    detail={"persons": [p.pk for p in exc.candidates]}, request=request,
                )  # fmt: skip
        else:
            messages.success(request, _("已登记。") if result.created else _("该就诊已登记，没有重复保存。"))
            return redirect("triage:visit", result.visit.pk)
    symptom_labels = dict(Symptom.choices)
    context = {
        "facility": facility,
        "regions": regions,
        "errors": errors,
        "candidates": candidates,
        "data": data,
        "symptoms": [(code, symptom_labels.get(code, code)) for code in current_policy().symptoms],
        "history": _history_fields(),
        "checked": [name for name, _label in _history_fields() if data.get(name)],
        "dispositions": Disposition.choices,
        "today": visits_for_user(user=user, facility=facility, day=local_today()).count(),
    }
    return render(request, "triage/visit_form.html", context, status=400 if errors else 200)


@scoped
def person_lookup(request: ScopedRequest, facility_id: int) -> HttpResponse:
    """While typing an ID number: is it valid, and is this person registered (then linked, not duplicated)?"""
    user = request.user
    facility = facility_get_for_triage(user=user, facility_id=facility_id)
    raw = request.GET.get("id_number", "")[:40]
    context: dict[str, object] = {}
    if raw.strip():
        parsed = parse_id(raw)
        if not parsed.valid or parsed.normalized is None:
            context["error"] = parsed.error
        else:
            person = person_by_id_number(actor=user, id_number=parsed.normalized)
            if person is None:
                context["new"] = True
            else:
                audit_log(
                    actor=user, action=AuditEvent.Action.READ, object_type="triage_lookup",
                    object_id=person.pk, region_path=facility.district.path, detail={"by": "id_number"},
                    request=request,
                )  # fmt: skip
                place = " ".join(r.name for r in (person.town, person.village, person.grid) if r is not None)
                context["found"] = {"name": person.name, "place": place}
    return render(request, "triage/_lookup.html", context)


@scoped
def visit_detail(request: ScopedRequest, visit_id: int) -> HttpResponse:
    """One visit: the patient (masked for the role), the reading, the history, what it did."""
    user = request.user
    line = visit_get_for_user(user=user, visit_id=visit_id, request=request)
    visit = line.visit
    symptom_labels = dict(Symptom.choices)
    context = {
        "line": line,
        "visit": visit,
        "symptoms": [symptom_labels.get(code, code) for code in visit.symptoms],
        "history": [label for name, label in _history_fields() if getattr(visit, name)],
        "can_record": user.caps.record_triage and visit.recorded_by_id == user.pk,
        "may_open_person": scope_for(user).covers(visit.person),
    }
    return render(request, "triage/visit_detail.html", context)
