"""The OpenAPI docs work offline: Swagger UI comes from this site's static files, never a CDN."""

from __future__ import annotations

import re

from django.test import Client

from tests.api.conftest import API

LOCAL_HOSTS = {"127.0.0.1", "localhost", "testserver", "[::1]"}
URL = re.compile(r"(?:https?:)?//([A-Za-z0-9.\-\[\]:]+)")


def _foreign_hosts(text: str) -> set[str]:
    return {host.split(":")[0] for host in URL.findall(text)} - LOCAL_HOSTS


def test_docs_page_loads_only_local_files(db):
    client = Client()
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert _foreign_hosts(page) == set()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert client.get(asset).status_code == 200, asset
    # The page's own start-up script is fetched too; the validator badge (validator.swagger.io) is off.
    init = b"".join(client.get("/static/ninja/swagger-ui-init.js").streaming_content).decode()
    assert _foreign_hosts(init) == set()
    assert '"validatorUrl": null' in page


def test_schema_is_public_and_names_both_auth_schemes(db):
    schema = Client().get(f"{API}/openapi.json").json()
    assert schema["info"]["title"] == "EpiGrid API"
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    assert "/api/v1/persons/{person_id}" in schema["paths"]
