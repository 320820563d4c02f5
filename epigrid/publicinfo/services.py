"""Writes of public information: bulletins (draft, edit, publish, withdraw) and notices.

Only a role with ``publish_info`` (the district HQ, a town or street office) writes, for a district or
town in its scope. Every text that could reach the public is checked by ``privacy`` on each edit and
again when published: a name, an ID number or a mobile phone refuses the whole change, with every
finding named by line and column, and nothing is saved. The audit log records who did what to which
bulletin, never the text.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from epigrid.core.audit import audit_log
from epigrid.core.clock import now
from epigrid.core.models import AuditEvent, User
from epigrid.publicinfo.bulletins import FIXED_WORDING, bulletin_draft_text, bulletin_title
from epigrid.publicinfo.figures import last_cutoff
from epigrid.publicinfo.models import Bulletin, PublicNotice
from epigrid.publicinfo.privacy import personal_data_findings
from epigrid.publicinfo.selectors import hotlines, snapshot_get
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import scope_for

TEXT_MAX = 5000
TITLE_MAX = 100
_PHONE = re.compile(r"^[0-9+][0-9 \-]{1,28}[0-9]$")


class PublicInfoInvalid(Exception):
    """A change refused; ``errors`` are (field, message) pairs, without personal data."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(message for _, message in errors))
        self.errors = errors


def _require(actor: User, region: Region) -> None:
    if not actor.caps.publish_info or not scope_for(actor).contains(region):
        raise PermissionDenied
    if region.level not in (Level.DISTRICT, Level.TOWN):
        raise PublicInfoInvalid([("region", _("只有区（县）和镇（街道）发布公开信息。"))])


def _district(region: Region) -> Region:
    if region.level == Level.DISTRICT:
        return region
    return Region.objects.get(pk=region.depth_ids[Level.DISTRICT - 1])


def _exempt_wording(region: Region, *extra: str) -> str:
    """Wording that is not a name: the fixed phrases, the district's region names, notice titles."""
    district = _district(region)
    names = Region.objects.filter(path__startswith=district.path).values_list("name", flat=True)
    titles = PublicNotice.objects.filter(region__path__startswith=district.path).values_list(
        "title", flat=True
    )
    return "\n".join([FIXED_WORDING, *names, *titles, *extra])


def check_text(
    region: Region, fields: list[tuple[str, str, str]], *, exempt_extra: str = "", phone: str = ""
) -> None:
    """Refuse (``PublicInfoInvalid``) when any (field, label, text) holds personal data.

    The region's hotlines (and ``phone``, a hotline being saved) are numbers the public may have.
    """
    district = _district(region)
    exempt = _exempt_wording(region, exempt_extra)
    phones = [number for _, number in hotlines(region)] + ([phone] if phone else [])
    errors: list[tuple[str, str]] = []
    for field, label, text in fields:
        for finding in personal_data_findings(text, district=district, exempt=exempt, allowed_phones=phones):
            errors.append((field, finding.message(label)))
    if errors:
        raise PublicInfoInvalid(errors)


def _audit(actor: User, action: str, bulletin: Bulletin, **detail: object) -> None:
    audit_log(
        actor=actor,
        action=action,
        object_type="bulletin",
        object_id=bulletin.pk,
        region_path=bulletin.region.path,
        detail={"day": bulletin.day.isoformat(), "status": bulletin.status, **detail},
    )


