"""Alerts (abnormal readings not yet dealt with), a region's "not reported" list, and acknowledging.

The same read-time selectors as the pages (``monitoring.alerts``): scoped, masked by role, every list
audited; an acknowledgement goes through ``alert_acknowledge`` and a refusal is a 422 naming the field.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status
from ninja.errors import ValidationError

from epigrid.api.common import ApiRouter, PathId, actor, require
from epigrid.core.clock import now
from epigrid.monitoring.alerts import (
    LIST_LIMIT,
    AckInvalid,
    alert_acknowledge,
    alerts_for_user,
    not_reported,
)
from epigrid.monitoring.episode_selectors import episode_check, episode_in_scope
from epigrid.monitoring.models import AlertAck
from epigrid.regions.selectors import region_get_for_user

router = ApiRouter(tags=["alerts"])


class PersonRef(Schema):
    person_id: int
    name: str
    phone: str = Field(description="masked unless the role needs it in full")


class AlertOut(PersonRef):
    episode_id: int
    check_id: int
    grid_id: int | None
    day: dt.date
    slot: str
    temperature: Decimal | None
    fever: bool
    symptoms: list[str]
    entered_at: dt.datetime
    escalated: bool = Field(description="unacknowledged for longer than the policy's escalate_minutes")


class AlertsOut(Schema):
    count: int
    items: list[AlertOut]


class MissedOut(PersonRef):
    episode_id: int
    grid_id: int | None


class MissedSlotOut(Schema):
    day: dt.date
    slot: str
    label: str
    deadline: dt.datetime
    count: int = Field(description="how many missed it; a lower bound when capped")
    capped: bool = Field(description="a town's or district's list stops at 200: open a village for all")
    items: list[MissedOut]


class NotReportedOut(Schema):
    region_id: int
    at: dt.datetime
    slots: list[MissedSlotOut]


class NotReportedFilter(Schema):
    region_id: int = Field(description="a district, town, village or grid in the caller's scope")


class AckIn(Schema):
    kind: Literal["abnormal", "missed"]
    day: dt.date
    slot: str = Field(max_length=10)
    action: Literal["visited", "phoned", "fever_clinic", "mistaken", "other"]
    note: str = Field("", max_length=200)
    health_check_id: int | None = Field(None, description="required for kind abnormal")


class AckOut(Schema):
    id: int
    episode_id: int
    kind: str
    health_check_id: int | None
    day: dt.date
    slot: str
    action: str
    note: str
    acknowledged_by: str
    created_at: dt.datetime


@router.get("/alerts", response=AlertsOut, summary="The caller's alerts, newest first (audited)")
def alert_list(request: HttpRequest) -> dict[str, object]:
    user = actor(request)
    count, alerts = alerts_for_user(user, now(), request=request)
    items = [
        {
            "person_id": a.episode.person_id,
            "name": a.view.person.name,
            "phone": a.view.phone,
            "episode_id": a.episode.pk,
            "check_id": a.check.pk,
            "grid_id": a.episode.grid_id,
            "day": a.check.day,
            "slot": a.check.slot,
            "temperature": a.check.temperature,
            "fever": a.check.fever,
            "symptoms": list(a.check.symptoms),
            "entered_at": a.check.entered_at,
            "escalated": a.escalated,
        }
        for a in alerts
    ]
    return {"count": count, "items": items}


@router.get(
    "/alerts/not-reported",
    response=NotReportedOut,
    summary=f"Open episodes of a region that missed a slot whose deadline passed in the last 24 hours "
    f"(first {LIST_LIMIT} per slot; audited)",
)
def not_reported_list(request: HttpRequest, filters: Query[NotReportedFilter]) -> dict[str, object]:
    user = actor(request)
    region = region_get_for_user(user=user, region_id=filters.region_id)
    moment = now()
    groups = not_reported(user=user, region=region, moment=moment, request=request)
    slots = [
        {
            "day": g.day,
            "slot": g.slot.key,
            "label": g.slot.label,
            "deadline": g.deadline,
            "count": g.count,
            "capped": g.capped,
            "items": [
                {
                    "person_id": r.episode.person_id,
                    "name": r.view.person.name,
                    "phone": r.view.phone,
                    "episode_id": r.episode.pk,
                    "grid_id": r.episode.grid_id,
                }
                for r in g.rows
            ],
        }
        for g in groups
    ]
    return {"region_id": region.pk, "at": moment, "slots": slots}


@router.post(
    "/episodes/{int:episode_id}/acks",
    response={201: AckOut},
    summary="Record what was done about an abnormal reading or a missed slot; the alert closes",
)
def ack_create(request: HttpRequest, episode_id: PathId, payload: AckIn) -> Status[dict[str, object]]:
    user = actor(request)
    require(user, "can_write")
    episode = episode_in_scope(user=user, episode_id=episode_id)
    health_check = None
    if payload.health_check_id is not None:
        health_check = episode_check(episode=episode, check_id=payload.health_check_id)
        if health_check is None:
            loc = ["body", "payload", "health_check_id"]
            raise ValidationError([{"loc": loc, "msg": _("未找到该监测记录"), "type": "value_error"}])
    try:
        ack: AlertAck = alert_acknowledge(
            actor=user,
            episode=episode,
            kind=payload.kind,
            day=payload.day,
            slot=payload.slot,
            action=payload.action,
            note=payload.note,
            health_check=health_check,
            request=request,
        )
    except AckInvalid as exc:
        field = "health_check_id" if exc.field == "health_check" else exc.field or "__all__"
        raise ValidationError(
            [{"loc": ["body", "payload", field], "msg": str(exc.message), "type": "value_error"}]
        ) from None
    return Status(
        201,
        {
            "id": ack.pk,
            "episode_id": ack.episode_id,
            "kind": ack.kind,
            "health_check_id": ack.health_check_id,
            "day": ack.day,
            "slot": ack.slot,
            "action": ack.action,
            "note": ack.note,
            "acknowledged_by": str(user),
            "created_at": ack.created_at,
        },
    )
