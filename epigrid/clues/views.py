"""Staff pages of the clues app: clues and their outcome, reporting one, the residents' entries waiting
for review, and the community pages (links and their printable QR posters).

All ``@scoped``: every row is read through ``clues.selectors`` (404 outside the caller's scope, as for a
missing id) and the services check the role and scope again.
"""

from __future__ import annotations

import secrets

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from epigrid.clues.entries import link_create, link_revoke
from epigrid.clues.errors import ClueInvalid, FieldError
from epigrid.clues.forms import ClueForm, LinkForm
from epigrid.clues.models import Clue, ClueKind, ResidentEntry
from epigrid.clues.review import entries_reject_quarantined, entry_accept, entry_match, entry_reject
from epigrid.clues.selectors import (
    LINK_MANAGERS,
    REPORTERS,
    REVIEWERS,
    clue_contact,
    clue_get_for_user,
    clue_handled_by,
    clues_for_user,
    entries_for_user,
    entry_counts,
    entry_get_for_user,
    link_get_for_user,
    link_villages_for_user,
    links_for_user,
    police_for_regions,
)
from epigrid.clues.services import OUTCOMES, ClueInput, clue_outcome, clue_report, clue_village_ids
from epigrid.core.access import ScopedRequest, scoped
from epigrid.core.audit import audit_log
from epigrid.core.models import AuditEvent, User
from epigrid.people.selectors import present
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import scope_for

LIST_LIMIT = 200


@scoped
def clue_list(request: ScopedRequest) -> HttpResponse:
    """The clues the user may read (routed to a police station: theirs), open ones first by default."""
    user = request.user
    status = request.GET.get("status", "open")
    kind = request.GET.get("kind", "")
    rows = list(clues_for_user(user=user, status="" if status == "all" else status, kind=kind)[:LIST_LIMIT])
    police = police_for_regions({clue.region for clue in rows})
    lines = [
        (clue, *clue_contact(user, clue), police.get(clue.region_id, []), clue_handled_by(user, clue))
        for clue in rows
    ]
    if rows:
        audit_log(
            actor=user, action=AuditEvent.Action.READ, object_type="clue_list",
            detail={"clues": [c.pk for c in rows], "status": status}, request=request,
        )  # fmt: skip
    context = {
        "lines": lines,
        "status": status,
        "kind": kind,
        "statuses": [("open", _("未办结")), *Clue.Status.choices, ("all", _("全部"))],
        "kinds": ClueKind.choices,
        "outcomes": [(s, Clue.Status(s).label) for s in OUTCOMES],
        "can_report": user.role in REPORTERS,
        "reviews": entry_counts(user=user) if user.role in REVIEWERS else None,
        "manages_links": user.role in LINK_MANAGERS,
    }
    return render(request, "clues/clue_list.html", context)


def _clue_regions(user: User) -> object:
    places = scope_for(user).regions_q() | Q(pk__in=clue_village_ids(user))
    return Region.objects.filter(places, level__gte=Level.TOWN, level__lte=Level.GRID).order_by("path")


@scoped
def clue_new(request: ScopedRequest) -> HttpResponse:
    """Report a clue or rumour; it goes to the police station of the place at once."""
    user = request.user
    if user.role not in REPORTERS:
        raise PermissionDenied
    regions = _clue_regions(user)
    status = 200
    if request.method == "POST":
        form = ClueForm(request.POST, regions=regions)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = clue_report(
                    actor=user,
                    data=ClueInput(
                        kind=data["kind"], region=data["region"], description=data["description"],
                        place=data["place"], contact_name=data["contact_name"],
                        contact_phone=data["contact_phone"], idempotency_key=data["key"],
                    ),
                )  # fmt: skip
            except ClueInvalid as exc:
                for error in exc.errors:
                    form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(
                    request, _("线索已报送派出所。") if result.created else _("该线索已报送，没有重复保存。")
                )
                return redirect("clues:detail", result.clue.pk)
        status = 400
    else:
        form = ClueForm(regions=regions, initial={"key": secrets.token_urlsafe(16)})
    return render(request, "clues/clue_new.html", {"form": form}, status=status)


@scoped
def clue_detail(request: ScopedRequest, clue_id: int) -> HttpResponse:
    """One clue, its routing and outcome; the police station of its area records the outcome here."""
    user = request.user
    clue = clue_get_for_user(user=user, clue_id=clue_id)
    handles = clue_handled_by(user, clue)
    errors: list[str] = []
    if request.method == "POST":
        if not handles:
            raise PermissionDenied
        try:
            clue_outcome(
                actor=user, clue=clue, status=request.POST.get("status", ""),
                note=request.POST.get("note", "")[:600],
            )  # fmt: skip
        except ClueInvalid as exc:
            errors = [e.message for e in exc.errors]
        else:
            messages.success(request, _("已记录核实结果。"))
            return redirect("clues:detail", clue.pk)
    audit_log(
        actor=user, action=AuditEvent.Action.READ, object_type="clue", object_id=clue.pk,
        region_path=clue.region.path, request=request,
    )  # fmt: skip
    name, phone = clue_contact(user, clue)
    context = {
        "clue": clue,
        "contact_name": name,
        "contact_phone": phone,
        "police": police_for_regions([clue.region]).get(clue.region_id, []),
        "handles": handles,
        "outcomes": [(s, Clue.Status(s).label) for s in OUTCOMES],
        "errors": errors,
    }
    return render(request, "clues/clue_detail.html", context, status=400 if errors else 200)


# --- residents' entries ----------------------------------------------------------------------------


