"""Who may open what: every URL name of the URL conf -> the personas allowed to GET it.

The rule behind each entry is written with ``roles(capability, over=level)``: the personas whose role has
the capability (``core/roles.py``) and whose assigned subtree contains the object the URL names, an
object at ``level`` of 甲镇 (tests/security/matrix_support.py fills every id). The personas' subtrees:

- district 测试区: hq, department, clinic, admin
- town 甲镇: town_officer, checkpoint, police
- village 甲村: village_leader
- grid 甲村第1网格: grid_worker_a

Two personas are not in the table; their rule is the same for every URL: ``outsider`` (a grid worker of
another district) is allowed exactly where a grid worker is and the URL names no object (a listing of
its own, empty, area), and ``anonymous`` is sent to log in (401 from the API). ``PUBLIC`` marks the
pages without personal data, which answer everyone alike, anonymous included.

Two roles are confined to the areas of their work (``areas`` in core/roles.py): ``CONFINED`` says, written
out independently of the code, which pages (by namespace) and API operations (by route) they keep besides
their account's; everything else is DENY for them whatever the table says.

A name missing here fails ``test_every_url_name_is_classified``: a new page must say who may open it.
"""

from __future__ import annotations

import re

from epigrid.core.roles import Role, capabilities

PUBLIC = "public"
# A page that only takes POST and answers a GET with 404 or 405 for everyone, before any check.
POST_ONLY = "post-only"

ROLE = {
    "hq": Role.DISTRICT_HQ,
    "town_officer": Role.TOWN_OFFICER,
    "village_leader": Role.VILLAGE_LEADER,
    "grid_worker_a": Role.GRID_WORKER,
    "department": Role.DEPARTMENT,
    "checkpoint": Role.CHECKPOINT,
    "police": Role.POLICE,
    "clinic": Role.CLINIC,
    "admin": Role.ADMIN,
}
STAFF = tuple(ROLE)
PERSONAS = (*STAFF, "outsider", "anonymous")

DISTRICT, TOWN, VILLAGE, GRID = 1, 2, 3, 4
SCOPE = {
    "hq": DISTRICT,
    "department": DISTRICT,
    "clinic": DISTRICT,
    "admin": DISTRICT,
    "town_officer": TOWN,
    "checkpoint": TOWN,
    "police": TOWN,
    "village_leader": VILLAGE,
    "grid_worker_a": GRID,
}


def roles(capability: str | None = None, *, over: int = GRID) -> frozenset[str]:
    """The personas with ``capability`` whose subtree contains an object at level ``over`` of 甲镇."""
    return frozenset(
        persona
        for persona in STAFF
        if SCOPE[persona] <= over and (capability is None or getattr(capabilities(ROLE[persona]), capability))
    )


def only(*personas: str) -> frozenset[str]:
    return frozenset(personas)


EVERYONE = roles()
# Volunteers, duties and community links are organised by the village, the town or the HQ.
ORGANISERS = only("hq", "town_officer", "village_leader")
# Residents' entries are checked by the staff of the place: HQ, town, village and grid.
PLACE_STAFF = only("hq", "town_officer", "village_leader", "grid_worker_a")

# Namespaces whose pages every role in scope reads, unless the name is listed in EXPECTED.
NAMESPACE_DEFAULT: dict[str, frozenset[str]] = {
    "regions": EVERYONE,
    "screenings": EVERYONE,
    "lists": EVERYONE,
    "monitoring": EVERYONE,
    "cases": EVERYONE,
    "checkpoints": EVERYONE,
    "resources": EVERYONE,
    "reports": EVERYONE,
    "reports:document": roles(over=TOWN),
    "dashboard": EVERYONE,
    "measurelog": EVERYONE,
    "volunteers": EVERYONE,
    "followups": EVERYONE,
    "clues": EVERYONE,
    "triage": EVERYONE,
    "risk": EVERYONE,
    "deptforms": EVERYONE,
    "tokens": EVERYONE,
    "api": EVERYONE,
}

