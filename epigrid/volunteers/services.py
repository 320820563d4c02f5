"""Writes of volunteer teams and their members.

District HQ, town and street offices and village leaders keep the teams and members of their own
subtree (``WRITERS``); grid workers, departments and checkpoint staff read. Every refusal names its
field and saves nothing. A member's phone is normalised (``lib.phone``); a member may be linked to a
registered resident or to a staff account, each at most once, so the duty roster can tell that a
volunteer and an account are the same human (``Volunteer.person_key``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from epigrid.core.audit import audit_log
from epigrid.core.models import AuditEvent, User
from epigrid.core.roles import Role
from epigrid.lib.phone import normalize_phone
from epigrid.people.models import Person
from epigrid.regions.models import Assignment, Level, Region
from epigrid.regions.scope import scope_for, subtree_q
from epigrid.regions.services import chain_to
from epigrid.volunteers.errors import FieldError, VolunteerInvalid
from epigrid.volunteers.models import Duty, Volunteer, VolunteerTeam

WRITERS = frozenset({Role.DISTRICT_HQ, Role.TOWN_OFFICER, Role.VILLAGE_LEADER})
NAME_MAX = 50
TEXT_MAX = 100
NOTE_MAX = 200


def can_manage(user: User) -> bool:
    """Whether the user's role keeps teams, members and the duty roster (inside its scope)."""
    return user.role in WRITERS


def require_manager(actor: User, *regions: Region) -> None:
    """Refuse (PermissionDenied) unless the actor manages and every region lies in its scope."""
    scope = scope_for(actor)
    if not can_manage(actor) or not all(scope.contains(region) for region in regions):
        raise PermissionDenied


def phone_clean(raw: str, errors: list[FieldError], *, field_name: str = "phone", required: bool) -> str:
    """The normalised phone, or "" with an error appended (the message never repeats the number)."""
    if not raw.strip():
        if required:
            errors.append(FieldError(field_name, _("请填写联系电话。")))
        return ""
    result = normalize_phone(raw[:40])
    if not result.valid or result.normalized is None:
        errors.append(FieldError(field_name, result.error or _("电话号码无效。")))
        return ""
    return result.normalized


def staff_in_district(user: User, district_path: str) -> bool:
    """Whether a staff account works somewhere in the district (it may stand duty there)."""
    return (
        user.is_active
        and Assignment.objects.filter(subtree_q(district_path, field="region__path"), user=user).exists()
    )


def _district_path(region: Region) -> str:
    return f"{region.depth_ids[0]}/"


def _set_chain(row: VolunteerTeam | Volunteer, region: Region) -> None:
    chain = chain_to(region)
    row.district_id = chain["district_id"]
    row.town_id = chain.get("town_id")
    row.village_id = chain.get("village_id")
    row.grid_id = chain.get("grid_id")


# --- teams ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamInput:
    name: str
    kind: str
    region: Region
    leader: Volunteer | None = None
    note: str = ""
    active: bool = True


@transaction.atomic
def team_save(*, actor: User, data: TeamInput, team: VolunteerTeam | None = None) -> VolunteerTeam:
    """Create a team, or change ``team``; refused outside the actor's scope.

    Creating a team that exists already (same region, name and kind: a form sent twice) returns it
    and writes nothing.
    """
    require_manager(actor, data.region, *([team.region] if team is not None else []))
    errors: list[FieldError] = []
    name = data.name.strip()
    if team is None:
        same = VolunteerTeam.objects.filter(region=data.region, name=name, kind=data.kind).first()
        if same is not None:
            return same
    if not name:
        errors.append(FieldError("name", _("请填写队伍名称。")))
    elif len(name) > TEXT_MAX:
        errors.append(FieldError("name", _("队伍名称不能超过100字。")))
    if data.kind not in VolunteerTeam.Kind.values:
        errors.append(FieldError("kind", _("请选择队伍类型。")))
    if not Level.TOWN <= data.region.level <= Level.GRID:
        errors.append(FieldError("region", _("请选择队伍所属的镇/街道、村/社区或网格。")))
    elif (
        name
        and VolunteerTeam.objects.filter(region=data.region, name=name)
        .exclude(pk=team.pk if team else 0)
        .exists()
    ):
        errors.append(FieldError("name", _("该区域已有同名队伍。")))
    if data.leader is not None and (team is None or data.leader.team_id != team.pk):
        errors.append(FieldError("leader", _("队长须是本队成员（先保存队伍，再添加成员）。")))
    if len(data.note) > NOTE_MAX:
        errors.append(FieldError("note", _("不能超过200字。")))
    if errors:
        raise VolunteerInvalid(errors)
    row = team or VolunteerTeam(created_by=actor)
    row.name = name
    row.kind = data.kind
    row.region = data.region
    _set_chain(row, data.region)
    row.leader = data.leader
    row.note = data.note.strip()
    row.active = data.active
    created = row.pk is None
    row.save()
    audit_log(
        actor=actor,
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
        object_type="volunteer_team",
        object_id=row.pk,
        region_path=data.region.path,
        detail={"kind": row.kind, "active": row.active},
    )
    return row


