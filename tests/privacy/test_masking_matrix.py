"""Who sees an ID number or a phone in full: one table per role, checked on every page that shows a person.

The table is the rule (PIPL, the Feb 2020 notice: collect and show only what the work needs):

| role           | registry | ID number | phone  | why                                                |
|----------------|----------|-----------|--------|----------------------------------------------------|
| district_hq    | yes      | masked    | masked | steers and counts, does not phone residents        |
| town_officer   | yes      | full      | full   | identifies and calls people of its town            |
| village_leader | yes      | full      | full   | identifies and calls people of its village         |
| grid_worker    | yes      | masked    | full   | calls households daily, needs no ID in a list      |
| department     | yes      | masked    | masked | sends lists, reads the registry to check them      |
| checkpoint     | yes      | masked    | masked | checks travellers against the registry             |
| police         | no (403) | —         | —      | clues only; each clue carries its contact          |
| clinic         | yes      | full      | full   | identifies and calls back patients                 |
| admin          | yes      | masked    | masked | runs accounts, not residents                       |

Each persona in scope opens 张伟's household (the people list), his record and /api/v1/persons/<id>;
the page holds the value in full or exactly its masked form, never the other. Out of scope is 404.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from epigrid.core.roles import Role, capabilities
from epigrid.lib.masking import mask_id_number, mask_phone
from tests import factories as f

API = "/api/v1"
FULL, MASKED = "full", "masked"

# role -> (reads the registry, ID number, phone)
TABLE: dict[str, tuple[bool, str, str]] = {
    Role.DISTRICT_HQ: (True, MASKED, MASKED),
    Role.TOWN_OFFICER: (True, FULL, FULL),
    Role.VILLAGE_LEADER: (True, FULL, FULL),
    Role.GRID_WORKER: (True, MASKED, FULL),
    Role.DEPARTMENT: (True, MASKED, MASKED),
    Role.CHECKPOINT: (True, MASKED, MASKED),
    Role.POLICE: (False, MASKED, MASKED),
    Role.CLINIC: (True, FULL, FULL),
    Role.ADMIN: (True, MASKED, MASKED),
}

PERSONAS = {
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


def _persona(world, name):
    if name == "clinic":  # the world has no fever clinic: one for the whole district
        return f.user("clinic", Role.CLINIC, world.district)
    return getattr(world, name)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _shown(text: str, value: str, rule: str, masked: str) -> None:
    if rule == FULL:
        assert value in text
    else:
        assert value not in text and masked in text


def test_the_table_covers_every_role_and_matches_the_capabilities():
    assert set(TABLE) == set(Role.values)
    for role, (registry, id_rule, phone_rule) in TABLE.items():
        caps = capabilities(role)
        assert (caps.read_registry, caps.full_id_number, caps.full_phone) == (
            registry,
            id_rule == FULL,
            phone_rule == FULL,
        ), role


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_each_persona_sees_identifiers_as_the_table_says(world, persona):
    registry, id_rule, phone_rule = TABLE[PERSONAS[persona]]
    user = _persona(world, persona)
    person = world.zhang
    masked_id, masked_phone = mask_id_number(person.id_number), mask_phone(person.phone)
    assert masked_id != person.id_number and masked_phone != person.phone
    client = _client(user)
    pages = [
        reverse("people:household", args=[person.household_id]),
        reverse("people:detail", args=[person.pk]),
        f"{API}/persons/{person.pk}",
    ]
    for url in pages:
        response = client.get(url)
        if not registry:
            assert response.status_code == 403, url
            body = response.content.decode()
            assert person.id_number not in body and masked_id not in body and person.name not in body
            continue
        assert response.status_code == 200, url
        body = response.content.decode()
        assert person.name in body
        _shown(body, person.id_number, id_rule, masked_id)
        _shown(body, person.phone, phone_rule, masked_phone)
    if registry:
        detail = client.get(f"{API}/persons/{person.pk}").json()
        assert detail["id_number"] == (person.id_number if id_rule == FULL else masked_id)
        assert detail["phone"] == (person.phone if phone_rule == FULL else masked_phone)


@pytest.mark.parametrize("persona", ["grid_worker_b", "outsider"])
def test_a_persona_out_of_scope_gets_404_and_no_identifier(world, persona):
    client = _client(getattr(world, persona))
    person = world.zhang
    for url in (
        reverse("people:household", args=[person.household_id]),
        reverse("people:detail", args=[person.pk]),
        f"{API}/persons/{person.pk}",
    ):
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 404, url
        assert person.phone not in body and mask_phone(person.phone) not in body
        assert mask_id_number(person.id_number) not in body