EXPECTED: dict[str, frozenset[str] | str] = {
    # core
    "root": EVERYONE,
    "home": EVERYONE,
    "login": PUBLIC,
    "logout": POST_ONLY,
    "password_change": EVERYONE,
    "set_language": PUBLIC,
    "healthz": PUBLIC,
    "audit": roles("read_audit", over=DISTRICT),
    "self_report": PUBLIC,
    # regions: an import is shown to the account that uploaded it (hq_import: the HQ's).
    "regions:import": roles("manage_regions", over=DISTRICT),
    "regions:import_detail": only("hq"),
    # the person registry: every role but the police station (read_registry)
    "people:detail": roles("read_registry"),
    "people:household": roles("read_registry"),
    "people:search": roles("read_registry"),
    "people:unplaced": roles("read_registry"),
    "people:household_place": roles("can_write"),
    "people:cadre": roles("can_write"),
    "api:person_list": roles("read_registry"),
    "api:person_detail": roles("read_registry"),
    "api:person_timeline_op": roles("read_registry"),
    "api:household_list": roles("read_registry"),
    "api:household_detail": roles("read_registry"),
    # a person's case record (classification, measures, contacts) is opened as a registry record
    "api:classification_get": roles("read_registry"),
    "api:measure_list": roles("read_registry"),
    "api:contact_list": roles("read_registry"),
    "cases:contact_hops": roles("read_registry"),
    "api:contact_hops": roles("read_registry"),
    "screenings:new": roles("can_write"),
    "screenings:lookup": roles("can_write"),
    "screenings:row": roles("can_write"),
    "staff:list": roles("manage_staff", over=TOWN),
    "staff:new": roles("manage_staff", over=TOWN),
    "staff:detail": roles("manage_staff", over=TOWN),
    # department lists: the batch was sent to the district (hq_batch); review and merges are written
    "lists:detail": roles(over=DISTRICT),
    "lists:review_row": roles("can_write", over=DISTRICT),
    "lists:row_move": roles("merge_people", over=DISTRICT),
    "lists:merge_person": roles("merge_people", over=TOWN),
    "lists:unmerge": roles("merge_people", over=TOWN),
    "api:batch_detail": roles(over=DISTRICT),
    "api:batch_progress": roles(over=DISTRICT),
    "api:batch_rows": roles(over=DISTRICT),
    "api:row_detail": roles(over=DISTRICT),
    # observation: the forms that write
    "monitoring:episode_release": roles("can_write"),
    "monitoring:episode_convert": roles("can_write"),
    "monitoring:episode_extend": roles("can_write"),
    "monitoring:start": roles("can_write"),
    "monitoring:phone_check": roles("can_write"),
    "monitoring:link": roles("can_write"),
    "monitoring:household_sheet": roles("can_write"),
    "monitoring:roster_check": roles("can_write"),
    "monitoring:ack": roles("can_write"),
    # cases: classifying and naming contacts is the health authority's and the town's
    "cases:classify": roles("classify_cases", over=TOWN),
    "cases:contact": roles("classify_cases", over=TOWN),
    "cases:contact_lookup": roles("classify_cases", over=TOWN),
    "cases:measure": roles("can_write"),
    # checkpoints: 甲村's checkpoint (village level) and 甲镇's railway station (town level); a checkpoint
    # is set up by its town or the HQ; the handover goes to 乙社区, outside 甲镇
    "checkpoints:new": only("hq", "town_officer"),
    "checkpoints:edit": only("hq", "town_officer"),
    "checkpoints:detail": roles(over=VILLAGE),
    "checkpoints:lookup": roles(over=VILLAGE),
    "checkpoints:register": roles("can_write", over=VILLAGE),
    "checkpoints:room": roles(over=TOWN),
    "checkpoints:outside": roles(over=TOWN),
    "checkpoints:outside_print": roles(over=TOWN),
    "checkpoints:outside_xlsx": roles(over=TOWN),
    "checkpoints:handover": roles(over=DISTRICT),
    "api:checkpoint_detail": roles(over=VILLAGE),
    "api:passage_list": roles(over=VILLAGE),
    "api:room_detail": roles(over=TOWN),
    "api:outside_list": roles(over=TOWN),
    "api:coverage": roles(over=DISTRICT),
    # supplies: 甲镇's depot; allocation and facilities are the district HQ's
    "resources:depot_open": POST_ONLY,
    "resources:depot": roles(over=TOWN),
    "resources:request_close": roles(over=TOWN),
    "resources:allocation": only("hq"),
    "resources:facility_new": only("hq"),
    "resources:facility_edit": only("hq"),
    "api:depot_detail": roles(over=TOWN),
    "api:movement_list": roles(over=TOWN),
    "api:allocation_get": only("hq"),
    # reports: 甲村's report; a town's status, completeness and document
    "reports:unit": roles(over=VILLAGE),
    "reports:detail": roles(over=VILLAGE),
    "reports:status": roles(over=TOWN),
    "reports:completeness": roles(over=TOWN),
    "reports:document:home": EVERYONE,
    "reports:document:save": only("hq", "town_officer"),
    "reports:document:issue": only("hq", "town_officer"),
    "reports:document:discard": only("hq", "town_officer"),
    "api:reports_of_unit": roles(over=VILLAGE),
    "api:report_detail": roles(over=VILLAGE),
    "api:report_history": roles(over=VILLAGE),
    "api:completeness_of": roles(over=TOWN),
    "api:rt": roles(over=TOWN),
    # measures: 甲村's entry; a town's table
    "measurelog:entry": roles(over=VILLAGE),
    "measurelog:sealed_reopen": roles(over=VILLAGE),
    "measurelog:table": roles(over=TOWN),
    "api:table": roles(over=TOWN),
    # volunteers: 甲村's team and checkpoint
    "volunteers:team": roles(over=VILLAGE),
    "volunteers:checkpoint_week": roles(over=VILLAGE),
    "volunteers:duty_delete": roles(over=VILLAGE),
    "volunteers:duty_new_unit": ORGANISERS,
    "volunteers:duty_new_checkpoint": ORGANISERS,
    "volunteers:team_new": ORGANISERS,
    "volunteers:team_edit": ORGANISERS,
    "volunteers:member_new": ORGANISERS,
    "volunteers:member_edit": ORGANISERS,
    "api:team_detail": roles(over=VILLAGE),
    # follow-up tasks are given by the place's staff
    "followups:new": PLACE_STAFF,
    # clues: reported by the field roles and the police; residents' entries and links are the place's
    "clues:new": EVERYONE - only("department", "clinic", "admin"),
    "clues:detail": roles(over=VILLAGE),
    "clues:entries": PLACE_STAFF,
    "clues:entry": PLACE_STAFF,
    "clues:links": ORGANISERS,
    "clues:link_revoke": ORGANISERS,
    "clues:community": PUBLIC,
    "api:clue_detail": roles(over=VILLAGE),
    "api:entry_detail@api/v1/clues/entries/<int:entry_id>": PLACE_STAFF,
    "api:entry_detail@api/v1/measures/entries/<int:measure_id>": roles(over=VILLAGE),
    # triage: a fever clinic's day and its forms are for the roles that record triage
    "triage:facility": roles("record_triage", over=TOWN),
    "triage:new": roles("record_triage", over=TOWN),
    "triage:lookup": roles("record_triage", over=TOWN),
    # public information: kept by the district's HQ (the district's pages) or a town office
    "publicinfo:index": PUBLIC,
    "publicinfo:page": PUBLIC,
    "publicinfo:feed": PUBLIC,
    "publicinfo:bulletins": PUBLIC,
    "publicinfo:bulletin": PUBLIC,
    "publicinfo:manage_home": roles("publish_info", over=TOWN),
    "publicinfo:manage": roles("publish_info", over=DISTRICT),
    # POST only: a GET answers 405 before the region is checked, to whoever may publish anywhere.
    "publicinfo:bulletin_new": roles("publish_info", over=TOWN),
    "publicinfo:bulletin_edit": roles("publish_info", over=DISTRICT),
    "publicinfo:notice_new": roles("publish_info", over=DISTRICT),
    "publicinfo:notice_edit": roles("publish_info", over=DISTRICT),
    "api:bulletin_list": roles("publish_info", over=DISTRICT),
    "api:bulletin_detail": roles("publish_info", over=DISTRICT),
    "api:notice_list": roles("publish_info", over=DISTRICT),
    # department forms are defined by HQ and the departments
    "deptforms:new": roles("define_forms", over=DISTRICT),
    "deptforms:edit": roles("define_forms", over=DISTRICT),
    # the API's schema and docs, and its JSON 404 for unknown paths
    "api:openapi-json": PUBLIC,
    "api:openapi-view": PUBLIC,
    "api:api-root": PUBLIC,
    "api:not-found": PUBLIC,
    # API tokens: each account manages its own (api_token_a is grid_worker_a's)
    "tokens:revoke": only("grid_worker_a"),
}


