"""The observation room (留观室) of a transport hub: re-check a traveller put there with fever and end
the stay with an outcome (``observation_record``).

A stay is open while it has no outcome; the room's free places are its places minus the open stays,
derived on every read. Ending a stay is idempotent: the same outcome sent again (a phone that lost its
answer) changes nothing, another outcome for an ended stay is refused. A traveller released after a
normal re-check who came from or through the outbreak area towards a village of the district is then
handed to that village exactly as at registration (``handovers.handover_create``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from epigrid.checkpoints.errors import CheckpointInvalid, FieldError
from epigrid.checkpoints.handovers import handover_create
from epigrid.checkpoints.models import Handover, HubObservation, PassagePerson
from epigrid.core.audit import audit_log
from epigrid.core.clock import now
from epigrid.core.models import AuditEvent, User
from epigrid.lib.idcard import parse_id
from epigrid.monitoring.checks import CheckInvalid, parse_temperature
from epigrid.monitoring.policy import current_policy
from epigrid.people.models import TEMPERATURE_MAX, TEMPERATURE_MIN, Person
from epigrid.people.services import person_register_unplaced
from epigrid.regions.scope import scope_for

REPEAT_SECONDS = 60  # the same re-check twice within a minute is one tap sent twice
CLINIC_MAX = 100
NOTE_MAX = 200
LONG_STAY = dt.timedelta(hours=4)
LATE_HOURS = 72  # a stay longer than this is shown as overdue (derived on read)


@dataclass
class ObservationResult:
    stay: HubObservation
    changed: bool  # False: the same outcome or re-check was recorded before, nothing written now
    handover: Handover | None = None


def _temperature(raw: str, errors: list[FieldError]) -> Decimal | None:
    try:
        value = parse_temperature(raw[:10])
    except CheckInvalid:
        errors.append(FieldError("temperature", _("复测体温应为数字，例如 36.5")))
        return None
    if value is not None and not TEMPERATURE_MIN <= value <= TEMPERATURE_MAX:
        errors.append(FieldError("temperature", _("复测体温应在34.0至43.0 °C之间")))
        return None
    return value.quantize(Decimal("0.1")) if value is not None else None


def _check(
    stay: HubObservation, outcome: str, temperature: Decimal | None, fever: bool, clinic: str, note: str
) -> list[FieldError]:
    errors: list[FieldError] = []
    if outcome and outcome not in HubObservation.Outcome.values:
        errors.append(FieldError("outcome", _("请选择留观结果。")))
    if not outcome and temperature is None:
        errors.append(FieldError("temperature", _("请填写复测体温，或选择留观结果。")))
    if outcome == HubObservation.Outcome.CLINIC and not clinic:
        errors.append(FieldError("clinic_name", _("请填写送往的发热门诊名称。")))
    if len(clinic) > CLINIC_MAX:
        errors.append(FieldError("clinic_name", _("发热门诊名称不能超过100字。")))
    if outcome == HubObservation.Outcome.OTHER and not note:
        errors.append(FieldError("note", _("选择“其他”时请写明处理情况。")))
    if len(note) > NOTE_MAX:
        errors.append(FieldError("note", _("不能超过200字。")))
    if outcome == HubObservation.Outcome.RELEASED:
        if temperature is not None and fever:
            errors.append(FieldError("temperature", _("复测体温仍达到发热标准，不能放行，请送发热门诊。")))
        elif temperature is None and (not stay.rechecks or stay.rechecks[-1].get("fever")):
            errors.append(FieldError("temperature", _("放行前请填写正常的复测体温。")))
    return errors


def _release_handover(actor: User, stay: HubObservation) -> Handover | None:
    """Hand a released outbreak-area traveller to their district village, as registration would have."""
    from epigrid.checkpoints.services import _find_person

    row = PassagePerson.objects.select_related("passage__checkpoint", "person").get(pk=stay.passage_person_id)
    passage = row.passage
    target = passage.destination_region
    if target is None or not (passage.from_outbreak_area or passage.via_outbreak_area):
        return None
    if Handover.objects.filter(passage_person=row).exists():
        return None
    person = row.person
    if person is None:
        parsed = parse_id(row.id_number) if row.id_number else None
        typed = _Typed(row.name, row.id_number, row.phone)
        person = _find_person(passage.district_id, typed)  # type: ignore[arg-type]
        if person is None:
            person = person_register_unplaced(
                actor=actor, region=target, source=Person.Source.LOCAL, name=row.name or _("未留姓名"),
                sex=(parsed.sex or "") if parsed else "", birth_date=parsed.birth_date if parsed else None,
                id_number=row.id_number, phone=row.phone,
            )  # fmt: skip
        row.person = person
        row.save(update_fields=["person"])
    return handover_create(passage, row, person, target)


@dataclass
class _Typed:
    """The identifiers ``services._find_person`` reads, from a stored passage person."""

    name: str
    id_number: str
    phone: str


@transaction.atomic
def observation_record(
    *,
    actor: User,
    stay: HubObservation,
    outcome: str = "",
    temperature: str = "",
    clinic_name: str = "",
    note: str = "",
    at: dt.datetime | None = None,
) -> ObservationResult:
    """Record a re-check (``temperature`` alone) or end the stay with ``outcome``; see the module.

    ``at``: when it happened, for a re-check written on paper and entered afterwards (default now; not
    before the stay began, not in the future, at most three days back as for a passage)."""
    checkpoint = stay.checkpoint
    if not actor.caps.can_write or not scope_for(actor).contains(checkpoint.region):
        raise PermissionDenied
    stay = HubObservation.objects.select_for_update().select_related("passage_person").get(pk=stay.pk)
    clinic = clinic_name.strip()
    note = note.strip()
    errors: list[FieldError] = []
    value = _temperature(temperature, errors)
    if not stay.is_open:
        if outcome and outcome == stay.outcome and value is None:
            return ObservationResult(stay, changed=False)
        raise CheckpointInvalid(
            [
                FieldError(
                    "outcome", _("该留观已结束（%(o)s），不能再修改。") % {"o": stay.get_outcome_display()}
                )
            ]
        )
    current = now()
    moment = at or current
    if moment > current + dt.timedelta(minutes=5) or moment < stay.started_at:
        errors.append(FieldError("at", _("时间应在进入留观室之后、现在之前。")))
    elif moment < current - dt.timedelta(hours=LATE_HOURS):
        errors.append(FieldError("at", _("只能补录三天内的留观记录。")))
    fever = current_policy(moment).is_fever(value)
    errors += _check(stay, outcome, value, fever, clinic, note)
    if errors:
        raise CheckpointInvalid(errors)
    last = stay.rechecks[-1] if stay.rechecks else None
    repeated = (
        last is not None
        and value is not None
        and last.get("temperature") == str(value)
        and abs(moment - dt.datetime.fromisoformat(str(last["at"]))) < dt.timedelta(seconds=REPEAT_SECONDS)
    )
    if not outcome and repeated:
        return ObservationResult(stay, changed=False)
    fields: list[str] = []
    if value is not None and not repeated:
        by = actor.display_name or actor.username
        stay.rechecks = [
            *stay.rechecks,
            {"at": moment.isoformat(), "temperature": str(value), "fever": fever, "by": by},
        ]
        fields.append("rechecks")
    handover = None
    if outcome:
        stay.outcome = outcome
        stay.clinic_name = clinic if outcome == HubObservation.Outcome.CLINIC else ""
        stay.note = note
        stay.ended_at = moment
        stay.ended_by = actor
        fields += ["outcome", "clinic_name", "note", "ended_at", "ended_by"]
    stay.save(update_fields=fields)
    if outcome == HubObservation.Outcome.RELEASED:
        handover = _release_handover(actor, stay)
    audit_log(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="hub_observation",
        object_id=stay.pk,
        region_path=checkpoint.region.path,
        detail={"outcome": outcome, "recheck": value is not None, "handover": handover is not None},
    )
    return ObservationResult(stay, changed=True, handover=handover)
