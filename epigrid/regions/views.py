"""The region browser (district → town → village → grid → household) and region imports."""

from __future__ import annotations

from django import forms as forms_
from django.http import HttpResponse
from django.shortcuts import redirect, render

from epigrid.core.access import ScopedRequest, requires, scoped
from epigrid.regions import selectors
from epigrid.regions.forms import BoundaryImportForm, RegionImportForm
from epigrid.regions.models import Level, RegionImport
from epigrid.regions.services import region_import_submit, region_imports_settle_stale

# Each import kind's form; the form prefix is the kind, so the field names are tree-file, boundaries-file.
IMPORT_FORMS: dict[str, type[forms_.Form]] = {
    RegionImport.Kind.TREE: RegionImportForm,
    RegionImport.Kind.BOUNDARIES: BoundaryImportForm,
}


@scoped
def region_detail(request: ScopedRequest, region_id: int) -> HttpResponse:
    """Show a region with its children and their counts; a grid shows its households."""
    user = request.user
    region = selectors.region_get_for_user(user=user, region_id=region_id)
    context: dict[str, object] = {
        "region": region,
        "ancestors": selectors.region_ancestors(region=region, user=user),
        "children": selectors.region_children(region=region),
        "Level": Level,
    }
    # A grid's households (addresses and heads' names) are the registry: not for the police.
    context["show_households"] = region.level == Level.GRID and user.caps.read_registry
    if context["show_households"]:
        query = request.GET.get("q", "").strip()[:50]
        context["page"] = selectors.households_in_grid(
            user=user,
            grid=region,
            page=request.GET.get("page"),
            query=query,
        )
        context["q"] = query
        if request.htmx:
            return render(request, "regions/region_detail.html#households", context)
    return render(request, "regions/region_detail.html", context)


@scoped
@requires("manage_regions")
def region_import(request: ScopedRequest) -> HttpResponse:
    """Upload a region tree (CSV/xlsx) or boundaries (GeoJSON); the worker imports it, all or nothing."""
    user = request.user
    forms: dict[str, forms_.Form] = {
        kind: form_class(prefix=kind) for kind, form_class in IMPORT_FORMS.items()
    }
    status = 200
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        if kind not in IMPORT_FORMS:
            kind = RegionImport.Kind.TREE
        form = forms[kind] = IMPORT_FORMS[kind](request.POST, request.FILES, prefix=kind)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            region_import = region_import_submit(
                actor=user, kind=kind, file_name=upload.name, content=upload.read()
            )
            return redirect("regions:import_detail", region_import.pk)
        status = 400
    region_imports_settle_stale(user=user)
    recent = selectors.region_imports_for_user(user=user)
    context = {
        "tree_form": forms[RegionImport.Kind.TREE],
        "boundary_form": forms[RegionImport.Kind.BOUNDARIES],
        "recent": recent,
    }
    return render(request, "regions/region_import.html", context, status=status)


@scoped
@requires("manage_regions")
def region_import_detail(request: ScopedRequest, import_id: int) -> HttpResponse:
    """Show one import; while it waits or runs, htmx polls this page's status fragment."""
    region_imports_settle_stale(user=request.user)
    region_import = selectors.region_import_get_for_user(user=request.user, import_id=import_id)
    context = {
        "imp": region_import,
        "errors": region_import.errors[:200],
        "more_errors": max(0, len(region_import.errors) - 200),
    }
    if request.htmx:
        return render(request, "regions/region_import_detail.html#status", context)
    return render(request, "regions/region_import_detail.html", context)
