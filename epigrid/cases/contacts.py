"""Register the contacts of a case: who was exposed, how, when, and the observation that follows.

A contact is one record per (case, contact): entering it again keeps the one row, the later exposure
wins and extends the observation. The contact person is either picked from the registry or typed in;
typed identifiers are first looked up (the same ID number, or the same phone with the same name key),
so a contact already registered is not created twice. Registering a contact makes them a close
contact (a contact of a close contact: 次密接) unless they already are a case, and opens or extends
their observation through ``epigrid.monitoring.episodes``: planned end = last exposure + the policy's
days (DOMAIN.md: 14 days from the last unprotected exposure; re-exposure restarts the clock).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from epigrid.cases.models import CaseStatus, Classification, ClassificationChange, Contact
from epigrid.cases.services import (
    CaseError,
    check_day,
    classify,
    current_classification,
    open_episode,
    person_locked,
    region_path,
    require,
)
from epigrid.cases.transitions import ALREADY_CASE, TRACEABLE, label
from epigrid.core.audit import audit_log
from epigrid.core.clock import now
from epigrid.core.models import AuditEvent, User
from epigrid.lib.idcard import parse_id
from epigrid.lib.names import name_info
from epigrid.lib.phone import normalize_phone
from epigrid.monitoring.episodes import EpisodeError, episode_extend, episode_start
from epigrid.monitoring.models import Episode
from epigrid.people.models import Person
from epigrid.people.services import person_register, person_register_unplaced
from epigrid.regions.models import Household, Region
from epigrid.regions.scope import scope_for

SOURCE_MAX = 100
SOURCE_CONTACT = "contact"
C = Classification


@dataclass(frozen=True)
class NewContact:
    """A contact not picked from the registry: identifiers as typed, and where they live.

    ``household`` places them in a household (a household contact lives with the case); otherwise
    they are registered as far as ``region`` is known (a town or village of the case's chain).
    """

    name: str
    sex: str = ""
    id_number: str = ""
    phone: str = ""
    household: Household | None = None
    region: Region | None = None


@dataclass(frozen=True)
class ContactResult:
    """What a registration did: the contact row, whether it was new, and the observation."""

    contact: Contact
    created: bool  # a new (case, contact) record; False when the pair was entered before
    person_created: bool  # the contact person was added to the registry
    episode: Episode | None
    episode_note: str  # why no episode was opened or extended, when none was
    classification: str  # the contact's classification afterwards


def _find_existing(actor: User, new: NewContact) -> Person | None:
    """Return the registered person the typed identifiers name, refusing one outside the scope."""
    scope = scope_for(actor)
    candidates: list[Person] = []
    if new.id_number.strip():
        parsed = parse_id(new.id_number)
        if not parsed.valid or parsed.normalized is None:
            raise CaseError(parsed.error or _("身份证号无效。"))
        candidates = list(
            Person.objects.filter(id_number=parsed.normalized, merged_into__isnull=True).order_by("id")[:5]
        )
    if not candidates and new.phone.strip():
        phone = normalize_phone(new.phone)
        if not phone.valid or phone.normalized is None:
            raise CaseError(phone.error or _("电话号码无效。"))
        key = name_info(new.name).key[:80]
        candidates = list(
            Person.objects.filter(phone=phone.normalized, name_key=key, merged_into__isnull=True).order_by(
                "id"
            )[:5]
        )
    if not candidates:
        return None
    mine = [p for p in candidates if scope.covers(p)]
    if not mine:
        raise CaseError(_("该人员已在您的辖区外登记，请联系上级单位登记此密切接触者。"))
    return mine[0]


def _register_new(actor: User, case: Person, new: NewContact, exposure: dt.date) -> Person:
    name = new.name.strip()
    if not name:
        raise CaseError(_("请填写接触者姓名。"))
    if len(name) > 50:
        raise CaseError(_("姓名不能超过50字。"))
    parsed = parse_id(new.id_number) if new.id_number.strip() else None
    if parsed is not None and parsed.birth_date and exposure < parsed.birth_date:
        raise CaseError(_("末次接触日期不能早于出生日期。"))
    phone = normalize_phone(new.phone).normalized if new.phone.strip() else ""
    sex = new.sex if new.sex in Person.Sex.values else ""
    if parsed is not None and parsed.sex:
        sex = sex or parsed.sex
    birth_date = parsed.birth_date if parsed else None
    id_number = (parsed.normalized or "") if parsed else ""
    scope = scope_for(actor)
    if new.household is not None:
        if not scope.covers(new.household):
            raise CaseError(_("住户不在您的管辖范围内。"))
        return person_register(
            actor=actor,
            household=new.household,
            source=Person.Source.LOCAL,
            name=name,
            sex=sex,
            birth_date=birth_date,
            id_number=id_number,
            phone=phone or "",
        )
    region = new.region or case.place
    if not scope.contains(region) or region.pk not in (case.district_id, case.town_id, case.village_id):
        raise CaseError(_("请选择病例所在的镇/街道或村/社区。"))
    return person_register_unplaced(
        actor=actor,
        region=region,
        source=Person.Source.LOCAL,
        name=name,
        sex=sex,
        birth_date=birth_date,
        id_number=id_number,
        phone=phone or "",
    )


def _observe(actor: User, person: Person, contact: Contact, exposure: dt.date) -> tuple[Episode | None, str]:
    """Open the contact's observation from the exposure, or extend the open one; say why not."""
    episode = open_episode(person)
    try:
        if episode is None:
            episode = episode_start(
                actor=actor,
                person=person,
                kind=Episode.Kind.HOME,
                basis=Episode.Basis.CLOSE_CONTACT,
                last_exposure=exposure,
                source_type=SOURCE_CONTACT,
                source_id=contact.pk,
                basis_note=contact.get_setting_display(),
            )
            return episode, ""
        new_end = exposure + dt.timedelta(days=episode.policy.observation_days)
        if new_end > episode.planned_end:
            episode = episode_extend(actor=actor, episode=episode, exposure_date=exposure)
        return episode, ""
    except EpisodeError as exc:
        return None, exc.message


@transaction.atomic
def contact_register(
    *,
    actor: User,
    case: Person,
    contact: Person | NewContact,
    setting: str,
    last_exposure: dt.date,
    source: str = "",
    at: dt.datetime | None = None,
) -> ContactResult:
    """Record that ``contact`` was exposed to ``case``; see the module docstring for what follows.

    Refused: a person as their own contact, an exposure after today or before the contact's birth, a
    "case" who is neither a case nor a close contact, anyone outside the actor's scope. ``at`` is when
    the contact was determined (判定日期; default now), the time of their classification change.
    """
    require(actor, "classify_cases")
    if setting not in Contact.Setting.values:
        raise CaseError(_("请选择接触方式。"))
    source = source.strip()
    if len(source) > SOURCE_MAX:
        raise CaseError(_("信息来源不能超过100字。"))
    check_day(last_exposure, None, what=_("末次接触日期"))
    case = person_locked(actor, case)
    case_class = current_classification(case)
    if case_class not in TRACEABLE:
        raise CaseError(
            _("关联人员当前为%(current)s，不是病例或密切接触者，不能登记其接触者。")
            % {"current": label(case_class)}
        )
    person_created = False
    if isinstance(contact, NewContact):
        found = _find_existing(actor, contact)
        if found is None:
            found = _register_new(actor, case, contact, last_exposure)
            person_created = True
        contact = found
    if contact.pk == case.pk:
        raise CaseError(_("一个人不能登记为自己的密切接触者。"))
    person = person_locked(actor, contact)
    check_day(last_exposure, person, what=_("末次接触日期"))

    row = Contact.objects.select_for_update().filter(case=case, contact=person).first()
    created = row is None
    if row is None:
        row = Contact.objects.create(
            case=case,
            contact=person,
            setting=setting,
            last_exposure=last_exposure,
            source=source,
            recorded_by=actor,
        )
    elif last_exposure > row.last_exposure:
        row.last_exposure, row.setting = last_exposure, setting
        row.source = source or row.source
        row.save(update_fields=["last_exposure", "setting", "source"])

    target = C.SECONDARY_CONTACT if case_class == C.CLOSE_CONTACT else C.CLOSE_CONTACT
    status = CaseStatus.objects.filter(person=person).first()
    current = status.classification if status else ""
    decided = min(at or now(), now())
    if status is not None and decided < status.since:
        decided = status.since  # determined before their last change: recorded after it, in order
    if (
        current not in ALREADY_CASE
        and current != target
        and not (current == C.CLOSE_CONTACT and target == C.SECONDARY_CONTACT)
    ):
        classify(
            actor=actor,
            person=person,
            to=target,
            reason=_("%(case)s的接触者（%(setting)s）")
            % {"case": label(case_class), "setting": row.get_setting_display()},
            source=ClassificationChange.Source.CONTACT_TRACING,
            at=decided,
        )
        current = target
    episode: Episode | None = None
    note = ""
    if current in ALREADY_CASE:
        note = _("该人员当前为%(current)s，不再纳入密接医学观察。") % {"current": label(current)}
    else:
        episode, note = _observe(actor, person, row, row.last_exposure)
    if episode is not None and row.episode_id != episode.pk:
        row.episode = episode
        row.save(update_fields=["episode"])
    audit_log(
        actor=actor,
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
        object_type="contact",
        object_id=row.pk,
        region_path=region_path(person),
        detail={
            "case": case.pk,
            "contact": person.pk,
            "setting": row.setting,
            "person_created": person_created,
            "episode": episode.pk if episode else None,
        },
    )
    return ContactResult(
        contact=row,
        created=created,
        person_created=person_created,
        episode=episode,
        episode_note=note,
        classification=current,
    )
