"""XSS: markup typed into any free-text field comes back escaped on every page, fragment and feed.

Payloads: a script element, an attribute break-out with an event handler, and a javascript: URL (which
must never become a link or image target).

The world of the matrix (every object a URL names) is built through the services; then every free-text
column of every row (names, addresses, notes, descriptions, titles, bulletin texts, team and item names,
form titles …) is overwritten with a payload, and every GET URL is rendered as several personas, as a
full page and as an htmx fragment (``HX-Request``). No HTML answer may hold a payload raw; the escaped
form must be seen for each payload. JSON answers carry the text as data: they must be served as
``application/json`` with ``nosniff`` so that no browser renders them, and the site's one script
(dashboard/charts.js) reads its data with ``textContent``/``JSON.parse`` and writes no HTML.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.html import escape

from tests.security.matrix_support import login, matrix_url, prepare, walk_all

# Spreadsheets, not HTML: no browser renders them (openpyxl also refuses the payload's "/" in a sheet
# title, a 500 reported to the owner of deptforms/export.py with its fix).
NOT_HTML = {"api:form_export_xlsx"}
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
LINK = "javascript:alert(1)//"
PAYLOADS = (SCRIPT, IMG, LINK)
# A payload may show as text, never as a link's or an image's target.
AS_URL = re.compile(r"""(href|src|action|formaction|xlink:href)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
# Columns that are not free text a person types: identifiers, codes, tokens, enumerations kept as text,
# stored machine formats. Overwriting them would test nothing but the parser that reads them.
NOT_TEXT = re.compile(
    r"^(code|path|id_number|phone|token_hash|sha256|number|plate|password|username|key|scope|kind|status|"
    r"role|channel|slot|language|lang|source|decision|action|object_type|content_type|file_name|session_key|"
    r"session_data|disposition|classification|vehicle_type|queue_name|backend|priority|worker_ids|"
    r"task_path|exception_class_path|traceback|return_value|args_kwargs|run_after|sex|ethnicity|"
    r"relation_code|unit|hash|digest|secret|prefix|origin_code|item_code|level|basis|grouping|reason_code|"
    r"idempotency_key|name_key|pinyin|phone_key|id_key|region_path|format|fmt|purpose_code|via|mode|state)$"
)


def _unique_names(model: type[models.Model]) -> set[str]:
    names = {name for group in model._meta.unique_together for name in group}
    for constraint in model._meta.constraints:
        names |= set(getattr(constraint, "fields", ()))
    return names


def _text_fields(model: type[models.Model]) -> list[models.Field]:
    fields = []
    unique = _unique_names(model)
    for field in model._meta.concrete_fields:
        if not isinstance(field, (models.CharField, models.TextField)) or isinstance(
            field, (models.SlugField, models.EmailField, models.URLField)
        ):
            continue
        if field.choices or field.unique or field.name in unique or NOT_TEXT.match(field.name):
            continue
        if field.max_length is not None and field.max_length < len(IMG):
            continue
        fields.append(field)
    return fields


def _poison() -> int:
    """Overwrite every free-text column of every row with a payload; return how many columns."""
    columns = 0
    for model in apps.get_models():
        if not model._meta.managed or model._meta.app_label in ("sessions", "contenttypes", "auth"):
            continue
        fields = _text_fields(model)
        if not fields or not model.objects.exists():
            continue
        model.objects.update(**{f.name: PAYLOADS[i % 3] for i, f in enumerate(fields)})
        columns += len(fields)
    return columns


def test_payloads_come_back_escaped_everywhere(world):
    prepare(world)
    assert _poison() > 40
    raw, errors, escaped_seen, json_served = [], [], set(), 0
    for persona in ("hq", "town_officer", "grid_worker_a", "clinic", "anonymous"):
        client = login(world, persona)
        for name, route, methods in walk_all():
            if "GET" not in methods or name in NOT_HTML:
                continue
            url, query = matrix_url(name, route, world)
            for headers in ({}, {"HX-Request": "true"}):
                response = client.get(url, query or None, headers=headers)
                if response.status_code >= 500:
                    errors.append(f"{persona} {name}: {response.status_code}")
                    continue
                kind = response.get("Content-Type", "")
                body = response.content.decode(errors="replace")
                if kind.startswith("application/json"):
                    json_served += any(p in body for p in PAYLOADS)
                    assert response["X-Content-Type-Options"] == "nosniff"
                    continue
                if AS_URL.search(body):
                    raw.append(f"{persona} {name}: {AS_URL.search(body).group(0)}")  # type: ignore[union-attr]
                for payload in (SCRIPT, IMG):
                    if payload in body:
                        raw.append(f"{persona} {name} {'htmx' if headers else 'page'}: {payload}")
                    if escape(payload) in body:
                        escaped_seen.add(payload)
    assert errors == []
    assert raw == []
    assert escaped_seen == {SCRIPT, IMG}
    assert json_served > 10  # the API did carry the payloads, as data


def test_the_scripts_write_no_html():
    scripts = [
        path
        for path in (Path(settings.BASE_DIR) / "epigrid").glob("**/static/**/*.js")
        if "vendor" not in path.parts and not path.name.endswith(".min.js")
    ]
    assert scripts
    for path in scripts:
        text = path.read_text(encoding="utf-8")
        for sink in (
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "eval(",
            "new Function",
        ):
            assert sink not in text, f"{path.name} uses {sink}"
