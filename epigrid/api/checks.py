"""Health checks of an episode: list them (audited) and record one taken by staff.

A check is recorded through ``monitoring.checks.check_record``, the service the pages and the
self-report link use: every problem comes back at once as a 422 naming the field; a second check of
the same day and slot replaces the current one (201 both times; the old one stays in the history).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Schema, Status
from ninja.errors import ValidationError

from epigrid.api.common import (
    ApiRouter,
    Page,
    PageParams,
    PathId,
    actor,
    audit_listing,
    page_out,
    paginate,
    require,
)
from epigrid.core.clock import now
from epigrid.monitoring.checks import CheckInvalid, check_record
from epigrid.monitoring.episode_selectors import episode_checks, episode_in_scope
from epigrid.monitoring.models import HealthCheck
from epigrid.monitoring.policy import slot_at

router = ApiRouter(tags=["checks"])


class CheckOut(Schema):
    id: int
    episode_id: int
    person_id: int
    day: dt.date
    slot: str
    temperature: Decimal | None
    symptoms: list[str]
    went_out: bool
    fever: bool
    channel: str
    recorded_at: dt.datetime
    entered_at: dt.datetime
    recorded_by: str
    replaced_by_id: int | None = Field(description="set when a later entry of the same slot replaced it")


class CheckIn(Schema):
    temperature: Decimal = Field(max_digits=4, decimal_places=2, description="°C, 34.0–43.0, one decimal")
    symptoms: list[str] = Field([], max_length=20, description="keys of the episode policy's symptom list")
    went_out: bool = False
    channel: Literal["roster", "phone"] = "phone"
    recorded_at: dt.datetime | None = Field(None, description="when it was taken; default now")
    day: dt.date | None = Field(None, description="default: the local day of recorded_at")
    slot: str | None = Field(None, max_length=10, description="default: the slot recorded_at falls in")


class CheckFilter(Schema):
    history: bool = Field(False, description="include entries replaced by a later one")


def _out(check: HealthCheck) -> dict[str, object]:
    return {
        "id": check.pk,
        "episode_id": check.episode_id,
        "person_id": check.person_id,
        "day": check.day,
        "slot": check.slot,
        "temperature": check.temperature,
        "symptoms": list(check.symptoms),
        "went_out": check.went_out,
        "fever": check.fever,
        "channel": check.channel,
        "recorded_at": check.recorded_at,
        "entered_at": check.entered_at,
        "recorded_by": str(check.recorded_by) if check.recorded_by else "",
        "replaced_by_id": check.replaced_by_id,
    }


@router.get(
    "/episodes/{int:episode_id}/checks",
    response=Page[CheckOut],
    summary="An episode's health checks, newest first; current ones only unless history (audited)",
)
def check_list(
    request: HttpRequest, episode_id: PathId, filters: Query[CheckFilter], page: Query[PageParams]
) -> dict[str, object]:
    user = actor(request)
    episode = episode_in_scope(user=user, episode_id=episode_id)
    count, items = paginate(episode_checks(episode=episode, history=filters.history), page)
    audit_listing(
        user=user, request=request, object_type="health_check", ids=[c.pk for c in items],
        filters=["history"] if filters.history else [], object_id=episode.pk,
    )  # fmt: skip
    return page_out(count, page, [_out(c) for c in items])


@router.post(
    "/episodes/{int:episode_id}/checks",
    response={201: CheckOut},
    summary="Record a check taken by staff (roster or phone); a second one of the slot replaces the first",
)
def check_create(request: HttpRequest, episode_id: PathId, payload: CheckIn) -> Status[dict[str, object]]:
    user = actor(request)
    require(user, "can_write")
    episode = episode_in_scope(user=user, episode_id=episode_id)
    taken = payload.recorded_at or now()
    try:
        check = check_record(
            actor=user,
            episode=episode,
            day=payload.day or timezone.localdate(taken),
            slot=payload.slot or slot_at(episode.policy, taken),
            temperature=payload.temperature,
            symptoms=payload.symptoms,
            went_out=payload.went_out,
            channel=payload.channel,
            recorded_at=taken,
        )
    except CheckInvalid as exc:
        raise ValidationError(
            [{"loc": ["body", "payload", e.field or "__all__"], "msg": str(e.message), "type": "value_error"}
             for e in exc.errors]
        ) from None  # fmt: skip
    return Status(201, _out(check))
