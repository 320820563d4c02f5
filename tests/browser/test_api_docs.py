"""The API docs render in a real browser with no network: Swagger UI from this site, CSP intact."""

from __future__ import annotations

from urllib.parse import urlsplit


def test_swagger_ui_renders_offline(live_server, page, console_errors, db):
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname or ""))
    page.goto(f"{live_server.url}/api/v1/docs")
    page.locator(".swagger-ui .info .title").filter(has_text="EpiGrid API").wait_for()
    # One operation per path and method: the person read appears once (its sub-paths are others).
    texts = page.locator(".opblock-summary-path").all_inner_texts()
    paths = [text.strip().replace("\u200b", "") for text in texts]
    assert paths.count("/api/v1/persons/{person_id}") == 1
    assert hosts <= {"localhost", "127.0.0.1"}, hosts
    assert console_errors == []