@transaction.atomic
def bulletin_draft(*, actor: User, region: Region, day: dt.date | None = None) -> tuple[Bulletin, bool]:
    """The day's bulletin of the region, drafted from its figures if there is none yet (idempotent).

    Returns the bulletin and whether it was created now. The day is a report day whose cut-off has
    passed (default: the last one).
    """
    _require(actor, region)
    last_day, _cutoff = last_cutoff(now())
    day = day or last_day
    if day > last_day:
        raise PublicInfoInvalid([("day", _("该日的统计截止时间未到，不能起草通报。"))])
    existing = (
        Bulletin.objects.filter(region=region, day=day).exclude(status=Bulletin.Status.WITHDRAWN).first()
    )
    if existing is not None:
        return existing, False
    data = snapshot_get(region, moment=_cutoff_moment(day))
    text = bulletin_draft_text(data, hotlines(region))
    bulletin = Bulletin.objects.create(
        region=region,
        day=day,
        title=bulletin_title(data, None),
        text=text,
        generated_text=text,
        figures=data,
        created_by=actor,
        updated_by=actor,
    )
    _audit(actor, AuditEvent.Action.CREATE, bulletin)
    return bulletin, True


def _cutoff_moment(day: dt.date) -> dt.datetime:
    from epigrid.reports.indicators import report_cutoff

    return report_cutoff(day)


def _locked(bulletin: Bulletin) -> Bulletin:
    return Bulletin.objects.select_for_update().select_related("region").get(pk=bulletin.pk)


@transaction.atomic
def bulletin_edit(*, actor: User, bulletin: Bulletin, title: str, text: str) -> Bulletin:
    """Replace a draft's title and text, refused whole when either holds personal data."""
    bulletin = _locked(bulletin)
    _require(actor, bulletin.region)
    if bulletin.status != Bulletin.Status.DRAFT:
        raise PublicInfoInvalid([("text", _("已发布或已撤回的通报不能修改。"))])
    title, text = title.strip(), text.strip()
    errors: list[tuple[str, str]] = []
    if not title:
        errors.append(("title", _("请填写标题。")))
    elif len(title) > TITLE_MAX:
        errors.append(("title", _("标题不能超过100字。")))
    if not text:
        errors.append(("text", _("请填写正文。")))
    elif len(text) > TEXT_MAX:
        errors.append(("text", _("正文不能超过5000字。")))
    if errors:
        raise PublicInfoInvalid(errors)
    check_text(
        bulletin.region,
        [("title", _("标题"), title), ("text", _("正文"), text)],
        exempt_extra=bulletin.generated_text,
    )
    if (title, text) != (bulletin.title, bulletin.text):
        bulletin.title, bulletin.text, bulletin.updated_by = title, text, actor
        bulletin.save(update_fields=["title", "text", "updated_by", "updated_at"])
        _audit(actor, AuditEvent.Action.UPDATE, bulletin, fields=["title", "text"])
    return bulletin


@transaction.atomic
def bulletin_publish(*, actor: User, bulletin: Bulletin) -> Bulletin:
    """Publish a draft with the region's next issue number (publishing twice changes nothing)."""
    bulletin = _locked(bulletin)
    _require(actor, bulletin.region)
    if bulletin.status == Bulletin.Status.PUBLISHED:
        return bulletin
    if bulletin.status != Bulletin.Status.DRAFT:
        raise PublicInfoInvalid([("status", _("已撤回的通报不能发布，请重新起草。"))])
    check_text(
        bulletin.region,
        [("title", _("标题"), bulletin.title), ("text", _("正文"), bulletin.text)],
        exempt_extra=bulletin.generated_text,
    )
    last = Bulletin.objects.filter(region=bulletin.region).aggregate(n=Max("number"))["n"] or 0
    bulletin.number = last + 1
    data = bulletin.figures
    if bulletin.title == bulletin_title(data, None):  # the generated title gets its issue number
        bulletin.title = bulletin_title(data, bulletin.number)
    bulletin.status = Bulletin.Status.PUBLISHED
    bulletin.published_by, bulletin.published_at = actor, now()
    bulletin.save()
    _audit(actor, AuditEvent.Action.UPDATE, bulletin, published=True, number=bulletin.number)
    return bulletin


