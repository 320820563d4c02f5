"""Public information for staff: bulletins (draft, edit, publish, withdraw) and notices (guidance,
hotlines) of a district or town; the public side itself is ``/public/<code>/feed.json`` (no token).

Writes go through ``publicinfo.services``, like the pages: a text holding a name, an ID number or a
mobile phone is a 422 naming the field, line and column, and nothing is saved. Drafting a day twice
returns the same bulletin (201, then 200); publishing twice changes nothing; a notice added twice with
one ``idempotency_key`` is added once (201, then 200 with the first). Only roles with
``publish_info`` (the district HQ, a town or street office) call these, for regions in their scope.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Schema, Status
from ninja.errors import ValidationError

from epigrid.api.common import ApiRouter, PathId, actor, require
from epigrid.publicinfo.models import Bulletin, PublicNotice
from epigrid.publicinfo.selectors import (
    bulletin_for_user,
    bulletins_of,
    managed_region,
    notice_for_user,
    notices_of,
)
from epigrid.publicinfo.services import (
    PublicInfoInvalid,
    bulletin_draft,
    bulletin_edit,
    bulletin_publish,
    bulletin_withdraw,
    notice_save,
)

router = ApiRouter(tags=["publicinfo"])


class BulletinOut(Schema):
    id: int
    region_id: int
    day: dt.date
    number: int | None
    title: str
    text: str
    generated_text: str
    status: str
    published_at: dt.datetime | None
    withdrawn_reason: str


class DraftIn(Schema):
    region_id: int
    day: dt.date | None = Field(None, description="报告日（默认：最近一个已截止的统计日）")


class EditIn(Schema):
    title: str = Field(..., max_length=200)
    text: str = Field(..., max_length=10000)


class WithdrawIn(Schema):
    reason: str = Field(..., max_length=400)


class NoticeOut(Schema):
    id: int
    region_id: int
    kind: str
    title: str
    body: str
    phone: str
    position: int
    active: bool


class NoticeIn(Schema):
    kind: Literal["guidance", "hotline"]
    title: str = Field(..., max_length=200)
    body: str = Field("", max_length=10000)
    phone: str = Field("", max_length=60)
    position: int = Field(0, ge=0, le=999)
    active: bool = True


class NoticeCreateIn(NoticeIn):
    region_id: int
    idempotency_key: str = Field("", max_length=64, description="the same key twice adds one notice")


def _refused(exc: PublicInfoInvalid) -> ValidationError:
    return ValidationError(
        [
            {"loc": ["body", "payload", field], "msg": message, "type": "value_error"}
            for field, message in exc.errors
        ]
    )


def _bulletin(b: Bulletin) -> dict[str, Any]:
    return {
        "id": b.pk,
        "region_id": b.region_id,
        "day": b.day,
        "number": b.number,
        "title": b.title,
        "text": b.text,
        "generated_text": b.generated_text,
        "status": b.status,
        "published_at": b.published_at,
        "withdrawn_reason": b.withdrawn_reason,
    }


def _notice(n: PublicNotice) -> dict[str, Any]:
    return {
        "id": n.pk,
        "region_id": n.region_id,
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "phone": n.phone,
        "position": n.position,
        "active": n.active,
    }


@router.get(
    "/bulletins", response=list[BulletinOut], summary="The bulletins of a district or town, newest first"
)
def bulletin_list(request: HttpRequest, region_id: int) -> list[dict[str, Any]]:
    user = actor(request)
    require(user, "publish_info")
    region = managed_region(user=user, region_id=region_id)
    return [_bulletin(b) for b in bulletins_of(region)[:100]]


@router.post(
    "/bulletins",
    response={200: BulletinOut, 201: BulletinOut},
    summary="Draft a day's bulletin from the figures; 201 drafted, 200 the day's bulletin already there",
)
def bulletin_create(request: HttpRequest, payload: DraftIn) -> Status[dict[str, Any]]:
    user = actor(request)
    require(user, "publish_info")
    region = managed_region(user=user, region_id=payload.region_id)
    try:
        bulletin, created = bulletin_draft(actor=user, region=region, day=payload.day)
    except PublicInfoInvalid as exc:
        raise _refused(exc) from None
    return Status(201 if created else 200, _bulletin(bulletin))


@router.get("/bulletins/{int:bulletin_id}", response=BulletinOut, summary="One bulletin")
def bulletin_detail(request: HttpRequest, bulletin_id: PathId) -> dict[str, Any]:
    user = actor(request)
    require(user, "publish_info")
    return _bulletin(bulletin_for_user(user=user, bulletin_id=bulletin_id))


@router.put(
    "/bulletins/{int:bulletin_id}",
    response=BulletinOut,
    summary="Replace a draft's title and text (422 naming line and column of any personal data)",
)
def bulletin_update(request: HttpRequest, bulletin_id: PathId, payload: EditIn) -> dict[str, Any]:
    user = actor(request)
    require(user, "publish_info")
    bulletin = bulletin_for_user(user=user, bulletin_id=bulletin_id)
    try:
        return _bulletin(bulletin_edit(actor=user, bulletin=bulletin, title=payload.title, text=payload.text))
    except PublicInfoInvalid as exc:
        raise _refused(exc) from None


@router.post(
    "/bulletins/{int:bulletin_id}/publish", response=BulletinOut, summary="Publish a draft (idempotent)"
)
def bulletin_publish_op(request: HttpRequest, bulletin_id: PathId) -> dict[str, Any]:
    user = actor(request)
    require(user, "publish_info")
    bulletin = bulletin_for_user(user=user, bulletin_id=bulletin_id)
    try:
        return _bulletin(bulletin_publish(actor=user, bulletin=bulletin))
    except PublicInfoInvalid as exc:
        raise _refused(exc) from None


@router.post("/bulletins/{int:bulletin_id}/withdraw", response=BulletinOut, summary="Withdraw with a reason")
def bulletin_withdraw_op(request: HttpRequest, bulletin_id: PathId, payload: WithdrawIn) -> dict[str, Any]:
    user = actor(request)
    require(user, "publish_info")
    bulletin = bulletin_for_user(user=user, bulletin_id=bulletin_id)
    try:
        return _bulletin(bulletin_withdraw(actor=user, bulletin=bulletin, reason=payload.reason))
    except PublicInfoInvalid as exc:
        raise _refused(exc) from None


@router.get("/public-notices", response=list[NoticeOut], summary="Guidance texts and hotlines of a region")
def notice_list(request: HttpRequest, region_id: int) -> list[dict[str, Any]]:
    user = actor(request)
    require(user, "publish_info")
    region = managed_region(user=user, region_id=region_id)
    return [_notice(n) for n in notices_of(region)]


@router.post(
    "/public-notices",
    response={200: NoticeOut, 201: NoticeOut},
    summary="Add a guidance text or a hotline; 201 added, 200 the same idempotency key again",
)
def notice_create(request: HttpRequest, payload: NoticeCreateIn) -> Status[dict[str, Any]]:
    user = actor(request)
    require(user, "publish_info")
    region = managed_region(user=user, region_id=payload.region_id)
    fields = payload.dict()
    del fields["region_id"]
    try:
        notice = notice_save(actor=user, region=region, **fields)
    except PublicInfoInvalid as exc:
        raise _refused(exc) from None
    return Status(201 if notice.created else 200, _notice(notice))


@router.put(
    "/public-notices/{int:notice_id}", response=NoticeOut, summary="Change a guidance text or a hotline"
)
def notice_update(request: HttpRequest, notice_id: PathId, payload: NoticeIn) -> dict[str, Any]:
    user = actor(request)
    require(user, "publish_info")
    notice = notice_for_user(user=user, notice_id=notice_id)
    try:
        saved = notice_save(actor=user, region=notice.region, notice=notice, **payload.dict())
    except PublicInfoInvalid as exc:
        raise _refused(exc) from None
    return _notice(saved)
