"""Follow-up task pages: a unit's open, overdue and done tasks (rolled up for a town or the district),
"my tasks" for the logged-in member of staff, one task, and the form that gives a task out (filled in
from a household, person or observation episode when the link names one)."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from epigrid.core.access import ScopedRequest, scoped
from epigrid.core.audit import audit_log
from epigrid.core.clock import now
from epigrid.core.models import AuditEvent
from epigrid.core.roles import Role
from epigrid.followups.errors import TaskInvalid
from epigrid.followups.forms import CompleteForm, TaskForm, due_initial
from epigrid.followups.models import Task
from epigrid.followups.prefill import Prefill, prefill_from
from epigrid.followups.rules import may_assign
from epigrid.followups.selectors import (
    STATES,
    assignees_for,
    my_tasks,
    rights,
    task_counts,
    task_get_for_user,
    teams_for,
    unit_breakdown,
    unit_column,
    unit_tasks,
)
from epigrid.followups.services import TaskInput, task_assign, task_cancel, task_complete, task_reassign
from epigrid.regions.models import Level
from epigrid.regions.selectors import region_ancestors, region_get_for_user, region_roots_for_user


def _next(request: ScopedRequest, default: str) -> str:
    """Where to go after a form: a page of this app the form named, else ``default``."""
    target = request.POST.get("next", "")
    if target.startswith("/followups/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return target
    return default


@scoped
def task_home(request: ScopedRequest) -> HttpResponse:
    """A grid worker's own list; everyone else the tasks of the top unit they work in."""
    if request.user.role == Role.GRID_WORKER:
        return redirect("followups:mine")
    for root in region_roots_for_user(user=request.user):
        if root.level <= Level.GRID:
            return redirect("followups:list", root.pk)
    return render(request, "followups/task_list.html", {"region": None})


@scoped
def task_mine(request: ScopedRequest) -> HttpResponse:
    """The user's open tasks by due time (overdue in red first), each completed with one form."""
    mine = my_tasks(user=request.user, moment=now(), request=request)
    return render(request, "followups/task_mine.html", {"mine": mine, "form": CompleteForm()})


@scoped
def task_list(request: ScopedRequest, region_id: int) -> HttpResponse:
    """A unit's tasks in one state with the counts of every state, and per unit below it."""
    user = request.user
    region = region_get_for_user(user=user, region_id=region_id)
    unit_column(region)  # 404 below a grid
    state = request.GET.get("state", "open")
    if state not in STATES:
        state = "open"
    moment = now()
    context = {
        "region": region,
        "ancestors": region_ancestors(region=region, user=user),
        "state": state,
        "states": [
            ("open", _("待办")),
            ("overdue", _("已逾期")),
            ("done", _("已完成")),
            ("cancelled", _("已取消")),
        ],
        "counts": task_counts(region=region, moment=moment),
        "breakdown": unit_breakdown(region=region, moment=moment),
        "lines": unit_tasks(user=user, region=region, state=state, moment=moment, request=request),
        "can_assign": may_assign(user) and region.level >= Level.TOWN,
    }
    return render(request, "followups/task_list.html", context)


def _form_context(request: ScopedRequest, prefill: Prefill, form: TaskForm, key: str) -> dict[str, object]:
    return {
        "form": form,
        "prefill": prefill,
        "key": key,
        "parent_query": prefill.query(prefill.parent) if prefill.parent is not None else "",
        "ancestors": region_ancestors(region=prefill.region, user=request.user) if prefill.region else [],
    }