@transaction.atomic
def bulletin_withdraw(*, actor: User, bulletin: Bulletin, reason: str) -> Bulletin:
    """Take a published bulletin off the public page, with the reason (kept, never deleted)."""
    bulletin = _locked(bulletin)
    _require(actor, bulletin.region)
    reason = reason.strip()
    if bulletin.status == Bulletin.Status.WITHDRAWN:
        return bulletin
    if not reason:
        raise PublicInfoInvalid([("reason", _("请填写撤回原因。"))])
    if len(reason) > 200:
        raise PublicInfoInvalid([("reason", _("撤回原因不能超过200字。"))])
    check_text(bulletin.region, [("reason", _("撤回原因"), reason)])
    bulletin.status, bulletin.withdrawn_reason, bulletin.updated_by = Bulletin.Status.WITHDRAWN, reason, actor
    bulletin.save(update_fields=["status", "withdrawn_reason", "updated_by", "updated_at"])
    _audit(actor, AuditEvent.Action.UPDATE, bulletin, withdrawn=True)
    return bulletin


@transaction.atomic
def notice_save(
    *,
    actor: User,
    region: Region,
    kind: str,
    title: str,
    body: str = "",
    phone: str = "",
    position: int = 0,
    active: bool = True,
    notice: PublicNotice | None = None,
    idempotency_key: str = "",
) -> PublicNotice:
    """Create or change a guidance text or a hotline, refused whole on any problem.

    Creating with an ``idempotency_key`` this account already created a notice with answers that
    notice (``created`` false), whatever else was sent; the account's row is locked while the key is
    looked up, so two retries at once create one. A key used for another region is refused.
    """
    _require(actor, region)
    if notice is not None and notice.region_id != region.pk:
        raise PermissionDenied
    key = idempotency_key.strip()[:64] if notice is None else ""
    if key:
        User.objects.select_for_update().filter(pk=actor.pk).first()
        previous = PublicNotice.objects.filter(created_by=actor, idempotency_key=key).first()
        if previous is not None:
            if previous.region_id != region.pk:
                raise PublicInfoInvalid([("idempotency_key", _("这个提交标识已用于另一条记录。"))])
            previous.created = False
            return previous
    title, body, phone = title.strip(), body.strip(), phone.strip()
    errors: list[tuple[str, str]] = []
    if kind not in PublicNotice.Kind.values:
        errors.append(("kind", _("类型只能是防控指引或咨询热线。")))
    if not title:
        errors.append(("title", _("请填写标题。")))
    elif len(title) > TITLE_MAX:
        errors.append(("title", _("标题不能超过100字。")))
    if len(body) > TEXT_MAX:
        errors.append(("body", _("内容不能超过5000字。")))
    if kind == PublicNotice.Kind.HOTLINE:
        if not phone:
            errors.append(("phone", _("咨询热线请填写电话。")))
        elif not _PHONE.match(phone):
            errors.append(("phone", _("电话只能含数字、空格、“-”和开头的“+”。")))
    elif kind == PublicNotice.Kind.GUIDANCE and not body:
        errors.append(("body", _("防控指引请填写内容。")))
    if not 0 <= position <= 999:
        errors.append(("position", _("排序应为0至999。")))
    if errors:
        raise PublicInfoInvalid(errors)
    check_text(region, [("title", _("标题"), title), ("body", _("内容"), body)], phone=phone)
    if notice is None:
        notice = PublicNotice(region=region, created_by=actor, idempotency_key=key)
    else:
        notice = PublicNotice.objects.select_for_update().get(pk=notice.pk)
    created = notice.pk is None
    notice.kind, notice.title, notice.body = kind, title, body
    notice.phone = phone if kind == PublicNotice.Kind.HOTLINE else ""
    notice.position, notice.active, notice.updated_by = position, active, actor
    notice.save()
    audit_log(
        actor=actor,
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
        object_type="public_notice",
        object_id=notice.pk,
        region_path=region.path,
        detail={"kind": kind, "active": active},
    )
    return notice
