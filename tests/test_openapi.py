"""Schemathesis drives every documented operation: no 5xx, every answer matches the schema."""

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from tests.common import OrgHandle

EXAMPLES_PER_OPERATION = 6  # per database; the suite must stay well under 20 min
# Endless event streams are tested end to end in tests/fleet/test_stream.py.
STREAMS = {"/api/v1/stream/fleet"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_every_operation_conforms_to_its_schema(app: FastAPI, org: OrgHandle) -> None:
    api = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [
        operation
        for operation in (result.ok() for result in api.get_all_operations())
        if operation.path not in STREAMS
    ]
    assert len(operations) >= 15

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=org.headers, checks=CHECKS)

        check()


def test_docs_page_is_served_without_a_cdn(app: FastAPI) -> None:
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        page = client.get("/docs")
        assert page.status_code == 200
        assert "cdn." not in page.text
        if "/vendor/swagger-ui/swagger-ui-bundle.js" in page.text:
            assert client.get("/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
