"""Staff pages of public information: a region's bulletins and notices, drafting, editing, publishing.

``@scoped`` and ``publish_info`` only (the district HQ, a town or street office): rows are read
through ``publicinfo.selectors`` (404 outside the caller's scope) and the services check the role and
scope again. A refused change shows every problem by field, with the text as typed kept in the form.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from epigrid.core.access import ScopedRequest, requires, scoped
from epigrid.publicinfo.models import Bulletin, PublicNotice
from epigrid.publicinfo.selectors import (
    bulletin_for_user,
    bulletins_of,
    managed_region,
    notice_for_user,
    notices_of,
)
from epigrid.publicinfo.services import (
    PublicInfoInvalid,
    bulletin_draft,
    bulletin_edit,
    bulletin_publish,
    bulletin_withdraw,
    notice_save,
)
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import scope_for


def _regions(request: ScopedRequest) -> list[Region]:
    scope = scope_for(request.user)
    return list(
        Region.objects.filter(scope.regions_q(), level__in=(Level.DISTRICT, Level.TOWN)).order_by("path")[
            :200
        ]
    )


@scoped
@requires("publish_info")
def manage_home(request: ScopedRequest) -> HttpResponse:
    regions = _regions(request)
    if len(regions) == 1:
        return redirect("publicinfo:manage", regions[0].pk)
    return render(request, "publicinfo/manage_home.html", {"regions": regions})


@scoped
@requires("publish_info")
def manage(request: ScopedRequest, region_id: int) -> HttpResponse:
    region = managed_region(user=request.user, region_id=region_id)
    return render(
        request,
        "publicinfo/manage.html",
        {
            "region": region,
            "regions": _regions(request),
            "bulletins": bulletins_of(region)[:60],
            "notices": notices_of(region),
            "kinds": PublicNotice.Kind.choices,
        },
    )


@scoped
@requires("publish_info")
@require_POST
def bulletin_new(request: ScopedRequest, region_id: int) -> HttpResponse:
    region = managed_region(user=request.user, region_id=region_id)
    day = None
    raw = request.POST.get("day", "")
    if raw:
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            messages.error(request, _("日期格式应为YYYY-MM-DD。"))
            return redirect("publicinfo:manage", region.pk)
    try:
        bulletin, _created = bulletin_draft(actor=request.user, region=region, day=day)
    except PublicInfoInvalid as exc:
        for _field, message in exc.errors:
            messages.error(request, message)
        return redirect("publicinfo:manage", region.pk)
    return redirect("publicinfo:bulletin_edit", bulletin.pk)


@scoped
@requires("publish_info")
@require_http_methods(["GET", "POST"])
def bulletin_edit_view(request: ScopedRequest, bulletin_id: int) -> HttpResponse:
    bulletin = bulletin_for_user(user=request.user, bulletin_id=bulletin_id)
    errors: list[tuple[str, str]] = []
    title, text = bulletin.title, bulletin.text
    if request.method == "POST":
        action = request.POST.get("action", "save")
        title, text = request.POST.get("title", ""), request.POST.get("text", "")
        try:
            if action == "withdraw":
                bulletin_withdraw(
                    actor=request.user, bulletin=bulletin, reason=request.POST.get("reason", "")
                )
                messages.success(request, _("通报已撤回。"))
                return redirect("publicinfo:manage", bulletin.region_id)
            if bulletin.status == Bulletin.Status.DRAFT:
                bulletin = bulletin_edit(actor=request.user, bulletin=bulletin, title=title, text=text)
            if action == "publish":
                bulletin_publish(actor=request.user, bulletin=bulletin)
                messages.success(request, _("通报已发布。"))
                return redirect("publicinfo:manage", bulletin.region_id)
            messages.success(request, _("已保存。"))
            return redirect("publicinfo:bulletin_edit", bulletin.pk)
        except PublicInfoInvalid as exc:
            errors = exc.errors
    return render(
        request,
        "publicinfo/bulletin_edit.html",
        {"bulletin": bulletin, "title": title, "text": text, "errors": errors},
    )


@scoped
@requires("publish_info")
@require_http_methods(["GET", "POST"])
def notice_edit_view(request: ScopedRequest, region_id: int, notice_id: int | None = None) -> HttpResponse:
    region = managed_region(user=request.user, region_id=region_id)
    notice = notice_for_user(user=request.user, notice_id=notice_id) if notice_id else None
    if notice is not None and notice.region_id != region.pk:
        return redirect("publicinfo:notice_edit", notice.region_id, notice.pk)
    values = {
        "kind": notice.kind if notice else request.GET.get("kind", PublicNotice.Kind.HOTLINE),
        "title": notice.title if notice else "",
        "body": notice.body if notice else "",
        "phone": notice.phone if notice else "",
        "position": str(notice.position) if notice else "0",
        "active": notice.active if notice else True,
    }
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        values = {
            "kind": request.POST.get("kind", ""),
            "title": request.POST.get("title", ""),
            "body": request.POST.get("body", ""),
            "phone": request.POST.get("phone", ""),
            "position": request.POST.get("position", "0"),
            "active": request.POST.get("active") == "on",
        }
        position = str(values["position"]).strip() or "0"
        if not position.isdigit():
            errors.append(("position", _("排序应为0至999。")))
        else:
            try:
                notice_save(
                    actor=request.user,
                    region=region,
                    notice=notice,
                    kind=str(values["kind"]),
                    title=str(values["title"]),
                    body=str(values["body"]),
                    phone=str(values["phone"]),
                    position=int(position),
                    active=bool(values["active"]),
                )
                messages.success(request, _("已保存。"))
                return redirect("publicinfo:manage", region.pk)
            except PublicInfoInvalid as exc:
                errors = exc.errors
    return render(
        request,
        "publicinfo/notice_edit.html",
        {
            "region": region,
            "notice": notice,
            "values": values,
            "errors": errors,
            "kinds": PublicNotice.Kind.choices,
        },
    )
