"""Writes of the duty roster (值班值守): put someone on duty at a unit or a checkpoint, take them off,
and find double bookings.

A double booking — the same person (``Duty.person_key``) on two overlapping shifts, at one place or
two — is accepted and reported, not refused: in an emergency a village leader may knowingly cover a
checkpoint while also leading the village's shift, and the person who builds the roster is often not
the one who booked the other shift (another town's checkpoint). ``duty_assign`` returns the conflicts
it created, and the roster page and the API flag every shift that has one (``conflicts_for``), until
one of the two is removed.

Entering the same shift twice (same person, place and start) returns the first and writes nothing.

A shift's phone as read (``duty_phone_for``): the number to call the person on duty is a work contact,
shown in full to everyone who may read the roster (it is scoped); only a volunteer's *own* phone, when
the shift gives no other number, stays personal data and is masked as the reader's role says.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from epigrid.checkpoints.models import Checkpoint
from epigrid.core.audit import audit_log
from epigrid.core.clock import local_today
from epigrid.core.models import AuditEvent, User
from epigrid.core.roles import Capabilities
from epigrid.lib.phone import normalize_phone
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import scope_for
from epigrid.volunteers.errors import FieldError, VolunteerInvalid
from epigrid.volunteers.models import Duty, Volunteer
from epigrid.volunteers.services import NOTE_MAX, phone_clean, require_manager, staff_in_district

DAYS_BACK = 31  # a roster may be completed afterwards for a month (the record of who was on duty)
DAYS_AHEAD = 62  # and planned two months ahead


def _same_number(a: str, b: str) -> bool:
    first, second = normalize_phone(a), normalize_phone(b)
    if first.valid and second.valid:
        return first.normalized == second.normalized
    return a.strip() == b.strip()


def is_personal_phone(duty: Duty) -> bool:
    """Tell whether the shift's phone is the volunteer's own number (personal data), not a duty line.

    A staff member on duty is reached on the number given for the shift: a work contact. A volunteer's
    shift defaults to the volunteer's own phone unless another number (the post's line) is given.
    """
    volunteer = duty.volunteer if duty.volunteer_id is not None else None
    return volunteer is not None and _same_number(duty.phone, volunteer.phone)


def duty_phone_for(caps: Capabilities, duty: Duty) -> str:
    """The shift's phone as a reader with ``caps`` sees it: in full, but a volunteer's own number
    masked unless the role sees phones in full."""
    if is_personal_phone(duty):
        return caps.identifiers("", duty.phone)[1]
    return duty.phone


def shift_bounds(day: dt.date, starts_at: dt.time, ends_at: dt.time) -> tuple[dt.datetime, dt.datetime]:
    """The shift as aware moments: an end at or before the start is on the next day (08:00 = 24 hours)."""
    zone = timezone.get_default_timezone()
    start = timezone.make_aware(dt.datetime.combine(day, starts_at), zone)
    end_day = day if ends_at > starts_at else day + dt.timedelta(days=1)
    return start, timezone.make_aware(dt.datetime.combine(end_day, ends_at), zone)


def conflicts_for(duties: Sequence[Duty]) -> dict[int, list[Duty]]:
    """For each shift given, the other shifts of the same person that overlap it, anywhere (one query).

    Shifts last at most 24 hours, so the other shifts start less than a day before the earliest one.
    """
    out: dict[int, list[Duty]] = {d.pk: [] for d in duties}
    if not duties:
        return out
    keys = {d.person_key for d in duties}
    low = min(d.start_at for d in duties)
    high = max(d.end_at for d in duties)
    others = (
        Duty.objects.filter(
            person_key__in=keys,
            start_at__lt=high,
            start_at__gt=low - dt.timedelta(days=1, seconds=1),
            end_at__gt=low,
        )
        .select_related("region", "checkpoint__region")
        .order_by("start_at", "id")
    )
    by_key: dict[str, list[Duty]] = defaultdict(list)
    for other in others:
        by_key[other.person_key].append(other)
    for duty in duties:
        out[duty.pk] = [
            other
            for other in by_key[duty.person_key]
            if other.pk != duty.pk and other.start_at < duty.end_at and duty.start_at < other.end_at
        ]
    return out


@dataclass(frozen=True)
class DutyInput:
    day: dt.date
    starts_at: dt.time
    ends_at: dt.time
    region: Region | None = None  # the unit, or …
    checkpoint: Checkpoint | None = None  # … the checkpoint
    staff: User | None = None  # a staff account, or …
    volunteer: Volunteer | None = None  # … a volunteer
    phone: str = ""  # empty: the person's own
    duty_role: str = Duty.Role.OFFICER
    note: str = ""


@dataclass
class DutyResult:
    duty: Duty
    created: bool  # False: the same shift was entered before, nothing written now
    conflicts: list[Duty] = field(default_factory=list)  # overlapping shifts of the same person


def _place_region(data: DutyInput) -> Region | None:
    if data.checkpoint is not None:
        return data.checkpoint.region
    return data.region


def _validate(actor: User, data: DutyInput, place: Region) -> tuple[list[FieldError], str, str]:
    errors: list[FieldError] = []
    if data.region is not None and data.checkpoint is not None:
        errors.append(FieldError("place", _("值班地点只能是一个单位或一个卡口。")))
    if data.region is not None and data.region.level > Level.GRID:
        errors.append(FieldError("place", _("值班单位应为区、镇/街道、村/社区或网格。")))
    if data.checkpoint is not None and not data.checkpoint.active:
        errors.append(FieldError("place", _("该卡口已停用。")))
    district_path = f"{place.depth_ids[0]}/"
    key = ""
    default_phone = ""
    if (data.staff is None) == (data.volunteer is None):
        errors.append(FieldError("person", _("请选择一名值班人员（工作人员或志愿者）。")))
    elif data.staff is not None:
        if not staff_in_district(data.staff, district_path):
            errors.append(FieldError("person", _("该工作人员不在本区。")))
        key = f"u:{data.staff.pk}"
        default_phone = data.staff.phone
    elif data.volunteer is not None:
        volunteer = data.volunteer
        if not scope_for(actor).contains(volunteer.region) or volunteer.district_id != place.depth_ids[0]:
            errors.append(FieldError("person", _("未找到该志愿者。")))
        elif not volunteer.active:
            errors.append(FieldError("person", _("该志愿者已不在岗。")))
        key = volunteer.person_key
        default_phone = volunteer.phone
    today = local_today()
    if data.day < today - dt.timedelta(days=DAYS_BACK):
        errors.append(FieldError("day", _("只能补录31天内的值班。")))
    elif data.day > today + dt.timedelta(days=DAYS_AHEAD):
        errors.append(FieldError("day", _("只能安排62天内的值班。")))
    if data.duty_role not in Duty.Role.values:
        errors.append(FieldError("duty_role", _("请选择值班角色。")))
    if len(data.note) > NOTE_MAX:
        errors.append(FieldError("note", _("不能超过200字。")))
    phone = phone_clean(data.phone or default_phone, errors, required=False)
    if not phone and not any(e.field == "phone" for e in errors):
        errors.append(FieldError("phone", _("请填写值班联系电话。")))
    return errors, key, phone


def _same_shift(key: str, data: DutyInput, start: dt.datetime) -> Duty | None:
    place = Q(checkpoint=data.checkpoint) if data.checkpoint is not None else Q(region=data.region)
    return Duty.objects.filter(place, person_key=key, start_at=start).first()


def duty_assign(*, actor: User, data: DutyInput) -> DutyResult:
    """Put a person on duty; see the module docstring. Raises ``VolunteerInvalid`` naming the field."""
    place = _place_region(data)
    if place is None:
        raise VolunteerInvalid([FieldError("place", _("请选择值班单位或卡口。"))])
    require_manager(actor, place)
    errors, key, phone = _validate(actor, data, place)
    if errors:
        raise VolunteerInvalid(errors)
    start, end = shift_bounds(data.day, data.starts_at, data.ends_at)
    previous = _same_shift(key, data, start)
    if previous is None:
        try:
            duty = _write(actor, data, place, key, phone, start, end)
        except IntegrityError:
            previous = _same_shift(key, data, start)  # the same shift, saved by a request a moment ago
            if previous is None:
                raise
        else:
            return DutyResult(duty, created=True, conflicts=conflicts_for([duty])[duty.pk])
    if previous.end_at != end:
        raise VolunteerInvalid(
            [FieldError("ends_at", _("此人在这里已有同一时间开始的班次，结束时间不同：请先删除原班次。"))]
        )
    return DutyResult(previous, created=False, conflicts=conflicts_for([previous])[previous.pk])


@transaction.atomic
def _write(
    actor: User, data: DutyInput, place: Region, key: str, phone: str, start: dt.datetime, end: dt.datetime
) -> Duty:
    ids = place.depth_ids
    duty = Duty.objects.create(
        region=data.region if data.checkpoint is None else None,
        checkpoint=data.checkpoint,
        district_id=ids[0],
        town_id=ids[1] if len(ids) > 1 else None,
        village_id=ids[2] if len(ids) > 2 else None,
        grid_id=ids[3] if len(ids) > 3 else None,
        staff=data.staff,
        volunteer=data.volunteer,
        person_key=key,
        day=data.day,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        start_at=start,
        end_at=end,
        phone=phone,
        duty_role=data.duty_role,
        note=data.note.strip(),
        created_by=actor,
    )
    audit_log(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        object_type="duty",
        object_id=duty.pk,
        region_path=place.path,
        detail={
            "place": "checkpoint" if data.checkpoint is not None else "unit",
            "who": "volunteer" if data.volunteer is not None else "staff",
            "day": data.day.isoformat(),
        },
    )
    return duty


def duty_place(duty: Duty) -> Region:
    """The region a shift's place stands in (the unit itself, or the checkpoint's region)."""
    if duty.checkpoint is not None:
        return duty.checkpoint.region
    if duty.region is None:  # the database's duty_one_place constraint makes this unreachable
        raise PermissionDenied
    return duty.region


@transaction.atomic
def duty_remove(*, actor: User, duty: Duty) -> None:
    """Take a shift off the roster (it was never stood, or was entered by mistake)."""
    place = duty_place(duty)
    require_manager(actor, place)
    audit_log(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        object_type="duty",
        object_id=duty.pk,
        region_path=place.path,
        detail={"day": duty.day.isoformat(), "place": "checkpoint" if duty.checkpoint_id else "unit"},
    )
    duty.delete()
