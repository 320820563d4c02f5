"""Roles and what each may do: one table, read by scope checks, masking and navigation."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from epigrid.lib.masking import mask_id_number, mask_phone


class Role(models.TextChoices):
    DISTRICT_HQ = "district_hq", _("区指挥部")
    TOWN_OFFICER = "town_officer", _("镇/街道干部")
    VILLAGE_LEADER = "village_leader", _("村/社区负责人")
    GRID_WORKER = "grid_worker", _("网格员")
    DEPARTMENT = "department", _("部门用户")
    CHECKPOINT = "checkpoint", _("卡口人员")
    POLICE = "police", _("派出所")
    CLINIC = "clinic", _("发热门诊")
    ADMIN = "admin", _("系统管理员")


@dataclass(frozen=True)
class Capabilities:
    """What a role may do inside the region subtrees it is assigned to."""

    can_write: bool
    full_id_number: bool
    full_phone: bool
    manage_regions: bool
    read_audit: bool
    # The roles whose accounts this role may create and edit, inside its own subtrees.
    grants: frozenset[str] = frozenset()
    # Departments send name lists; HQ and towns receive them from departments that have no account.
    upload_lists: bool = False
    # Merging two records into one (and undoing it) is a town's or HQ's decision, never a grid's.
    merge_people: bool = False
    # Classifying a person (suspected, confirmed, close contact …) and naming a case's contacts is the
    # health authority's and the town's decision (DOMAIN.md: 四类人员), never a grid's or a department's.
    classify_cases: bool = False
    # Defining a department form (columns, filters, grouping) is for HQ and the departments that ask for
    # forms (seed report 1, problem 4); everyone in scope exports them.
    define_forms: bool = False
    # Clues and rumours (``epigrid.clues``) are routed to the police station of the area, which
    # verifies them and records the outcome; it reads the clue's contact in full to call back and
    # needs nothing else: it writes no registry row (``can_write`` stays False).
    handle_clues: bool = False
    # Pre-triage at a fever clinic or a township health centre's fever room (``epigrid.triage``): the
    # visit, its disposition and the classification that follows from it are the clinic's to record.
    record_triage: bool = False
    # Public information (``epigrid.publicinfo``): the daily bulletin, guidance texts and hotlines of a
    # district or town are published by its command HQ or its town/street office.
    publish_info: bool = False
    # Reading the person registry (people, households, a grid's household list, /api/v1/persons): every
    # role but the police station, whose work is the clues of its area (each clue carries the contact it
    # needs); a role without it gets 403 on the registry's pages and API, and an empty registry scope.
    read_registry: bool = False
    # The areas a role works in: the top URL namespaces of its pages ("triage", "people" …), which the
    # API's operations map to (``epigrid.api.api.TAG_AREA``). None: every area. A confined role gets 403
    # on the pages and the API of every other area, whatever its other capabilities; ``ACCOUNT_AREAS``
    # (home, log-out, password, language, its API tokens) stay open to it. Checked in one place for the
    # pages (``ScopeDeclarationMiddleware``) and one for the API (``epigrid.api.auth``).
    areas: frozenset[str] | None = None

    @property
    def manage_staff(self) -> bool:
        return bool(self.grants)

    def works_in(self, area: str | None) -> bool:
        """Tell whether the role may use the pages and the API of ``area`` (None: an unknown area)."""
        if self.areas is None:
            return True
        return area is not None and (area in self.areas or area in ACCOUNT_AREAS)

    def identifiers(self, id_number: str, phone: str) -> tuple[str, str]:
        """Return an ID number and a phone as this role may see them: in full or masked."""
        return (
            id_number if self.full_id_number else mask_id_number(id_number),
            phone if self.full_phone else mask_phone(phone),
        )


# Pages without a URL namespace (home, log-out, password change, language) are the "account" area; with
# "tokens" (我的 API 令牌) every role keeps them, confined or not.
ACCOUNT_AREA = "account"
ACCOUNT_AREAS = frozenset({ACCOUNT_AREA, "tokens"})

_FIELD_ROLES = frozenset({Role.VILLAGE_LEADER, Role.GRID_WORKER, Role.CHECKPOINT})

CAPABILITIES: dict[str, Capabilities] = {
    # HQ steers and counts; it does not phone residents, so identifiers stay masked for it.
    Role.DISTRICT_HQ: Capabilities(
        True, False, False, True, True,
        grants=_FIELD_ROLES
        | {Role.DISTRICT_HQ, Role.TOWN_OFFICER, Role.DEPARTMENT, Role.POLICE, Role.CLINIC},
        upload_lists=True, merge_people=True, classify_cases=True, define_forms=True, record_triage=True,
        publish_info=True, read_registry=True,
    ),
    # A town or street office sets up its own village leaders, grid workers and checkpoint staff.
    Role.TOWN_OFFICER: Capabilities(
        True, True, True, False, False, grants=_FIELD_ROLES, upload_lists=True, merge_people=True,
        classify_cases=True, record_triage=True, publish_info=True, read_registry=True,
    ),
    Role.VILLAGE_LEADER: Capabilities(True, True, True, False, False, read_registry=True),
    # Grid workers call households every day but never need the ID number in a list.
    Role.GRID_WORKER: Capabilities(True, False, True, False, False, read_registry=True),
    Role.DEPARTMENT: Capabilities(
        False, False, False, False, False, upload_lists=True, define_forms=True, read_registry=True
    ),
    Role.CHECKPOINT: Capabilities(True, False, False, False, False, read_registry=True),
    # A police station reads and settles the clues of its area and does not read the registry.
    # Its accounts are set up by the system administrator (who grants every role).
    # Confined to the clues: the registry, observation, cases, checkpoints … are not its work.
    Role.POLICE: Capabilities(
        False, False, False, False, False, handle_clues=True, areas=frozenset({"clues"})
    ),
    # A fever clinic (or a township health centre's fever room) registers the people with fever it sees,
    # from anywhere in the district: it reads identifiers in full to identify and call back patients,
    # and writes the visit and what follows from it (``record_triage``), nothing else: no registry edits.
    # Confined to pre-triage, the patient's page (a visit links to it: the history of the person) and the
    # API's list of hospitals and fever clinics (the facility a visit is posted to); no name lists,
    # observation, case lists, checkpoints, dashboard, reports or supplies.
    Role.CLINIC: Capabilities(
        False, True, True, False, False, record_triage=True, read_registry=True,
        areas=frozenset({"triage", "people", "facilities"}),
    ),
    Role.ADMIN: Capabilities(
        True, False, False, True, True, grants=frozenset(Role.values), read_registry=True
    ),
}  # fmt: skip

_NOTHING = Capabilities(False, False, False, False, False)


def capabilities(role: str) -> Capabilities:
    """Return the capabilities of a role; an unknown role may do nothing."""
    return CAPABILITIES.get(role, _NOTHING)
