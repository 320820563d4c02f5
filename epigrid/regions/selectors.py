"""Reads of regions and households, always limited to the caller's subtrees."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from epigrid.core.models import User
from epigrid.core.roles import Role
from epigrid.regions.models import Assignment, Household, Level, Region, RegionImport
from epigrid.regions.scope import scope_for

HOUSEHOLDS_PER_PAGE = 50


def regions_for_user(*, user: User) -> QuerySet[Region]:
    """Return every region the user may see."""
    return Region.objects.filter(scope_for(user).regions_q())


def region_roots_for_user(*, user: User) -> list[Region]:
    """Return the top regions of the user's scope (their assignments, de-duplicated)."""
    return list(scope_for(user).roots)


def region_get_for_user(*, user: User, region_id: int) -> Region:
    """Return one region in the user's scope; 404 when it is missing or not theirs."""
    region = Region.objects.filter(pk=region_id).first()
    if region is None or not scope_for(user).contains(region):
        raise Http404
    return region


def region_ancestors(*, region: Region, user: User) -> list[Region]:
    """Return the breadcrumb above ``region``, cut at the top of the user's scope."""
    ids = region.depth_ids[:-1]
    by_id = {r.id: r for r in Region.objects.filter(pk__in=ids)}
    scope = scope_for(user)
    return [by_id[i] for i in ids if i in by_id and scope.contains(by_id[i])]


@dataclass(frozen=True)
class ChildRow:
    region: Region
    child_count: int


def region_children(*, region: Region) -> list[ChildRow]:
    """Return the children of a region with how many units each holds in turn (one query each)."""
    children = list(Region.objects.filter(parent=region).order_by("code"))
    if not children:
        return []
    grand = dict(
        Region.objects.filter(parent__in=children)
        .values_list("parent_id")
        .annotate(n=Count("id"))
        .values_list("parent_id", "n")
    )
    return [ChildRow(region=c, child_count=grand.get(c.id, 0)) for c in children]


def households_in_grid(
    *, user: User, grid: Region, page: str | int | None, query: str = ""
) -> Page[Household]:
    """Return one page of the households of a grid in the user's scope, optionally by address.

    ``page`` is taken as the request gives it: ``Paginator.get_page`` turns junk into page 1 and a
    page past the end into the last.
    """
    if grid.level != Level.GRID or not scope_for(user).contains(grid):
        raise Http404
    qs = Household.objects.filter(grid=grid).order_by("number")
    if query:
        qs = qs.filter(Q(address__contains=query) | Q(head_name__contains=query))
    paginator = Paginator(qs, HOUSEHOLDS_PER_PAGE)
    return paginator.get_page(page)


def household_get_for_user(*, user: User, household_id: int) -> Household:
    """Return one household in the user's scope; 404 when it is missing or not theirs."""
    household = (
        Household.objects.filter(scope_for(user).rows_q(), pk=household_id)
        .select_related("grid", "village", "town", "district")
        .first()
    )
    if household is None:
        raise Http404
    return household


def region_imports_for_user(*, user: User, limit: int = 20) -> list[RegionImport]:
    """Return the user's own recent imports (the file bytes are not loaded)."""
    return list(RegionImport.objects.filter(uploaded_by=user).defer("content")[:limit])


def region_import_get_for_user(*, user: User, import_id: int) -> RegionImport:
    """Return one of the user's own imports; 404 for anyone else's."""
    region_import = RegionImport.objects.filter(pk=import_id, uploaded_by=user).defer("content").first()
    if region_import is None:
        raise Http404
    return region_import


def staff_for_user(*, user: User, query: str = "", role: str = "") -> QuerySet[User]:
    """Return the accounts ``user`` may manage: a grantable role, and every assignment in its scope.

    An account with no assignment at all is shown to system administrators only, so that a new
    account created from the command line can be given its regions.
    """
    grants = user.caps.grants
    scope = scope_for(user)
    if not grants or (scope.empty and user.role != Role.ADMIN):
        return User.objects.none()
    outside = Assignment.objects.exclude(scope.regions_q_for("region__")).values("user_id")
    staff = User.objects.filter(role__in=grants).exclude(pk__in=outside).exclude(pk=user.pk)
    if user.role != Role.ADMIN:
        staff = staff.filter(assignments__isnull=False).distinct()
    if role in grants:
        staff = staff.filter(role=role)
    if query:
        staff = staff.filter(Q(username__icontains=query) | Q(display_name__icontains=query))
    return staff.order_by("username").prefetch_related("assignments__region")


def staff_get_for_user(*, user: User, staff_id: int) -> User:
    """Return one account ``user`` may manage; 404 for any other."""
    found = staff_for_user(user=user).filter(pk=staff_id).first()
    if found is None:
        raise Http404
    return found
