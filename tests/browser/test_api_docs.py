"""The API docs render in a real browser with no network: Swagger UI from this site, CSP intact."""

from __future__ import annotations

from urllib.parse import urlsplit


def test_swagger_ui_renders_offline(live_server, page, console_errors, db):
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname or ""))
    page.goto(f"{live_server.url}/api/v1/docs")
    page.locator(".swagger-ui .info .title").filter(has_text="EpiGrid API").wait_for()
    assert page.locator(".opblock-summary-path", has_text="/api/v1/persons/{person_id}").count() == 1
    assert hosts <= {"localhost", "127.0.0.1"}, hosts
    assert console_errors == []
