"""Every operation declares the error answers it may give (``epigrid.api.common.ApiRouter``), with the
body api.py's handlers write, so a client generated from the schema knows them."""

from __future__ import annotations

import pytest

from epigrid.api.common import ERROR_RESPONSES


@pytest.fixture(scope="module")
def schema():
    from epigrid.api.api import api

    return api.get_openapi_schema()


def _codes(schema, method: str, path: str) -> set[str]:
    return {str(code) for code in schema["paths"][f"/api/v1{path}"][method]["responses"]}


def test_an_operation_without_input_declares_401_and_403_only(schema):
    assert _codes(schema, "get", "/regions") == {"200", "401", "403"}


def test_a_read_with_parameters_declares_404_and_422(schema):
    assert _codes(schema, "get", "/persons/{person_id}") == {"200", "401", "403", "404", "422"}


def test_a_write_declares_what_the_body_parser_answers(schema):
    assert _codes(schema, "post", "/households") == {
        "200", "201", "400", "401", "403", "404", "413", "415", "422",
    }  # fmt: skip


def test_an_operations_own_declaration_is_kept(schema):
    responses = schema["paths"]["/api/v1/lists/batches/{batch_id}/confirm"]["post"]["responses"]
    assert 409 in responses
    conflict = responses[409]["content"]["application/json"]["schema"]
    assert conflict == {"$ref": "#/components/schemas/ErrorOut"}


def test_a_422_is_declared_as_the_list_of_field_errors(schema):
    declared = schema["paths"]["/api/v1/households"]["post"]["responses"][422]
    body = declared["content"]["application/json"]["schema"]
    assert body == ERROR_RESPONSES[422][1]
    assert body["properties"]["detail"]["items"]["required"] == ["loc", "msg", "type"]


def test_path_ids_are_declared_non_negative(schema):
    parameter = schema["paths"]["/api/v1/persons/{person_id}"]["get"]["parameters"][0]
    assert parameter["schema"]["minimum"] == 0 and parameter["schema"]["maximum"] == 2**63 - 1
