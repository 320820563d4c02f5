"""Which classification may follow which, and the groups the counts and the services read.

The table follows the 2020 practice in ``shared/DOMAIN.md``:

- A person enters the system as a close contact (traced from a case), a contact of a contact (次密接),
  a fever patient whose infection cannot be excluded (at a hospital or found in the community), a
  suspected case, or directly as a laboratory-confirmed, clinically diagnosed or asymptomatic case
  (a case reported by a hospital). Nobody is first recorded as excluded, recovered or dead.
- Contacts are watched for their period; during it they develop fever or symptoms (→ fever-unexcluded
  or suspected), test positive (→ confirmed, or asymptomatic without symptoms), or are excluded. A
  contact of a contact becomes a close contact when the person they met turns out to be a case.
- Fever-unexcluded: a community fever goes to the fever clinic (→ hospital fever); either becomes
  suspected or is excluded (四早: the fever clinic decides).
- Suspected: confirmed by a test, clinically diagnosed (Hubei, February 2020), or excluded.
- Clinically diagnosed: confirmed by a later test, recovers or dies.
- Asymptomatic infection is reported apart from confirmed; it becomes confirmed when symptoms appear,
  or is released (recovered) after the isolation period.
- Confirmed: recovers or dies.
- Excluded is not an end: a new exposure or a new fever starts the way in again.
- Recovered people are re-watched when they test positive again (复阳: confirmed or asymptomatic).
- Death is final.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from epigrid.cases.models import Classification

C = Classification

# Where a person with no classification yet may start.
ENTRY: frozenset[str] = frozenset(
    {
        C.CLOSE_CONTACT,
        C.SECONDARY_CONTACT,
        C.FEVER_HOSPITAL,
        C.FEVER_COMMUNITY,
        C.SUSPECTED,
        C.CONFIRMED,
        C.CLINICAL,
        C.ASYMPTOMATIC,
    }
)

ALLOWED: dict[str, frozenset[str]] = {
    C.SECONDARY_CONTACT: frozenset(
        {C.CLOSE_CONTACT, C.FEVER_HOSPITAL, C.FEVER_COMMUNITY, C.SUSPECTED, C.CONFIRMED, C.ASYMPTOMATIC,
         C.EXCLUDED}
    ),
    C.CLOSE_CONTACT: frozenset(
        {C.FEVER_HOSPITAL, C.FEVER_COMMUNITY, C.SUSPECTED, C.CONFIRMED, C.ASYMPTOMATIC, C.EXCLUDED}
    ),
    C.FEVER_COMMUNITY: frozenset({C.FEVER_HOSPITAL, C.SUSPECTED, C.EXCLUDED}),
    C.FEVER_HOSPITAL: frozenset({C.SUSPECTED, C.EXCLUDED}),
    C.SUSPECTED: frozenset({C.CONFIRMED, C.CLINICAL, C.EXCLUDED}),
    C.CLINICAL: frozenset({C.CONFIRMED, C.RECOVERED, C.DIED}),
    C.ASYMPTOMATIC: frozenset({C.CONFIRMED, C.RECOVERED}),
    C.CONFIRMED: frozenset({C.RECOVERED, C.DIED}),
    C.EXCLUDED: ENTRY,
    C.RECOVERED: frozenset({C.CONFIRMED, C.ASYMPTOMATIC}),
    C.DIED: frozenset(),
}  # fmt: skip

# People who are (or were) infected: what a contact is traced from.
INFECTED: frozenset[str] = frozenset({C.CONFIRMED, C.CLINICAL, C.ASYMPTOMATIC, C.RECOVERED, C.DIED})
# Someone a contact may be named for: an infection, a suspected case (tracing starts on suspicion),
# or a close contact (their own contacts are contacts of a contact, 次密接).
TRACEABLE: frozenset[str] = INFECTED | {C.SUSPECTED, C.CLOSE_CONTACT}
# Registering someone as a contact changes nothing when they already are one of these.
ALREADY_CASE: frozenset[str] = frozenset(
    {C.SUSPECTED, C.CONFIRMED, C.CLINICAL, C.ASYMPTOMATIC, C.FEVER_HOSPITAL, C.FEVER_COMMUNITY,
     C.RECOVERED, C.DIED}
)  # fmt: skip
# Becoming one of these sets ``reported_on`` the first time: the day reported as a case.
REPORTED: frozenset[str] = frozenset({C.SUSPECTED, C.CONFIRMED, C.CLINICAL, C.ASYMPTOMATIC})

# The four categories (四类人员) of the daily table, and asymptomatic infections shown apart.
FOUR_CATEGORIES: dict[str, tuple[str, ...]] = {
    "confirmed": (C.CONFIRMED, C.CLINICAL),
    "suspected": (C.SUSPECTED,),
    "fever": (C.FEVER_HOSPITAL, C.FEVER_COMMUNITY),
    "close_contact": (C.CLOSE_CONTACT,),
    "asymptomatic": (C.ASYMPTOMATIC,),
}


def label(classification: str) -> str:
    """Return the display name of a classification (translated), or 未分类 for none."""
    if not classification:
        return _("未分类")
    return str(Classification(classification).label)


def allowed_next(current: str) -> frozenset[str]:
    """Return the classifications that may follow ``current`` ("" = not classified yet)."""
    if not current:
        return ENTRY
    return ALLOWED.get(current, frozenset())


def transition_error(current: str, to: str) -> str:
    """Return why ``current`` cannot become ``to``, naming the current state; "" when it can."""
    if to not in Classification.values:
        return _("未知的分类。")
    if to == current:
        return _("当前已是%(current)s。") % {"current": label(current)}
    if to in allowed_next(current):
        return ""
    if not current:
        return _("尚未分类的人员不能直接标为%(to)s。") % {"to": label(to)}
    return _("当前为%(current)s，不能直接改为%(to)s") % {"current": label(current), "to": label(to)}
