"""Pages to merge duplicate records, undo a merge, and move a list row to another person."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from epigrid.core.access import ScopedRequest, scoped
from epigrid.core.models import User
from epigrid.lists import selectors
from epigrid.lists.merge import MergeError, list_row_move, person_merge, person_unmerge
from epigrid.people.models import Person
from epigrid.people.selectors import person_get_for_user, person_in_scope, present


def _may_merge(user: User) -> None:
    if not user.caps.merge_people:
        raise PermissionDenied


def _person_number(text: str) -> int | None:
    text = text.strip().lstrip("#")
    return int(text) if text.isdigit() and len(text) < 12 else None


def _chosen(user: User, text: str, *, missing: str) -> tuple[Person | None, str]:
    """Return the person a typed record number names in the user's scope, or the message to show."""
    number = _person_number(text)
    person = person_in_scope(user=user, person_id=number)
    if number is None:
        return None, missing
    if person is None:
        return None, _("人员不在您的管辖范围内。")
    return person, ""


@scoped
def merge_person(request: ScopedRequest, person_id: int) -> HttpResponse:
    """Show a record beside the records that may be the same person; merge the chosen pair."""
    user = request.user
    _may_merge(user)
    view = person_get_for_user(user=user, person_id=person_id, request=request)
    person = view.person
    if person.merged_into_id:
        return redirect("people:detail", person.merged_into_id)
    error = ""
    if request.method == "POST":
        other, error = _chosen(
            user, request.POST.get("other", ""), missing=_("请填写或选择要合并的人员编号。")
        )
        if other is not None:
            kept, absorbed = (other, person) if request.POST.get("keep") == "other" else (person, other)
            try:
                person_merge(actor=user, kept=kept, absorbed=absorbed, reason=request.POST.get("reason", ""))
            except MergeError as exc:
                error = exc.message
            else:
                messages.success(request, _("已合并，可在人员页面撤销。"))
                return redirect("people:detail", kept.pk)
    candidates = [
        (comparison, present(person=other, user=user))
        for comparison, other in selectors.duplicate_candidates(user=user, person=person)
    ]
    context = {"view": view, "candidates": candidates, "error": error, "region": person.place}
    return render(request, "lists/merge_person.html", context, status=400 if error else 200)


@scoped
def unmerge(request: ScopedRequest, merge_id: int) -> HttpResponse:
    """Undo a merge (POST only): the absorbed record comes back with its rows."""
    user = request.user
    _may_merge(user)
    merge = selectors.merge_get_for_user(user=user, merge_id=merge_id)
    if request.method != "POST":
        return redirect("people:detail", merge.kept_id)
    try:
        person_unmerge(actor=user, merge=merge)
    except MergeError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已撤销合并。"))
    return redirect("people:detail", merge.kept_id)


@scoped
def row_move(request: ScopedRequest, row_id: int) -> HttpResponse:
    """Attach one department-list row to another person."""
    user = request.user
    _may_merge(user)
    row = selectors.row_get_for_user(user=user, row_id=row_id)
    error = ""
    if request.method == "POST":
        target, error = _chosen(user, request.POST.get("person", ""), missing=_("请填写要移至的人员编号。"))
        if target is not None:
            try:
                list_row_move(actor=user, row=row, person=target)
            except MergeError as exc:
                error = exc.message
            else:
                messages.success(request, _("名单行已移至该人员。"))
                return redirect("people:detail", target.pk)
    current = None
    if row.person is not None:
        try:
            current = person_get_for_user(user=user, person_id=row.person.pk, request=request)
        except Http404:
            current = None
    row_id_number, row_phone = user.caps.identifiers(row.id_number, row.phone)
    context = {
        "row": row,
        "current": current,
        "error": error,
        "row_id_number": row_id_number,
        "row_phone": row_phone,
    }
    return render(request, "lists/row_move.html", context, status=400 if error else 200)
