"""Community links and what residents send through them.

Links (``link_create`` / ``link_revoke`` / ``link_resolve``) follow the personal self-report links of
``epigrid.monitoring.checks``: the token is shown once (on the poster) and only its SHA-256 is stored,
so a lookup is an indexed equality on the digest and a database leak gives no working link.

``entry_submit`` writes one resident's report for the community to review. Guards, cheapest first
(the public page adds a honeypot field and a minimum fill time before calling it):

- the same content through the same link within ``DUPLICATE_MINUTES`` is one entry (a double tap, a
  phone that lost its answer): the first is returned and nothing is written or counted;
- more than ``ADDRESS_LIMIT`` entries an hour from one client address are refused (a counter shared by
  every web process, written in the same transaction as the entry, ``core.ratelimit.count_shared``);
- beyond ``FLOOD_LIMIT`` entries an hour through one link, entries are still kept but marked
  ``quarantined``: the review list shows them apart, so a flood of junk neither buries nor refuses the
  genuine residents who post the same hour.

Submissions through one link are serialized by locking the link's row, so the flood count and the
duplicate check are exact.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from epigrid.clues.errors import ClueInvalid, FieldError
from epigrid.clues.models import CommunityLink, ResidentEntry
from epigrid.clues.selectors import LINK_MANAGERS
from epigrid.clues.services import validate_clue_fields
from epigrid.core import ratelimit
from epigrid.core.audit import audit_log
from epigrid.core.clock import local_today, now
from epigrid.core.models import AuditEvent, User
from epigrid.lib.dates import parse_day
from epigrid.lib.phone import normalize_phone
from epigrid.monitoring.checks import CheckInvalid, parse_temperature, token_digest
from epigrid.people.models import TEMPERATURE_MAX, TEMPERATURE_MIN
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import scope_for

TOKEN_BYTES = 24  # 32 characters, 192 bits
TOKEN_MAX_LENGTH = 64
FLOOD_LIMIT = 20  # entries an hour through one link; the following ones are quarantined
FLOOD_WINDOW = dt.timedelta(hours=1)
ADDRESS_LIMIT = 10  # entries an hour from one client address
ADDRESS_WINDOW = 3600
DUPLICATE_MINUTES = 10
TEXT_MAX = 100

LIMITED = "limited"
CLOSED = "closed"


# --- links -----------------------------------------------------------------------------------------


def _may_manage(actor: User, village: Region) -> bool:
    return actor.role in LINK_MANAGERS and actor.caps.can_write and scope_for(actor).contains(village)


@transaction.atomic
def link_create(*, actor: User, village: Region, label: str = "") -> tuple[CommunityLink, str]:
    """Put up a public report page for a village or community; return it with the token (never stored).

    A village may have several live links (one per notice board), each revoked on its own.
    """
    if not _may_manage(actor, village):
        raise PermissionDenied
    errors = []
    if village.level != Level.VILLAGE:
        errors.append(FieldError("village", _("请选择村/社区。")))
    if len(label.strip()) > TEXT_MAX:
        errors.append(FieldError("label", _("张贴位置不能超过100字。")))
    if errors:
        raise ClueInvalid(errors)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = CommunityLink.objects.create(
        village=village, label=label.strip(), token_hash=token_digest(token), created_by=actor
    )
    audit_log(
        actor=actor, action=AuditEvent.Action.CREATE, object_type="community_link", object_id=link.pk,
        region_path=village.path,
    )  # fmt: skip
    return link, token


@transaction.atomic
def link_revoke(*, actor: User, link: CommunityLink) -> CommunityLink:
    """Take a page down for good; revoking twice keeps the first time. Its entries stay for review."""
    if not _may_manage(actor, link.village):
        raise PermissionDenied
    if link.revoked_at is None:
        link.revoked_at = now()
        link.save(update_fields=["revoked_at", "updated_at"])
        audit_log(
            actor=actor, action=AuditEvent.Action.UPDATE, object_type="community_link", object_id=link.pk,
            region_path=link.village.path, detail={"fields": ["revoked_at"]},
        )  # fmt: skip
    return link


def link_resolve(token: str) -> CommunityLink | None:
    """Return the live link a presented token opens (with its village), or None."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return (
        CommunityLink.objects.filter(token_hash=token_digest(token), revoked_at__isnull=True)
        .select_related("village")
        .first()
    )


# --- submissions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryInput:
    """A resident's report as typed (text, cut by the page to the field's length)."""

    kind: str
    name: str = ""
    phone: str = ""
    origin: str = ""
    arrived_on: str = ""
    address: str = ""
    temperature: str = ""
    clue_kind: str = ""
    description: str = ""


@dataclass(frozen=True)
class _Clean:
    kind: str
    name: str
    phone: str
    origin: str
    arrived_on: dt.date | None
    address: str
    temperature: Decimal | None
    clue_kind: str
    description: str

    def digest(self) -> str:
        fields = [
            self.kind, self.name, self.phone, self.origin, str(self.arrived_on or ""), self.address,
            str(self.temperature or ""), self.clue_kind, self.description,
        ]  # fmt: skip
        return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SubmitResult:
    entry: ResidentEntry | None
    created: bool = False  # False with an entry: the same report was received a moment ago
    refused: str = ""  # LIMITED (too many from this address) or CLOSED (the link was revoked)


