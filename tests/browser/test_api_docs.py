"""The API docs render in a real browser with no network: Swagger UI from this site, CSP intact."""

from __future__ import annotations

from urllib.parse import urlsplit


def test_swagger_ui_renders_offline(live_server, page, console_errors, db):
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname or ""))
    page.goto(f"{live_server.url}/api/v1/docs")
    # The schema declares every error answer of ~170 operations: Swagger UI takes seconds to lay it out.
    page.locator(".swagger-ui .info .title").filter(has_text="EpiGrid API").wait_for(timeout=30_000)
    # One operation per path and method: the person read appears once (its sub-paths are others).
    texts = page.locator(".opblock-summary-path").all_inner_texts()
    paths = [text.strip().replace("\u200b", "") for text in texts]
    methods = [text.strip() for text in page.locator(".opblock-summary-method").all_inner_texts()]
    operations = list(zip(methods, paths, strict=True))
    assert [m for m, p in operations if p == "/api/v1/persons/{person_id}"] == ["GET", "PATCH"]
    assert hosts <= {"localhost", "127.0.0.1"}, hosts
    assert console_errors == []