@scoped
def task_new(request: ScopedRequest) -> HttpResponse:
    """Give a task out in a unit of the user's scope (``?region=``, ``?household=``, ``?person=``,
    ``?episode=`` and ``?kind=`` fill the form; the hidden fields carry them through the POST)."""
    user = request.user
    if not may_assign(user):
        raise PermissionDenied
    source = request.POST if request.method == "POST" else request.GET
    prefill = prefill_from(user=user, params=source)
    assignees = assignees_for(region=prefill.region) if prefill.unit_ok and prefill.region else []
    teams = teams_for(region=prefill.region) if prefill.unit_ok and prefill.region else []
    key = source.get("key", "")[:64] or secrets.token_urlsafe(16)
    if request.method != "POST" or not prefill.unit_ok:
        initial: dict[str, object] = {
            "kind": prefill.kind,
            "title": prefill.title,
            "due_at": due_initial(now()),
        }
        workers = [u.pk for u in assignees if u.role == Role.GRID_WORKER]
        if prefill.region is not None and prefill.region.level == Level.GRID and len(workers) == 1:
            initial["assignee"] = workers[0]  # a grid's task goes to its grid worker unless chosen otherwise
        form = TaskForm(initial=initial, assignees=assignees, teams=teams)
        return render(request, "followups/task_form.html", _form_context(request, prefill, form, key))
    form = TaskForm(request.POST, assignees=assignees, teams=teams)
    if form.is_valid():
        data = form.cleaned_data
        chosen = next((u for u in assignees if u.pk == data["assignee"]), None)
        team = next((t for t in teams if t.pk == data["volunteer_team"]), None)
        try:
            result = task_assign(
                actor=user,
                data=TaskInput(
                    region=prefill.region, kind=data["kind"], title=data["title"], details=data["details"],
                    assignee=chosen, team=data["team"], volunteer_team=team, due_at=data["due_at"],
                    household=prefill.household,
                    person=prefill.person, episode=prefill.episode, idempotency_key=key,
                ),
                request=request,
            )  # fmt: skip
        except TaskInvalid as exc:
            for error in exc.errors:
                form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            task = result.task
            if result.changed:
                messages.success(request, _("任务已派发给%(who)s。") % {"who": task.assignee})
            else:
                messages.info(request, _("这个任务已经派发过，没有重复派发。"))
            return redirect("followups:detail", task.pk)
    context = _form_context(request, prefill, form, key)
    return render(request, "followups/task_form.html", context, status=400)


@scoped
def task_detail(request: ScopedRequest, task_id: int) -> HttpResponse:
    """One task: what, for whom, by whom, until when, and what became of it; the forms to act on it."""
    user = request.user
    task = task_get_for_user(user=user, task_id=task_id)
    if task.person_id or task.household_id:
        audit_log(
            actor=user, action=AuditEvent.Action.READ, object_type="followup_task", object_id=task.pk,
            region_path=task.region.path, detail={"person": task.person_id, "household": task.household_id},
            request=request,
        )  # fmt: skip
    allowed = rights(user=user, task=task)
    phone = user.caps.identifiers("", task.person.phone)[1] if task.person is not None else ""
    context = {
        "task": task,
        "overdue": task.status == Task.Status.OPEN and task.due_at < now(),
        "done_late": task.status == Task.Status.DONE
        and task.closed_at is not None
        and task.closed_at > task.due_at,
        "phone": phone,
        "phone_callable": bool(phone) and "*" not in phone,
        "rights": allowed,
        "form": CompleteForm(),
        "assignees": assignees_for(region=task.region) if allowed.manage else [],
        "ancestors": [*region_ancestors(region=task.region, user=user), task.region],
    }
    return render(request, "followups/task_detail.html", context)


def _refusal(request: ScopedRequest, exc: TaskInvalid) -> None:
    for error in exc.errors:
        messages.error(request, error.message)


@scoped
def task_complete_view(request: ScopedRequest, task_id: int) -> HttpResponse:
    task = task_get_for_user(user=request.user, task_id=task_id)  # 404 before 405
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        result = task_complete(
            actor=request.user, task=task, outcome=request.POST.get("outcome", "")[:600], request=request
        )
    except TaskInvalid as exc:
        _refusal(request, exc)
    else:
        messages.success(
            request,
            _("已完成：%(title)s") % {"title": task.title} if result.changed else _("这项任务已经完成。"),
        )
    return redirect(_next(request, f"/followups/{task.pk}/"))


@scoped
def task_cancel_view(request: ScopedRequest, task_id: int) -> HttpResponse:
    task = task_get_for_user(user=request.user, task_id=task_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        task_cancel(
            actor=request.user, task=task, reason=request.POST.get("reason", "")[:600], request=request
        )
    except TaskInvalid as exc:
        _refusal(request, exc)
    else:
        messages.success(request, _("任务已取消。"))
    return redirect(_next(request, f"/followups/{task.pk}/"))


@scoped
def task_reassign_view(request: ScopedRequest, task_id: int) -> HttpResponse:
    user = request.user
    task = task_get_for_user(user=user, task_id=task_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    raw = request.POST.get("assignee", "")
    chosen = next((u for u in assignees_for(region=task.region) if str(u.pk) == raw), None)
    try:
        result = task_reassign(
            actor=user, task=task, assignee=chosen, team=request.POST.get("team", "")[:120], request=request
        )
    except TaskInvalid as exc:
        _refusal(request, exc)
    else:
        if result.changed:
            messages.success(request, _("任务已改派给%(who)s。") % {"who": result.task.assignee})
    return redirect(_next(request, f"/followups/{task.pk}/"))
