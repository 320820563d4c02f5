"""Writes of clues: a member of staff reports one (``clue_report``), the police station of the area
records what it found (``clue_outcome``). A clue from a resident is written by ``review.entry_accept``
through ``clue_write``.

Every problem comes back at once (``ClueInvalid``, keyed by field, without the values typed), nothing
is written then, and the same ``idempotency_key`` twice from the same account reports the clue once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from epigrid.clues.errors import ClueInvalid, FieldError
from epigrid.clues.models import Clue, ClueKind
from epigrid.clues.selectors import REPORTERS, clue_handled_by
from epigrid.core.audit import audit_log
from epigrid.core.clock import now
from epigrid.core.models import AuditEvent, User
from epigrid.lib.phone import normalize_phone
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import scope_for
from epigrid.regions.services import chain_to

DESCRIPTION_MAX = 1000
NOTE_MAX = 500
PLACE_MAX = 100


@dataclass(frozen=True)
class ClueInput:
    kind: str
    region: Region
    description: str
    place: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    idempotency_key: str = ""


@dataclass(frozen=True)
class ClueResult:
    clue: Clue
    created: bool  # False: the same submission was received before, nothing written now


def validate_clue_fields(
    *, kind: str, description: str, place: str, contact_name: str, contact_phone: str
) -> tuple[list[FieldError], str]:
    """Check what a clue says (shared with the residents' page); return the errors and the phone."""
    errors: list[FieldError] = []
    if kind not in ClueKind.values:
        errors.append(FieldError("kind", _("请选择线索类型。")))
    text = description.strip()
    if not text:
        errors.append(FieldError("description", _("请写明看到或听到的情况。")))
    elif len(text) > DESCRIPTION_MAX:
        errors.append(FieldError("description", _("情况说明不能超过1000字。")))
    if len(place.strip()) > PLACE_MAX:
        errors.append(FieldError("place", _("具体位置不能超过100字。")))
    if len(contact_name.strip()) > 50:
        errors.append(FieldError("contact_name", _("联系人不能超过50字。")))
    phone = ""
    if contact_phone.strip():
        result = normalize_phone(contact_phone)
        if not result.valid or result.normalized is None:
            errors.append(FieldError("contact_phone", _("联系电话无效，请填写手机号或座机号。")))
        else:
            phone = result.normalized
    return errors, phone


def clue_village_ids(actor: User) -> list[int]:
    """The villages above the actor's grids: a grid worker reports what they saw anywhere in the village."""
    return [
        root.depth_ids[Level.VILLAGE - 1] for root in scope_for(actor).roots if root.level > Level.VILLAGE
    ]


def _may_place(actor: User, region: Region) -> bool:
    return scope_for(actor).contains(region) or region.pk in clue_village_ids(actor)


def _reporter_unit(actor: User, region: Region) -> Region | None:
    """The unit that reported: the assigned region of the actor that contains the clue, else their first."""
    roots = scope_for(actor).roots
    for root in roots:
        if region.path.startswith(root.path):
            return root
    return roots[0] if roots else None


def clue_write(
    *,
    actor: User,
    data: ClueInput,
    phone: str,
    source: str,
    reporter_unit: Region | None,
) -> Clue:
    """Write a validated clue with its place's chain and audit it (the caller holds the transaction)."""
    chain = chain_to(data.region)
    clue = Clue.objects.create(
        kind=data.kind,
        region=data.region,
        district_id=chain["district_id"],
        town_id=chain.get("town_id"),
        village_id=chain.get("village_id"),
        grid_id=chain.get("grid_id"),
        place=data.place.strip(),
        description=data.description.strip(),
        contact_name=data.contact_name.strip(),
        contact_phone=phone,
        source=source,
        reported_by=actor,
        reporter_unit=reporter_unit,
        idempotency_key=data.idempotency_key.strip()[:64],
    )
    audit_log(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        object_type="clue",
        object_id=clue.pk,
        region_path=data.region.path,
        detail={"kind": clue.kind, "source": source, "contact": bool(phone or clue.contact_name)},
    )
    return clue


def _replay(actor: User, key: str) -> Clue | None:
    return Clue.objects.filter(reported_by=actor, idempotency_key=key).first() if key else None


def clue_report(*, actor: User, data: ClueInput) -> ClueResult:
    """Report a clue seen or heard in ``data.region`` (inside the actor's scope); routed at once."""
    if actor.role not in REPORTERS or not _may_place(actor, data.region):
        raise PermissionDenied
    key = data.idempotency_key.strip()[:64]
    previous = _replay(actor, key)
    if previous is not None:
        return ClueResult(previous, created=False)
    errors, phone = validate_clue_fields(
        kind=data.kind, description=data.description, place=data.place, contact_name=data.contact_name,
        contact_phone=data.contact_phone,
    )  # fmt: skip
    if data.region.level < Level.TOWN:
        errors.append(FieldError("region", _("请选择镇/街道、村/社区或网格。")))
    if errors:
        raise ClueInvalid(errors)
    try:
        with transaction.atomic():
            clue = clue_write(
                actor=actor, data=data, phone=phone, source=Clue.Source.STAFF,
                reporter_unit=_reporter_unit(actor, data.region),
            )  # fmt: skip
    except IntegrityError:
        previous = _replay(actor, key)  # the same submission, written by a request a moment ago
        if previous is None:
            raise
        return ClueResult(previous, created=False)
    return ClueResult(clue, created=True)


OUTCOMES = (Clue.Status.CHECKING, Clue.Status.VERIFIED, Clue.Status.FALSE, Clue.Status.HANDLED)


@transaction.atomic
def clue_outcome(*, actor: User, clue: Clue, status: str, note: str = "") -> Clue:
    """Record what the police station found: checking, verified, untrue or dealt with, with a note.

    Only a police station account whose area contains the clue. Recording the same outcome and note
    again changes nothing (a second tap); a later outcome replaces an earlier one.
    """
    found = Clue.objects.select_for_update().filter(pk=clue.pk).select_related("region").first()
    if found is None or not clue_handled_by(actor, found):
        raise PermissionDenied
    errors: list[FieldError] = []
    if status not in OUTCOMES:
        errors.append(FieldError("status", _("请选择核实结果。")))
    note = note.strip()
    if len(note) > NOTE_MAX:
        errors.append(FieldError("note", _("处理情况不能超过500字。")))
    if status in (Clue.Status.FALSE, Clue.Status.HANDLED) and not note:
        errors.append(FieldError("note", _("请写明核实或处置情况。")))
    if errors:
        raise ClueInvalid(errors)
    if found.status == status and found.outcome_note == note:
        return found
    stamp = now()
    before = found.status
    found.status = status
    found.outcome_note = note
    found.outcome_by = actor
    found.outcome_at = stamp
    fields = ["status", "outcome_note", "outcome_by", "outcome_at", "updated_at"]
    if status in (Clue.Status.VERIFIED, Clue.Status.HANDLED) and found.verified_at is None:
        found.verified_at = stamp
        fields.append("verified_at")
    found.save(update_fields=fields)
    audit_log(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="clue",
        object_id=found.pk,
        region_path=found.region.path,
        detail={"status": status, "from": before, "note": bool(note)},
    )
    return found
