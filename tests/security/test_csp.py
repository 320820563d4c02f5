"""Content-Security-Policy without 'unsafe-inline' or 'unsafe-eval', on every page and in every template.

Inline style and script are what an injected payload would use; the policy (settings.SECURE_CSP) admits
scripts from this site or with the request's nonce, and styles from this site (a few pages add the
nonce for the <style> elements plotly.js and the region map create). Nothing else may widen it.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from tests.security.matrix_support import login, matrix_url, prepare, walk_all

UNSAFE = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'")
# An attribute CSP would block without 'unsafe-inline': style="…" or an event handler (onclick="…").
INLINE_ATTRIBUTE = re.compile(r"""<[^>]*\s(style|on[a-z]+)\s*=\s*["']?""", re.IGNORECASE)
# An inline <script> or <style> element without the request's nonce (a src= script is not inline, and a
# JSON data block, type="application/json", is data the browser never runs).
INLINE_ELEMENT = re.compile(
    r"<(script|style)\b(?![^>]*\bnonce=)(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.IGNORECASE
)
TEMPLATES = Path(settings.BASE_DIR) / "epigrid"
# Templates of files written to disk, never served by the site (no CSP applies to a file opened offline).
FILE_TEMPLATES = {"reports/templates/reports/document_file.html"}  # `report daily --format html --out`
COMMENT = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.DOTALL)


def test_the_site_policy_has_no_unsafe_source():
    for directive, sources in settings.SECURE_CSP.items():
        assert not set(UNSAFE) & {str(s) for s in sources}, directive


def test_every_page_answers_hq_with_a_policy_without_unsafe_sources(world):
    prepare(world)
    client = login(world, "hq")
    checked, offending = 0, []
    for name, route, methods in walk_all():
        if "GET" not in methods:
            continue
        url, query = matrix_url(name, route, world)
        response = client.get(url, query or None)
        policy = response.get("Content-Security-Policy", "")
        if any(word in policy for word in UNSAFE):
            offending.append(f"{name}: {policy}")
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            checked += 1
            body = response.content.decode()
            if not policy:
                offending.append(f"{name}: an HTML page without Content-Security-Policy")
            found = INLINE_ATTRIBUTE.search(body) or INLINE_ELEMENT.search(body)
            if found is not None:
                offending.append(f"{name}: inline markup CSP would block: {found.group(0)[:80]}")
    assert offending == []
    assert checked > 100  # the walk reached the pages, not only refusals


def test_the_road_map_svg_forbids_everything_inline(world):
    prepare(world)
    response = login(world, "hq").get("/checkpoints/roads/map.svg")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert b"style=" not in response.content and b"<style" not in response.content


def test_no_template_has_inline_style_or_event_handlers():
    offending = []
    for path in sorted(TEMPLATES.glob("**/templates/**/*.html")):
        if str(path.relative_to(TEMPLATES)) in FILE_TEMPLATES:
            continue
        text = COMMENT.sub("", path.read_text(encoding="utf-8"))
        for match in INLINE_ATTRIBUTE.finditer(text):
            offending.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)[:80]}")
        for match in INLINE_ELEMENT.finditer(text):
            offending.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)[:80]}")
    assert offending == []