def _text(value: str, field: str, label: str, errors: list[FieldError], *, required: bool) -> str:
    text = " ".join(value.split())
    if required and not text:
        errors.append(FieldError(field, _("请填写%(field)s。") % {"field": label}))
    elif len(text) > TEXT_MAX:
        errors.append(FieldError(field, _("%(field)s不能超过100字。") % {"field": label}))
    return text


def entry_validate(data: EntryInput) -> _Clean:
    """Check a resident's report; ``ClueInvalid`` names every wrong field (never the value typed)."""
    errors: list[FieldError] = []
    kind = data.kind
    if kind not in ResidentEntry.Kind.values:
        raise ClueInvalid([FieldError("kind", _("请选择要报告的事项。"))])
    # A clue names no one: its name and phone are the resident's own, optional, to be called back.
    person = kind in (ResidentEntry.Kind.RETURNEE, ResidentEntry.Kind.FEVER)
    label = _("姓名") if person else _("联系人")
    name = _text(data.name, "name", label, errors, required=person)
    if 50 < len(name) <= TEXT_MAX:
        errors.append(FieldError("name", _("%(field)s不能超过50字。") % {"field": label}))
    phone = ""
    if data.phone.strip():
        result = normalize_phone(data.phone)
        if not result.valid or result.normalized is None:
            errors.append(FieldError("phone", _("联系电话无效，请填写手机号或座机号。")))
        else:
            phone = result.normalized
    address = _text(data.address, "address", _("村内住址"), errors, required=False) if person else ""
    origin = ""
    arrived: dt.date | None = None
    if kind == ResidentEntry.Kind.RETURNEE:
        origin = _text(data.origin, "origin", _("从何地返回"), errors, required=True)
        if data.arrived_on.strip():
            arrived = parse_day(data.arrived_on.strip()[:20], year=local_today().year)
            if arrived is None:
                errors.append(FieldError("arrived_on", _("返回日期无效，例如 2020-01-25。")))
            elif arrived > local_today():
                errors.append(FieldError("arrived_on", _("返回日期不能晚于今天。")))
    temperature: Decimal | None = None
    if kind == ResidentEntry.Kind.FEVER:
        try:
            temperature = parse_temperature(data.temperature[:10])
        except CheckInvalid:
            errors.append(FieldError("temperature", _("体温应为数字，例如 38.2")))
        else:
            if temperature is None:
                errors.append(FieldError("temperature", _("请填写体温。")))
            elif not TEMPERATURE_MIN <= temperature <= TEMPERATURE_MAX:
                errors.append(FieldError("temperature", _("体温应在34.0至43.0 °C之间")))
                temperature = None
            else:
                temperature = temperature.quantize(Decimal("0.1"))
    clue_kind = description = ""
    if kind == ResidentEntry.Kind.CLUE:
        clue_errors, _phone = validate_clue_fields(
            kind=data.clue_kind, description=data.description, place="", contact_name="", contact_phone=""
        )
        errors += clue_errors
        clue_kind, description = data.clue_kind, data.description.strip()
    if errors:
        raise ClueInvalid(errors)
    return _Clean(kind, name, phone, origin, arrived, address, temperature, clue_kind, description)


class _Limited(Exception):
    """Too many entries from one address: the transaction rolls back, the counter with it."""


def entry_submit(*, link: CommunityLink, data: EntryInput, address: str) -> SubmitResult:
    """Write one resident's report for review (see the module docstring); ``ClueInvalid`` when wrong."""
    clean = entry_validate(data)
    digest = clean.digest()
    try:
        with transaction.atomic():
            return _write(link, clean, digest, address or "-")
    except _Limited:
        return SubmitResult(None, refused=LIMITED)


def _write(link: CommunityLink, clean: _Clean, digest: str, address: str) -> SubmitResult:
    locked = CommunityLink.objects.select_for_update().filter(pk=link.pk, revoked_at__isnull=True).first()
    if locked is None:
        return SubmitResult(None, refused=CLOSED)
    stamp = now()
    duplicate = (
        ResidentEntry.objects.filter(
            link=locked, content_hash=digest, created_at__gte=stamp - dt.timedelta(minutes=DUPLICATE_MINUTES)
        )
        .order_by("id")
        .first()
    )
    if duplicate is not None:
        return SubmitResult(duplicate, created=False)
    total = ratelimit.count_shared("clues-entry", {address: 1}, window=ADDRESS_WINDOW)[address]
    if total > ADDRESS_LIMIT:
        raise _Limited
    recent = ResidentEntry.objects.filter(link=locked, created_at__gte=stamp - FLOOD_WINDOW).count()
    village = link.village
    entry = ResidentEntry.objects.create(
        link=locked,
        district_id=village.depth_ids[0],
        town_id=village.depth_ids[Level.TOWN - 1],
        village=village,
        kind=clean.kind,
        name=clean.name,
        phone=clean.phone,
        origin=clean.origin,
        arrived_on=clean.arrived_on,
        address=clean.address,
        temperature=clean.temperature,
        clue_kind=clean.clue_kind,
        description=clean.description,
        quarantined=recent >= FLOOD_LIMIT,
        content_hash=digest,
    )
    CommunityLink.objects.filter(pk=locked.pk).update(last_used_at=stamp)
    audit_log(
        actor=None,
        action=AuditEvent.Action.CREATE,
        object_type="resident_entry",
        object_id=entry.pk,
        region_path=village.path,
        detail={"kind": entry.kind, "link": locked.pk, "quarantined": entry.quarantined},
        username="resident",
    )
    return SubmitResult(entry, created=True)