# Confined personas: the namespaces of the pages they keep, and the routes of the API operations they keep.
# Pages without a namespace (home, log-out, password, language) and 我的 API 令牌 stay open to everyone.
ACCOUNT_NAMESPACES = frozenset({"", "tokens"})
CONFINED: dict[str, tuple[frozenset[str], re.Pattern[str]]] = {
    # the clues of its area: the clue pages, /api/v1/clues… and the clue operations of a region
    "police": (
        frozenset({"clues"}),
        re.compile(r"^api/v1/(clues|regions/<int:region_id>/(clues|clue-counts|community-links)$|tokens)"),
    ),
    # pre-triage, the patient's page and record (not its case record) and the list of facilities
    "clinic": (
        frozenset({"triage", "people"}),
        re.compile(
            r"^api/v1/(triage/|persons$|persons/<int:person_id>(/timeline)?$|households|facilities|tokens)"
        ),
    ),
}


def confined_out(persona: str, name: str, route: str) -> bool:
    """Whether ``persona`` is confined and the URL is outside what it keeps."""
    if persona not in CONFINED:
        return False
    namespaces, api_routes = CONFINED[persona]
    if route.startswith("api/v1/"):
        return api_routes.match(route) is None
    namespace = name.partition("@")[0].rpartition(":")[0].partition(":")[0]
    return namespace not in namespaces | ACCOUNT_NAMESPACES


# Pages of the caller's own area that answer 404 while that area has no data: the outsider's district has
# no road network, so its road map is "not found" rather than empty.
OWN_AREA_404 = frozenset({"checkpoints:road_map"})


def expected(name: str) -> frozenset[str] | str | None:
    """The table's entry for a URL name, else its namespace's default; None when unclassified."""
    if name in EXPECTED:
        return EXPECTED[name]
    namespace = name.partition("@")[0].rpartition(":")[0]
    return NAMESPACE_DEFAULT.get(namespace)
