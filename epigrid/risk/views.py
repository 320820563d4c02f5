"""Risk pages: a district's towns or a town with their levels as of a day (printable), a town's last
30 days, and the policy versions with the HQ's form to add one.

Levels are public information (counts only): nothing here is audited. The pages still follow the
user's scope: a region outside it is a 404, like every other page.
"""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from epigrid.core.access import ScopedRequest, scoped
from epigrid.core.clock import local_today
from epigrid.regions.models import Level, Region
from epigrid.regions.selectors import region_ancestors, region_get_for_user, region_roots_for_user
from epigrid.risk.forms import DayInvalid, day_from, policy_input_from
from epigrid.risk.models import RiskPolicy
from epigrid.risk.selectors import (
    HISTORY_DAYS,
    NoRiskLevel,
    district_summary,
    levels_sorted,
    policies_for_district,
    policy_for,
    region_risk,
    risk_levels,
    town_history,
)
from epigrid.risk.services import PolicyInvalid, may_add_policy, policy_errors, risk_policy_add


def _district(region: Region) -> Region:
    if region.level == Level.DISTRICT:
        return region
    return Region.objects.get(pk=region.depth_ids[Level.DISTRICT - 1])


@scoped
def risk_home(request: ScopedRequest) -> HttpResponse:
    """Send the user to the risk page of the top region they work in."""
    for root in region_roots_for_user(user=request.user):
        return redirect("risk:region", root.pk)
    return render(request, "risk/none.html", status=404)


@scoped
def risk_region(request: ScopedRequest, region_id: int) -> HttpResponse:
    """A district's towns (highest level first) with its own level, or a town's (a village's or grid's:
    its town's) level with the last 30 days, as of the day asked for."""
    region = region_get_for_user(user=request.user, region_id=region_id)
    today = local_today()
    error = ""
    try:
        day = day_from(request.GET.get("day", "").strip(), today)
    except DayInvalid as exc:
        error, day = str(exc), today
    district = _district(region)
    context: dict[str, object] = {
        "region": region,
        "ancestors": region_ancestors(region=region, user=request.user),
        "day": day,
        "today": today,
        "error": error,
        "policy": policy_for(policies_for_district(district_id=district.pk), day),
        "rows": [],
        "history": [],
        "own": None,
    }
    if region.level == Level.DISTRICT:
        levels = risk_levels(district=region, day=day)
        names = dict(Region.objects.filter(pk__in=list(levels)).values_list("pk", "name"))
        context["rows"] = levels_sorted(levels, names)
        context["own"] = district_summary(region.pk, levels, day) if levels else None
    else:
        town = (
            region if region.level == Level.TOWN else Region.objects.get(pk=region.depth_ids[Level.TOWN - 1])
        )
        try:
            context["own"] = region_risk(region=region, day=day)
        except NoRiskLevel:
            context["own"] = None
        context["town"] = town
        context["history"] = list(reversed(town_history(town=town, day=day, days=HISTORY_DAYS)))
    return render(request, "risk/region.html", context, status=400 if error else 200)


@scoped
def risk_policies(request: ScopedRequest, region_id: int) -> HttpResponse:
    """The versions of the risk rules the region's district follows; its HQ adds a version here."""
    region = region_get_for_user(user=request.user, region_id=region_id)
    district = _district(region)
    may_add = may_add_policy(request.user, district)
    today = local_today()
    errors: dict[str, list[str]] = {}
    values = dict(request.POST.items()) if request.method == "POST" else {}
    if request.method == "POST":
        if not may_add:
            raise PermissionDenied(_("只有区指挥部可以修改风险等级规则"))
        data, form_errors = policy_input_from(request.POST)
        found = form_errors + [
            e for e in policy_errors(district=district, data=data, today=today)
            if e.field not in {f.field for f in form_errors}
        ]  # fmt: skip
        if not found:
            try:
                result = risk_policy_add(actor=request.user, district=district, data=data)
            except PolicyInvalid as exc:
                found = exc.errors
            else:
                messages.success(
                    request,
                    _("已添加第%(version)d版，自%(day)s起生效")
                    % {"version": result.policy.version, "day": result.policy.effective_from.isoformat()},
                )
                return redirect("risk:policies", region.pk)
        for error in found:
            errors.setdefault(error.field or "all", []).append(error.message)
    policies = policies_for_district(district_id=district.pk)
    current = policy_for(policies, today)
    context = {
        "region": region,
        "district": district,
        "ancestors": region_ancestors(region=region, user=request.user),
        "policies": policies,
        "current": current,
        "may_add": may_add,
        "errors": errors,
        "values": values,
        "defaults": RiskPolicy(),
        "today": today,
        "key": values.get("key") or secrets.token_urlsafe(16),
    }
    return render(request, "risk/policies.html", context, status=400 if errors else 200)
