"""Sealed compounds pages: the compounds under closed management in a region (now, or all with the
reopened ones), the form that registers one, and reopening.

Regions and compounds are read through ``measurelog.selectors`` (404 outside the user's scope); the
writes are ``services.sealed_compound_add`` and ``services.sealed_compound_reopen``.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from epigrid.core.access import ScopedRequest, scoped
from epigrid.core.clock import local_today
from epigrid.measurelog.models import SealedCompound
from epigrid.measurelog.sealed_services import (
    SEAL_REGION_MISSING,
    may_seal,
    sealed_compound_add,
    sealed_compound_reopen,
)
from epigrid.measurelog.selectors import (
    compound_for_user,
    compound_regions,
    compounds_for_user,
    region_for_compounds,
    sealed_counts,
)
from epigrid.measurelog.services import MeasureInvalid
from epigrid.measurelog.views import TEXT_CAP, crumbs, errors_text, parse_day
from epigrid.regions.models import Region

PER_PAGE = 50
FIELDS = ("name", "kind", "region", "sealed_on", "guard_posts", "arrangements")


def _context(
    request: ScopedRequest,
    region: Region,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, object]:
    user = request.user
    today = local_today()
    show_all = request.GET.get("show") == "all"
    rows = compounds_for_user(user=user, region=region, sealed_on=None if show_all else today)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    sealed, posts = sealed_counts(compounds_for_user(user=user, region=region, sealed_on=today))
    choices = [r for r in compound_regions(region) if may_seal(user, r)]
    return {
        "region": region,
        "ancestors": crumbs(request, region),
        "today": today,
        "show_all": show_all,
        "page": page,
        "sealed": sealed,
        "guard_posts": posts,
        "choices": choices,
        "kinds": SealedCompound.Kind.choices,
        "reopenable": {c.pk for c in page.object_list if c.reopened_on is None and may_seal(user, c.region)},
        "key": uuid.uuid4().hex,
        "typed": typed
        or {"kind": SealedCompound.Kind.COMPOUND, "sealed_on": today.isoformat(), "guard_posts": "1"},
        "errors": errors or {},
    }


@scoped
def sealed_page(request: ScopedRequest, region_id: int) -> HttpResponse:
    """List the compounds under closed management in a region and register one."""
    region = region_for_compounds(user=request.user, region_id=region_id)
    if request.method != "POST":
        return render(request, "measurelog/sealed.html", _context(request, region))
    data = request.POST
    typed = {name: data.get(name, "")[:TEXT_CAP] for name in FIELDS}
    choices = {str(r.pk): r for r in compound_regions(region)}
    target = choices.get(typed["region"])
    sealed_on = parse_day(typed["sealed_on"], local_today())
    errors: dict[str, str] = {}
    if target is None:
        errors["region"] = str(SEAL_REGION_MISSING)
    if sealed_on is None:
        errors["sealed_on"] = _("日期格式不对，请用年-月-日。")
    if not errors and target is not None and sealed_on is not None:
        try:
            result = sealed_compound_add(
                actor=request.user,
                region=target,
                name=typed["name"],
                kind=typed["kind"],
                sealed_on=sealed_on,
                guard_posts=typed["guard_posts"],
                arrangements=typed["arrangements"],
                idempotency_key=data.get("key", ""),
            )
        except MeasureInvalid as exc:
            errors = errors_text(exc)
        else:
            if result.created:
                messages.success(request, _("已登记封闭管理：%(name)s。") % {"name": result.compound.name})
            else:
                messages.info(request, _("这条登记已经保存过，没有重复保存。"))
            return redirect("measurelog:sealed", region.pk)
    context = _context(request, region, typed=typed, errors=errors)
    return render(request, "measurelog/sealed.html", context, status=400)


@scoped
def sealed_reopen(request: ScopedRequest, compound_id: int) -> HttpResponse:
    """Record that a sealed compound reopened (today unless a day is given)."""
    compound = compound_for_user(user=request.user, compound_id=compound_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    back = request.POST.get("back", "")
    url = reverse("measurelog:sealed", args=[int(back) if back.isdigit() else compound.region_id])
    day = parse_day(request.POST.get("reopened_on"), local_today())
    if day is None:
        messages.error(request, _("日期格式不对，请用年-月-日。"))
        return redirect(url)
    try:
        row = sealed_compound_reopen(actor=request.user, compound=compound, reopened_on=day)
    except MeasureInvalid as exc:
        for message in exc.errors.values():
            messages.error(request, f"{compound.name}：{message}")
        return redirect(url)
    messages.success(
        request,
        _("%(name)s已于%(day)s解除封闭管理。")
        % {"name": row.name, "day": row.reopened_on.isoformat() if row.reopened_on else ""},
    )
    return redirect(url)
