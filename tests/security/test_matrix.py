"""The authorisation matrix: every URL of the URL conf x every persona, a GET, against the table.

Ids are filled with objects of 甲镇 (inside every persona's subtree but the outsider's), so a refusal
here is the role's, not the scope's. ALLOW is a 2xx, a redirect that is not to the log-in page, or a 405
(a page that only takes POST: the access checks ran and passed, the method did not). DENY is 403 or 404,
and for anonymous callers the redirect to the log-in page (401 from the API). A 5xx is always wrong.

The API's write operations (POST, PUT, DELETE) are not GET-able; tests/api/test_walk.py (other
districts), tests/security/test_idor.py (sibling areas) and tests/security/test_csrf.py cover them.

One test per persona builds the world once and walks every URL, collecting every mismatch into one
message: ``URL name: expected ALLOW|DENY, got <status> [<Location>]``.
"""

from __future__ import annotations

import pytest

from tests.security.matrix_support import API_PREFIX, login, matrix_url, prepare, uses_object, walk_all
from tests.security.matrix_table import (
    EXPECTED,
    OWN_AREA_404,
    PERSONAS,
    POST_ONLY,
    PUBLIC,
    confined_out,
    expected,
)

LOGIN = "/accounts/login/"


def _gettable() -> list[tuple[str, str]]:
    return [(name, route) for name, route, methods in walk_all() if "GET" in methods]


def _outcome(response) -> str:
    status = response.status_code
    if status >= 500:
        return "ERROR"
    if status in (401, 403, 404):
        return "DENY"
    if 300 <= status < 400:
        return "LOGIN" if response["Location"].startswith(LOGIN) else "ALLOW"
    if status < 300 or status == 405:
        return "ALLOW"
    return f"OTHER {status}"


def _wanted(persona: str, name: str, route: str) -> set[str]:
    rule = expected(name)
    assert rule is not None
    if rule == POST_ONLY:
        return {"DENY", "ALLOW", "LOGIN"}
    if rule == PUBLIC:
        return {"ALLOW", "DENY"}  # the same for everyone: checked against hq below
    if persona == "anonymous":
        return {"DENY"} if route.startswith(API_PREFIX) else {"LOGIN"}
    if persona == "outsider":
        if name in OWN_AREA_404:
            return {"DENY"}
        return {"ALLOW"} if "grid_worker_a" in rule and not uses_object(name, route) else {"DENY"}
    if confined_out(persona, name, route):
        return {"DENY"}
    return {"ALLOW"} if persona in rule else {"DENY"}


def test_every_url_name_is_classified():
    unclassified = sorted({name for name, _route in _gettable() if expected(name) is None})
    assert unclassified == [], "add these URL names to tests/security/matrix_table.py"


def test_the_table_names_no_url_that_is_gone():
    names = {name for name, _route, _methods in walk_all()}
    assert sorted(set(EXPECTED) - names) == []


@pytest.mark.parametrize("persona", PERSONAS)
def test_matrix(world, persona):
    prepare(world)
    client = login(world, persona)
    reference = login(world, "hq")
    mismatches = []
    for name, route in _gettable():
        url, query = matrix_url(name, route, world)
        response = client.get(url, query or None)
        got = _outcome(response)
        wanted = _wanted(persona, name, route)
        if expected(name) == PUBLIC:
            base = _outcome(reference.get(url, query or None))
            wanted = {base}
        elif expected(name) == POST_ONLY:
            # A confined role is refused (403) before the view answers the method.
            before = (302, 403, 404, 405) if confined_out(persona, name, route) else (302, 404, 405)
            wanted = wanted if response.status_code in before else set()
        if got not in wanted:
            where = f" -> {response['Location']}" if response.has_header("Location") else ""
            mismatches.append(
                f"{name}: expected {'|'.join(sorted(wanted))}, got {response.status_code}{where}"
            )
    assert mismatches == [], f"{persona}:\n" + "\n".join(mismatches)
