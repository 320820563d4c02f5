"""What a pre-triage disposition does to the person's classification, and when it contradicts it.

The table (2020 practice, ``cases.transitions`` for the allowed moves):

- 排除 (excluded): a fever patient (hospital or community) or a suspected case becomes excluded. A close
  contact stays a close contact: the doctor excluded this fever, not the exposure, and the contact's
  observation runs on. Nothing changes for someone unclassified, excluded before or recovered. A case
  (confirmed, clinically diagnosed, asymptomatic) or a death cannot be "excluded" at pre-triage.
- 不能排除的发热 (fever that cannot be excluded): 医院发热待查 at a fever clinic or a hospital, 社区发热待查
  at a township health centre's fever room. Someone already counted as a hospital fever stays one (a
  township room does not move them back to the community's count). Refused for a suspected case, a case,
  a recovered person (the table allows them only a new infection) and a death.
- 疑似 (suspected): the way the transition table allows it; refused for cases and recovered people.
- 收治入院 (admitted): a hospital measure; who is not already a case (or a hospital fever) becomes
  医院发热待查 so the four categories count them.
- 居家医学观察 (sent home under observation): home observation with basis fever; the classification stays.
  A suspected case or a case is never sent home.

A refusal names the person's current classification and the disposition, never personal data.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from epigrid.cases.models import Classification, Measure
from epigrid.cases.transitions import label, transition_error
from epigrid.resources.models import Facility
from epigrid.triage.models import Disposition

C = Classification

# The facilities a pre-triage visit is recorded at.
TRIAGE_KINDS = (
    Facility.Kind.FEVER_CLINIC,
    Facility.Kind.TOWNSHIP_FEVER_ROOM,
    Facility.Kind.DESIGNATED_HOSPITAL,
)
_CASES = frozenset({C.CONFIRMED, C.CLINICAL, C.ASYMPTOMATIC, C.DIED})
_EXCLUDABLE = frozenset({C.FEVER_HOSPITAL, C.FEVER_COMMUNITY, C.SUSPECTED})
_NEVER_HOME = frozenset({C.SUSPECTED, C.CONFIRMED, C.CLINICAL, C.ASYMPTOMATIC, C.DIED})
# Admitted as they are: already counted as a case, a suspected case or a hospital fever.
_ADMITTED_AS_IS = frozenset(
    {C.SUSPECTED, C.CONFIRMED, C.CLINICAL, C.ASYMPTOMATIC, C.FEVER_HOSPITAL, C.RECOVERED}
)


@dataclass(frozen=True)
class Outcome:
    """What a visit does: the classification it sets ("" = unchanged), a measure, home observation."""

    to: str = ""
    measure: str = ""
    observe: bool = False


def fever_classification(facility_kind: str) -> str:
    """Return the "fever that cannot be excluded" classification of a facility's kind."""
    return C.FEVER_COMMUNITY if facility_kind == Facility.Kind.TOWNSHIP_FEVER_ROOM else C.FEVER_HOSPITAL


def contradiction(current: str, disposition: str) -> str:
    """Return the refusal naming the current classification and the disposition."""
    return _("该人员当前为%(current)s，预检处置不能为“%(disposition)s”。") % {
        "current": label(current),
        "disposition": Disposition(disposition).label,
    }


def disposition_outcome(*, disposition: str, current: str, facility_kind: str) -> tuple[Outcome, str]:
    """Return what ``disposition`` does to a person classified ``current`` ("" = never), or a refusal."""
    refused = (Outcome(), contradiction(current, disposition))
    if disposition == Disposition.EXCLUDED:
        if current in _CASES:
            return refused
        return (Outcome(to=C.EXCLUDED), "") if current in _EXCLUDABLE else (Outcome(), "")
    if disposition == Disposition.FEVER_UNEXCLUDED:
        target = fever_classification(facility_kind)
        if current == target or current == C.FEVER_HOSPITAL:
            return Outcome(), ""
        return refused if transition_error(current, target) else (Outcome(to=target), "")
    if disposition == Disposition.SUSPECTED:
        if current == C.SUSPECTED:
            return Outcome(), ""
        return refused if transition_error(current, C.SUSPECTED) else (Outcome(to=C.SUSPECTED), "")
    if disposition == Disposition.ADMITTED:
        if current == C.DIED:
            return refused
        to = "" if current in _ADMITTED_AS_IS else C.FEVER_HOSPITAL
        return Outcome(to=to, measure=Measure.Kind.DESIGNATED_HOSPITAL), ""
    if disposition == Disposition.HOME_OBSERVATION:
        if current in _NEVER_HOME:
            return refused
        return Outcome(measure=Measure.Kind.HOME_OBSERVATION, observe=True), ""
    return Outcome(), _("请选择处置结果。")
