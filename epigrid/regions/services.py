"""Writes to the region tree: create, import, boundaries, assignments, and the kept counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count

from epigrid.core.audit import audit_log
from epigrid.core.clock import now
from epigrid.core.models import AuditEvent, User
from epigrid.core.roles import Role
from epigrid.regions.importers import (
    BoundaryRow,
    RegionFileError,
    RegionRow,
    parse_boundaries,
    parse_region_table,
    read_table,
)
from epigrid.regions.models import LEVEL_FIELD, Assignment, Household, Level, Region, RegionImport
from epigrid.regions.scope import scope_for


def _set_path(region: Region, parent: Region | None) -> None:
    region.path = f"{parent.path if parent else ''}{region.pk}/"


@transaction.atomic
def region_create(*, code: str, name: str, level: int, parent: Region | None) -> Region:
    """Create one region under ``parent`` with its materialized path."""
    region = Region.objects.create(code=code, name=name, level=level, parent=parent, path="")
    _set_path(region, parent)
    region.save(update_fields=["path"])
    return region


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int


@transaction.atomic
def region_tree_import(*, actor: User | None, rows: list[RegionRow]) -> ImportSummary:
    """Create or rename regions from validated rows (sorted parents first); codes are the keys.

    A region's parent never changes through an import: moving a village between towns would
    silently re-scope every person in it, so it is refused upstream by the parser's prefix rule.
    """
    by_code = {
        r.code: r
        for r in Region.objects.filter(
            code__in=[row.code for row in rows] + [row.parent_code for row in rows if row.parent_code]
        )
    }
    created = updated = 0
    for row in rows:
        region = by_code.get(row.code)
        if region is not None:
            if region.name != row.name:
                region.name = row.name
                region.save(update_fields=["name", "updated_at"])
                updated += 1
            continue
        parent = by_code.get(row.parent_code) if row.parent_code else None
        by_code[row.code] = region_create(code=row.code, name=row.name, level=row.level, parent=parent)
        created += 1
        if row.level == Level.DISTRICT and actor is not None:
            # Whoever adds a district must be able to see what they added.
            Assignment.objects.get_or_create(user=actor, region=by_code[row.code])
    audit_log(
        actor=actor,
        action=AuditEvent.Action.IMPORT,
        object_type="region_tree",
        detail={"rows": len(rows), "created": created, "updated": updated},
    )
    return ImportSummary(created=created, updated=updated)


@transaction.atomic
def region_boundaries_import(*, actor: User | None, rows: list[BoundaryRow]) -> int:
    """Store validated GeoJSON geometries on their regions; return how many were set."""
    regions = {r.code: r for r in Region.objects.filter(code__in=[row.code for row in rows])}
    for row in rows:
        region = regions[row.code]
        region.boundary = row.geometry
        region.save(update_fields=["boundary", "updated_at"])
    audit_log(
        actor=actor,
        action=AuditEvent.Action.IMPORT,
        object_type="region_boundaries",
        detail={"features": len(rows)},
    )
    return len(rows)


@transaction.atomic
def assignment_add(*, user: User, region: Region) -> Assignment:
    """Let ``user`` work in ``region`` and its subtree."""
    assignment, _ = Assignment.objects.get_or_create(user=user, region=region)
    return assignment


@transaction.atomic
def region_counts_rebuild() -> int:
    """Recompute every region's person and household counts from the rows; return regions touched.

    One GROUP BY per level over the chain columns: seconds for a million people, run after bulk
    loads and by ``epigrid recount_regions`` if the counts are ever doubted.
    """
    from epigrid.people.models import Person

    persons: dict[int, int] = {}
    households: dict[int, int] = {}
    for column in LEVEL_FIELD.values():
        for region_id, n in (
            Person.objects.filter(merged_into__isnull=True)
            .values_list(column)
            .annotate(n=Count("id"))
            .values_list(column, "n")
        ):
            persons[region_id] = n
        for region_id, n in (
            Household.objects.values_list(column).annotate(n=Count("id")).values_list(column, "n")
        ):
            households[region_id] = n
    regions = list(Region.objects.only("id", "level", "person_count", "household_count"))
    changed = []
    for region in regions:
        p = persons.get(region.id, 0) if region.level <= Level.GRID else 0
        h = households.get(region.id, 0) if region.level <= Level.GRID else 0
        if (region.person_count, region.household_count) != (p, h):
            region.person_count, region.household_count = p, h
            changed.append(region)
    Region.objects.bulk_update(changed, ["person_count", "household_count"], batch_size=500)
    return len(changed)


CHAIN_COLUMNS = ("district_id", "town_id", "village_id", "grid_id")


def chain_to(region: Region) -> dict[str, int]:
    """Return the chain ids down to ``region`` (a 片区 counts as its grid): as far as a row is placed."""
    ids = region.depth_ids[: min(region.level, Level.GRID)]
    return dict(zip(CHAIN_COLUMNS, ids, strict=False))


def chain_ids(grid: Region) -> dict[str, int]:
    """Return the district/town/village/grid ids a row in ``grid`` carries."""
    if grid.level != Level.GRID or len(grid.depth_ids) != 4:
        raise ValueError("households and people belong to a grid")
    return chain_to(grid)


ERR_IMPORT_INTERNAL = "系统内部错误，未导入任何数据；请联系系统管理员"
ERR_IMPORT_INTERRUPTED = "导入进程已中断，未导入任何数据；请重新上传文件"
# An import is one transaction of seconds (a city's tree is a few thousand rows): one still "running"
# this long after its claim lost its worker (killed, power cut) and wrote nothing.
STALE_IMPORT_AFTER = dt.timedelta(minutes=15)


@transaction.atomic
def region_import_submit(*, actor: User, kind: str, file_name: str, content: bytes) -> RegionImport:
    """Store an uploaded file and queue it for the worker once this transaction commits."""
    region_import = RegionImport.objects.create(
        kind=kind, file_name=file_name[:200], content=content, uploaded_by=actor
    )
    audit_log(
        actor=actor,
        action=AuditEvent.Action.IMPORT,
        object_type="region_import",
        object_id=region_import.pk,
        detail={"kind": kind, "bytes": len(content), "status": "queued"},
    )
    from epigrid.regions.tasks import region_import_run  # the task module imports this one

    pk = region_import.pk
    transaction.on_commit(lambda: region_import_run.enqueue(pk))
    return region_import


def region_imports_settle_stale(*, user: User) -> int:
    """Mark ``user``'s imports whose worker died while running as failed, so that the page says so and
    the file can be uploaded again (the task queue does not re-run a task whose worker was killed)."""
    stamp = now()
    return RegionImport.objects.filter(
        uploaded_by=user, status=RegionImport.Status.RUNNING, updated_at__lt=stamp - STALE_IMPORT_AFTER
    ).update(
        status=RegionImport.Status.FAILED,
        errors=[ERR_IMPORT_INTERRUPTED],
        finished_at=stamp,
        updated_at=stamp,
    )


def region_import_process(*, import_id: int) -> str:
    """Parse and apply a queued import as its uploader; all or nothing. Return the final status.

    Claimed with a conditional UPDATE so that two workers never process the same file.
    """
    claimed = RegionImport.objects.filter(pk=import_id, status=RegionImport.Status.QUEUED).update(
        status=RegionImport.Status.RUNNING, updated_at=now()
    )
    region_import = RegionImport.objects.select_related("uploaded_by").get(pk=import_id)
    if not claimed:
        return region_import.status
    actor = region_import.uploaded_by
    content = bytes(region_import.content)
    try:
        with transaction.atomic():
            mine = dict(Region.objects.filter(scope_for(actor).regions_q()).values_list("code", "level"))
            if region_import.kind == RegionImport.Kind.BOUNDARIES:
                count = region_boundaries_import(
                    actor=actor, rows=parse_boundaries(content, known_codes=set(mine))
                )
                summary: dict[str, int] = {"boundaries": count}
            else:
                others = set(Region.objects.exclude(code__in=mine).values_list("code", flat=True))
                rows = parse_region_table(
                    read_table(content, region_import.file_name),
                    existing=mine,
                    foreign=others,
                    may_add_district=actor.role == Role.ADMIN,
                )
                result = region_tree_import(actor=actor, rows=rows)
                summary = {"created": result.created, "updated": result.updated}
    except RegionFileError as exc:
        region_import.status = RegionImport.Status.FAILED
        region_import.errors = exc.errors
    except Exception:
        # A bug, not the file's fault: the uploader is told, the worker logs the traceback (file
        # contents are never logged), and the row does not stay "running" forever.
        region_import.status = RegionImport.Status.FAILED
        region_import.errors = [ERR_IMPORT_INTERNAL]
        region_import.finished_at = now()
        region_import.save(update_fields=["status", "errors", "finished_at", "updated_at"])
        raise
    else:
        region_import.status = RegionImport.Status.DONE
        region_import.summary = summary
    region_import.finished_at = now()
    region_import.save(update_fields=["status", "errors", "summary", "finished_at", "updated_at"])
    return region_import.status


# --- staff accounts ---------------------------------------------------------------------------------

ERR_ROLE_NOT_GRANTABLE = "您不能设置“{role}”角色的账号"
ERR_REGION_UNKNOWN = "区划代码不存在：{codes}"
ERR_REGION_OUTSIDE = "区划不在您的管辖范围内：{codes}"
ERR_NO_REGION = "请至少指定一个工作区域"
ERR_USERNAME_TAKEN = "用户名已被使用"


class StaffError(Exception):
    """A staff change was refused; the message is shown to the person who tried it."""


def _staff_regions(*, actor: User, role: str, codes: list[str]) -> list[Region]:
    if role not in actor.caps.grants:
        raise StaffError(
            ERR_ROLE_NOT_GRANTABLE.format(role=Role(role).label if role in Role.values else role)
        )
    if not codes:
        raise StaffError(ERR_NO_REGION)
    regions = list(Region.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {r.code for r in regions})
    if unknown:
        raise StaffError(ERR_REGION_UNKNOWN.format(codes="、".join(unknown)))
    scope = scope_for(actor)
    outside = sorted(r.code for r in regions if not scope.contains(r))
    if outside:
        raise StaffError(ERR_REGION_OUTSIDE.format(codes="、".join(outside)))
    return regions


@transaction.atomic
def staff_create(
    *,
    actor: User,
    username: str,
    role: str,
    region_codes: list[str],
    password: str,
    display_name: str = "",
    phone: str = "",
    organisation: str = "",
) -> User:
    """Create an account with a role and its regions, all inside what ``actor`` may grant."""
    regions = _staff_regions(actor=actor, role=role, codes=region_codes)
    if User.objects.filter(username__iexact=username).exists():
        raise StaffError(ERR_USERNAME_TAKEN)
    user = User(
        username=username, role=role, display_name=display_name, phone=phone, organisation=organisation
    )
    user.set_password(password)
    user.save()
    for region in regions:
        Assignment.objects.create(user=user, region=region)
    audit_log(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        object_type="user",
        object_id=user.pk,
        detail={"role": role, "regions": [r.pk for r in regions]},
    )
    return user


@transaction.atomic
def staff_update(
    *,
    actor: User,
    user: User,
    role: str,
    region_codes: list[str],
    is_active: bool,
    display_name: str = "",
    phone: str = "",
    organisation: str = "",
) -> User:
    """Change an account's role, regions, contact details or whether it may log in."""
    regions = _staff_regions(actor=actor, role=role, codes=region_codes)
    changed = [
        name
        for name, value in (
            ("role", role),
            ("is_active", is_active),
            ("display_name", display_name),
            ("phone", phone),
            ("organisation", organisation),
        )
        if getattr(user, name) != value
    ]
    user.role, user.is_active, user.display_name = role, is_active, display_name
    user.phone, user.organisation = phone, organisation
    user.save(update_fields=["role", "is_active", "display_name", "phone", "organisation"])
    before = set(user.assignments.values_list("region_id", flat=True))
    after = {r.pk for r in regions}
    if before != after:
        user.assignments.exclude(region_id__in=after).delete()
        for region in regions:
            if region.pk not in before:
                Assignment.objects.create(user=user, region=region)
        changed.append("regions")
    audit_log(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="user",
        object_id=user.pk,
        detail={"fields": changed, "role": role, "regions": sorted(after)},
    )
    return user


@transaction.atomic
def staff_set_password(*, actor: User, user: User, password: str) -> None:
    """Set a new password for an account the actor manages (the old one is not needed)."""
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_log(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="user",
        object_id=user.pk,
        detail={"fields": ["password"]},
    )