# --- members -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerInput:
    name: str
    phone: str
    kind: str
    region: Region
    team: VolunteerTeam | None = None
    grids: Sequence[Region] = field(default_factory=list)
    person: Person | None = None
    user: User | None = None
    note: str = ""
    active: bool = True
    idempotency_key: str = ""  # a new member's: the same key twice from one account adds them once


def _validate_member(actor: User, data: VolunteerInput, volunteer: Volunteer | None) -> list[FieldError]:
    errors: list[FieldError] = []
    name = data.name.strip()
    if not name:
        errors.append(FieldError("name", _("请填写姓名。")))
    elif len(name) > NAME_MAX:
        errors.append(FieldError("name", _("姓名不能超过50字。")))
    if data.kind not in Volunteer.Kind.values:
        errors.append(FieldError("kind", _("请选择身份。")))
    region = data.region
    if not Level.TOWN <= region.level <= Level.GRID:
        errors.append(FieldError("region", _("请选择成员所在的镇/街道、村/社区或网格。")))
    scope = scope_for(actor)
    team = data.team
    if team is not None:
        if not scope.contains(team.region):
            errors.append(FieldError("team", _("未找到该队伍。")))
        elif not (region.path.startswith(team.region.path) or team.region.path.startswith(region.path)):
            errors.append(FieldError("team", _("所属队伍应在成员所在区域内或其上级。")))
    for grid in data.grids:
        if grid.level != Level.GRID or not scope.contains(grid):
            errors.append(FieldError("grids", _("服务网格须是您辖区内的网格。")))
            break
        if not grid.path.startswith(region.path) and not region.path.startswith(grid.path):
            errors.append(FieldError("grids", _("服务网格须在成员所在区域内。")))
            break
    own = volunteer.pk if volunteer is not None else 0
    if data.person is not None:
        if not scope.covers(data.person):
            errors.append(FieldError("person", _("未找到该登记人员。")))
        elif Volunteer.objects.filter(person=data.person).exclude(pk=own).exists():
            errors.append(FieldError("person", _("该登记人员已是志愿者。")))
    if data.user is not None:
        if not staff_in_district(data.user, _district_path(region)):
            errors.append(FieldError("user", _("该工作人员账号不在本区。")))
        elif Volunteer.objects.filter(user=data.user).exclude(pk=own).exists():
            errors.append(FieldError("user", _("该工作人员账号已关联其他志愿者。")))
    if len(data.note) > NOTE_MAX:
        errors.append(FieldError("note", _("不能超过200字。")))
    return errors


@transaction.atomic
def volunteer_save(*, actor: User, data: VolunteerInput, volunteer: Volunteer | None = None) -> Volunteer:
    """Add a member, or change ``volunteer``; refused outside the actor's scope.

    Adding a member who exists already (same region, name and phone: a form sent twice) returns them
    and writes nothing. Changing the member's link to an account or a resident re-keys their shifts,
    so a double booking across the two identities is still seen.

    Adding with an ``idempotency_key`` this account already added a member with answers that member
    (``created`` false), whatever else was sent; the account's row is locked while the key is looked up,
    so two retries at once add one. A key used for a member of another region is refused.
    """
    require_manager(actor, data.region, *([volunteer.region] if volunteer is not None else []))
    key = data.idempotency_key.strip()[:64] if volunteer is None else ""
    if key:
        User.objects.select_for_update().filter(pk=actor.pk).first()
        previous = Volunteer.objects.filter(created_by=actor, idempotency_key=key).first()
        if previous is not None:
            if previous.region_id != data.region.pk:
                raise VolunteerInvalid([FieldError("idempotency_key", _("这个提交标识已用于另一条记录。"))])
            previous.created = False
            return previous
    errors = _validate_member(actor, data, volunteer)
    phone = phone_clean(data.phone, errors, required=True)
    if volunteer is None and phone:
        same = Volunteer.objects.filter(region=data.region, name=data.name.strip(), phone=phone).first()
        if same is not None:
            return same
    if errors:
        raise VolunteerInvalid(errors)
    row = volunteer or Volunteer(created_by=actor, idempotency_key=key)
    previous_key = row.person_key if row.pk else ""
    row.name = data.name.strip()
    row.phone = phone
    row.kind = data.kind
    row.team = data.team
    row.region = data.region
    _set_chain(row, data.region)
    row.person = data.person
    row.user = data.user
    row.note = data.note.strip()
    row.active = data.active
    created = row.pk is None
    row.save()
    row.grids.set(data.grids)
    if previous_key and previous_key != row.person_key:
        Duty.objects.filter(volunteer=row).update(person_key=row.person_key)
    if not created:
        # A leader who left the team (for another or none) no longer leads it.
        led = VolunteerTeam.objects.filter(leader=row)
        if row.team_id is not None:
            led = led.exclude(pk=row.team_id)
        led.update(leader=None)
    audit_log(
        actor=actor,
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
        object_type="volunteer",
        object_id=row.pk,
        region_path=data.region.path,
        detail={
            "kind": row.kind,
            "team": row.team_id,
            "grids": len(data.grids),
            "linked": [k for k, v in (("person", row.person_id), ("user", row.user_id)) if v],
            "active": row.active,
        },
    )
    return row
