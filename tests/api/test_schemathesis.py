"""Fuzz every API operation against its own OpenAPI schema (schemathesis, in-process over WSGI).

For each operation of ``/api/v1/openapi.json`` a bounded number of requests is generated from the
declared parameters and bodies (derandomized: the same requests on every run, no shrinking) and sent
with a personal API token of a persona of the ``world`` fixture, so ids, regions and rows exist. Twice
per operation: once with every value generated, once with the path ids and ``region_id`` set to the
persona's own objects, so the handlers get past the scope check and work on real rows. Each answer must

- not be a server error (5xx),
- have a status code the operation declares, and
- have a body (and content type) that conforms to the schema declared for that status.

Each request runs in a savepoint rolled back afterwards, so every example sees the same world. All
failures are collected and reported together, one line per operation and check (with the request as a
curl command). ``FUZZ_ONLY=/households uv run pytest tests/api/test_schemathesis.py`` walks only the
operations whose label contains that text, to reproduce one quickly.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, get_args

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from pydantic import BaseModel
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from epigrid.core.models import User
from epigrid.core.tokens import api_token_create
from tests.core.test_url_scope_walk import PARAMETER_OBJECTS

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Examples per operation: bounded, so that the walk of both personas stays within a few minutes.
EXAMPLES = {"generated": 5, "own objects": 10}

# Path parameters that are not ids.
NAMED_VALUES = {"name": "returnee-register"}


@contextmanager
def _requests_keep_the_test_connection() -> Iterator[None]:
    """The WSGI handler closes the database connection around each request, as in production; inside
    the test's transaction that would close it under the test (Django's test client does the same)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _schema() -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


def _own_values(world: Any, operation: schemathesis.APIOperation) -> tuple[dict[str, Any], dict[str, Any]]:
    """The persona's own objects for the operation's path ids, and its district for ``region_id``."""
    path: dict[str, Any] = {}
    for parameter in operation.path_parameters:
        name = parameter.name
        if name in NAMED_VALUES:
            path[name] = NAMED_VALUES[name]
        else:
            path[name] = getattr(world, PARAMETER_OBJECTS[name]).pk
    query: dict[str, Any] = {}
    if any(p.name == "region_id" for p in operation.query):
        query["region_id"] = world.district.pk
    return path, query


def _failure_text(exc: BaseException) -> str:
    text = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return " / ".join(line for line in text if not line.startswith(("Reproduce", "Schemathesis found")))[:900]


def _fuzz(world: Any, user: User) -> list[str]:
    secret = api_token_create(actor=None, user=user, name="schemathesis").secret
    headers = {"Authorization": f"Bearer {secret}"}
    schema = _schema()
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if os.environ.get("FUZZ_ONLY", "") not in operation.label:
            continue
        path, query = _own_values(world, operation)
        strategies = {"generated": operation.as_strategy()}
        if path or query:
            own = operation.as_strategy(path_parameters=path or None, query=query or None)
            strategies["own objects"] = own
        for mode, strategy in strategies.items():

            @given(case=strategy)
            @settings(
                max_examples=EXAMPLES[mode],
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case: schemathesis.Case) -> None:
                with transaction.atomic():
                    response = case.call(headers=headers)
                    transaction.set_rollback(True)
                case.validate_response(response, checks=CHECKS)

            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:  # every failure is reported, then the test fails
                failures.append(f"{operation.label} [{mode}]: {_failure_text(exc)}")
    return failures


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        for field in annotation.model_fields.values():
            yield from _models(field.annotation)
    for argument in get_args(annotation):
        yield from _models(argument)


def test_every_schema_name_names_one_schema():
    """ninja files a schema under its class name: two routers' ``EntryOut`` would both be documented as
    whichever came first, so a client reads the wrong fields (measurelog's for screenings')."""
    from epigrid.api.api import api

    names: dict[str, set[str]] = {}
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                roots = [*operation.models, *(m for m in operation.response_models.values() if m)]
                for root in roots:
                    for model in _models(root):
                        names.setdefault(model.__name__, set()).add(
                            f"{model.__module__}.{model.__qualname__}"
                        )
    assert {name: places for name, places in names.items() if len(places) > 1} == {}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["hq", "grid_worker_a"])
def test_every_operation_answers_as_its_schema_says(world, persona):
    with _requests_keep_the_test_connection():
        failures = _fuzz(world, getattr(world, persona))
    assert not failures, json.dumps(failures, ensure_ascii=False, indent=1)
