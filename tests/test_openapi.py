"""Schemathesis drives every documented operation: no 5xx, every answer matches the schema;
statefully too, chaining operations through the links it infers (create -> read -> update)."""

import contextlib
from collections import Counter
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Flaky
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.transport import Response
from tests.common import OrgHandle
from tests.driver_app import make_driver_day, sign_in

from lastmile.db import Database

EXAMPLES_PER_OPERATION = 6  # per database; the suite must stay well under 20 min
# Endless event streams are tested end to end in tests/fleet/test_stream.py.
STREAMS = {"/api/v1/stream/fleet"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.mark.slow
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


REQUESTS_PER_DATABASE = 3_000  # about a minute per database on 2 cores
SCENARIOS_PER_RUN = 60
STEPS_PER_SCENARIO = 10


class _BudgetSpent(Exception):
    """Enough requests: ends the run (Hypothesis' examples are scenarios of unequal length)."""


@pytest.mark.fuzz
@pytest.mark.slow
def test_chained_operations_never_fail_and_conform(
    app: FastAPI, org: OrgHandle, db: Database
) -> None:
    """Scenarios of up to 10 linked calls (an id one answer gave feeds the next call's path or
    body), as the organisation's admin key, and on `/api/v1/driver/...` as a signed-in driver
    with a route of three stops; each scenario starts from the same database (a savepoint).

    A failed check is collected, not raised, so the run goes on to its budget and reports every
    distinct failure. Hypothesis may stop a run as "flaky" when a replayed scenario meets other
    answers (ids and clocks differ): as schemathesis' own runner does, a new run starts.
    """
    with TestClient(app) as client:
        driver = sign_in(client, make_driver_day(client, db, org))
    connection = db.sessions.kw["bind"]
    api = schemathesis.openapi.from_asgi("/openapi.json", app).exclude(path=list(STREAMS))
    statuses: Counter[int] = Counter()
    failures: dict[tuple[str, str, int], str] = {}

    class Scenario(api.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            self.savepoint = connection.begin_nested()

        def teardown(self) -> None:
            self.savepoint.rollback()

        def get_call_kwargs(self, case: schemathesis.Case[Any]) -> dict[str, Any]:
            as_driver = case.path.startswith("/api/v1/driver/")
            return {"headers": driver.headers if as_driver else org.headers}

        def after_call(self, response: Response, case: schemathesis.Case[Any]) -> None:
            statuses[response.status_code] += 1
            if sum(statuses.values()) >= REQUESTS_PER_DATABASE:
                raise _BudgetSpent

        def validate_response(
            self, response: Response, case: schemathesis.Case[Any], *args: Any, **kwargs: Any
        ) -> None:
            try:
                case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs or None)
            except (Failure, FailureGroup) as failure:
                key = (case.method, case.path, response.status_code)
                failures.setdefault(key, f"{failure}\n{case.as_curl_command()}")

    runs = 0
    while sum(statuses.values()) < REQUESTS_PER_DATABASE and runs < 8:
        runs += 1
        with contextlib.suppress(Flaky, _BudgetSpent):
            Scenario.run(
                settings=settings(
                    max_examples=SCENARIOS_PER_RUN,
                    stateful_step_count=STEPS_PER_SCENARIO,
                    deadline=None,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                    phases=[Phase.generate],  # a failure is collected, never shrunk
                )
            )
    requests = sum(statuses.values())
    succeeded = sum(n for status, n in statuses.items() if status < 300)
    print(f"stateful fuzz on {db.dialect}: {requests} requests in {runs} runs, {statuses}")
    assert failures == {}
    assert requests >= REQUESTS_PER_DATABASE
    assert succeeded >= requests // 5  # the links reach real resources, not only 404s


def test_docs_page_is_served_without_a_cdn(app: FastAPI) -> None:
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        page = client.get("/docs")
        assert page.status_code == 200
        assert "cdn." not in page.text
        if "/vendor/swagger-ui/swagger-ui-bundle.js" in page.text:
            assert client.get("/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
