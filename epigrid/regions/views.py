"""The region browser (district → town → village → grid → household) and region imports."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from epigrid.core.access import requires, scoped
from epigrid.core.roles import Role
from epigrid.people.selectors import people_in_household
from epigrid.regions import selectors
from epigrid.regions.forms import BoundaryImportForm, RegionImportForm
from epigrid.regions.importers import RegionFileError, parse_boundaries, parse_region_table, read_table
from epigrid.regions.models import Level, Region
from epigrid.regions.services import region_boundaries_import, region_tree_import


def _int(value: str | None, default: int = 1) -> int:
    try:
        return max(1, int(value or default))
    except ValueError:
        return default


@scoped
def region_detail(request: HttpRequest, region_id: int) -> HttpResponse:
    """Show a region with its children and their counts; a grid shows its households."""
    user = request.user
    region = selectors.region_get_for_user(user=user, region_id=region_id)  # type: ignore[arg-type]
    context: dict[str, object] = {
        "region": region,
        "ancestors": selectors.region_ancestors(region=region, user=user),  # type: ignore[arg-type]
        "children": selectors.region_children(region=region),
        "Level": Level,
    }
    if region.level == Level.GRID:
        query = request.GET.get("q", "").strip()[:50]
        context["page"] = selectors.households_in_grid(
            user=user,  # type: ignore[arg-type]
            grid=region,
            page=_int(request.GET.get("page")),
            query=query,
        )
        context["q"] = query
        if request.htmx:  # type: ignore[attr-defined]
            return render(request, "regions/region_detail.html#households", context)
    return render(request, "regions/region_detail.html", context)


@scoped
def household_detail(request: HttpRequest, household_id: int) -> HttpResponse:
    """Show a household and its members, identifiers masked by role; the reading is logged."""
    user = request.user
    household = selectors.household_get_for_user(user=user, household_id=household_id)  # type: ignore[arg-type]
    grid = household.grid
    context = {
        "household": household,
        "region": grid,
        "ancestors": [*selectors.region_ancestors(region=grid, user=user), grid],  # type: ignore[arg-type]
        "members": people_in_household(user=user, household=household, request=request),  # type: ignore[arg-type]
    }
    return render(request, "regions/household_detail.html", context)


@scoped
@requires("manage_regions")
def region_import(request: HttpRequest) -> HttpResponse:
    """Import a region tree (CSV/xlsx) or boundaries (GeoJSON); a bad file imports nothing."""
    tree_form = RegionImportForm(prefix="tree")
    boundary_form = BoundaryImportForm(prefix="geo")
    errors: list[str] = []
    if request.method == "POST":
        kind = request.POST.get("kind")
        if kind == "tree":
            tree_form = RegionImportForm(request.POST, request.FILES, prefix="tree")
            if tree_form.is_valid():
                upload = tree_form.cleaned_data["file"]
                mine = dict(
                    selectors.regions_for_user(user=request.user).values_list("code", "level")  # type: ignore[arg-type]
                )
                others = set(Region.objects.exclude(code__in=mine).values_list("code", flat=True))
                try:
                    rows = parse_region_table(
                        read_table(upload.read(), upload.name),
                        existing=mine,
                        foreign=others,
                        may_add_district=request.user.role == Role.ADMIN,  # type: ignore[union-attr]
                    )
                except RegionFileError as exc:
                    errors = exc.errors
                else:
                    summary = region_tree_import(actor=request.user, rows=rows)  # type: ignore[arg-type]
                    messages.success(
                        request,
                        _("导入完成：新增 %(created)d 个区域，更名 %(updated)d 个。")
                        % {"created": summary.created, "updated": summary.updated},
                    )
                    return redirect("regions:import")
        elif kind == "geo":
            boundary_form = BoundaryImportForm(request.POST, request.FILES, prefix="geo")
            if boundary_form.is_valid():
                upload = boundary_form.cleaned_data["file"]
                codes = set(
                    selectors.regions_for_user(user=request.user).values_list("code", flat=True)  # type: ignore[arg-type]
                )
                try:
                    rows_b = parse_boundaries(upload.read(), known_codes=codes)
                except RegionFileError as exc:
                    errors = exc.errors
                else:
                    n = region_boundaries_import(actor=request.user, rows=rows_b)  # type: ignore[arg-type]
                    messages.success(request, _("已导入 %(n)d 个区域边界。") % {"n": n})
                    return redirect("regions:import")
    status = 400 if errors else 200
    return render(
        request,
        "regions/region_import.html",
        {
            "tree_form": tree_form,
            "boundary_form": boundary_form,
            "errors": errors[:200],
            "more_errors": max(0, len(errors) - 200),
        },
        status=status,
    )