@scoped
def entry_list(request: ScopedRequest) -> HttpResponse:
    """The residents' entries of the user's communities: waiting ones, the flood apart at the end."""
    user = request.user
    if user.role not in REVIEWERS:
        raise PermissionDenied
    status = request.GET.get("status", ResidentEntry.Status.PENDING)
    if status not in ResidentEntry.Status.values and status != "all":
        status = ResidentEntry.Status.PENDING
    if request.method == "POST":
        try:
            count = entries_reject_quarantined(actor=user, reason=request.POST.get("reason", "")[:300])
        except ClueInvalid as exc:
            for error in exc.errors:
                messages.error(request, error.message)
        else:
            messages.success(request, _("已退回%(n)s条疑似刷屏的报告。") % {"n": count})
        return redirect("clues:entries")
    rows = list(entries_for_user(user=user, status="" if status == "all" else status)[:LIST_LIMIT])
    caps = user.caps
    lines = [(entry, caps.identifiers("", entry.phone)[1]) for entry in rows]
    if rows:
        audit_log(
            actor=user, action=AuditEvent.Action.READ, object_type="resident_entry_list",
            detail={"entries": [e.pk for e in rows], "status": status}, request=request,
        )  # fmt: skip
    context = {
        "genuine": [line for line in lines if not line[0].quarantined],
        "quarantined": [line for line in lines if line[0].quarantined],
        "status": status,
        "statuses": [*ResidentEntry.Status.choices, ("all", _("全部"))],
    }
    return render(request, "clues/entry_list.html", context)


@scoped
def entry_detail(request: ScopedRequest, entry_id: int) -> HttpResponse:
    """One entry: who it may be in the registry, accept (as one of them or a new person) or reject."""
    user = request.user
    entry = entry_get_for_user(user=user, entry_id=entry_id)
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ("accept", "reject"):
            return HttpResponseNotAllowed(["GET"])
        try:
            if action == "accept":
                _accept(request, entry)
                messages.success(request, _("已接收。"))
            else:
                entry_reject(actor=user, entry=entry, reason=request.POST.get("reason", "")[:300])
                messages.success(request, _("已退回。"))
        except ClueInvalid as exc:
            errors = [e.message for e in exc.errors]
        else:
            return redirect("clues:entry", entry.pk)
    matching = entry_match(entry) if entry.status == ResidentEntry.Status.PENDING else None
    visible = matching.visible_to(user) if matching is not None else []
    person_view = None
    if entry.person is not None and scope_for(user).covers(entry.person):
        person_view = present(person=entry.person, user=user)
    audit_log(
        actor=user, action=AuditEvent.Action.READ, object_type="resident_entry", object_id=entry.pk,
        region_path=entry.village.path, detail={"persons": [c.person.pk for c in visible]}, request=request,
    )  # fmt: skip
    context = {
        "entry": entry,
        "phone": user.caps.identifiers("", entry.phone)[1],
        "candidates": [(c, present(person=c.person, user=user)) for c in visible],
        "hidden_candidates": len(matching.candidates) - len(visible) if matching is not None else 0,
        "suggested": matching.best.pk if matching is not None and matching.best is not None else None,
        "person_view": person_view,
        "can_decide": user.caps.can_write and entry.status == ResidentEntry.Status.PENDING,
        "errors": errors,
    }
    return render(request, "clues/entry_detail.html", context, status=400 if errors else 200)


def _accept(request: ScopedRequest, entry: ResidentEntry) -> None:
    """Accept as the person chosen among the candidates shown, as a new person, or as matched."""
    chosen = request.POST.get("person", "")
    person = None
    if chosen.isdigit():
        offered = {c.person.pk: c.person for c in entry_match(entry).visible_to(request.user)}
        person = offered.get(int(chosen))
        if person is None:
            raise ClueInvalid([FieldError("person", _("请从列出的疑似人员中选择。"))])
    entry_accept(actor=request.user, entry=entry, person=person, new_person=chosen == "new")


# --- community links -------------------------------------------------------------------------------


def _poster(request: ScopedRequest, token: str) -> tuple[str, SafeString]:
    url = request.build_absolute_uri(reverse("clues:community", args=[token]))
    # An inline SVG: no image request, prints sharp; error level M survives a creased, rained-on sheet.
    svg = segno.make(url, error="m").svg_inline(scale=6, title=_("群众报告二维码"))
    return url, mark_safe(svg)  # noqa: S308 (segno's SVG of a URL we built; the title is our own text)


@scoped
def link_list(request: ScopedRequest) -> HttpResponse:
    """The communities' public pages; putting one up shows its poster once, to print."""
    user = request.user
    if user.role not in LINK_MANAGERS:
        raise PermissionDenied
    villages = link_villages_for_user(user=user)
    status = 200
    if request.method == "POST":
        form = LinkForm(request.POST, villages=villages)
        if form.is_valid():
            try:
                link, token = link_create(
                    actor=user, village=form.cleaned_data["village"], label=form.cleaned_data["label"]
                )
            except ClueInvalid as exc:
                for error in exc.errors:
                    form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                url, qr = _poster(request, token)
                return render(request, "clues/link_poster.html", {"link": link, "url": url, "qr": qr})
        status = 400
    else:
        form = LinkForm(villages=villages)
    links = list(links_for_user(user=user)[:LIST_LIMIT])
    return render(request, "clues/link_list.html", {"form": form, "links": links}, status=status)


@scoped
def link_revoke_view(request: ScopedRequest, link_id: int) -> HttpResponse:
    link = link_get_for_user(user=request.user, link_id=link_id)  # 404 before 405
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    link_revoke(actor=request.user, link=link)
    messages.success(request, _("链接已收回，旧二维码随即失效。"))
    return redirect("clues:links")
