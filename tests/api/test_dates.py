"""Dates and times from outside are bounded where the API reads them: out of range is 422 naming
the field, never an OverflowError (a 500) deep in a service."""

import datetime as dt
import types
import typing
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import AfterValidator, AwareDatetime, BaseModel, NaiveDatetime
from testkit.bodies import shipment_body
from tests.common import OrgHandle, make_driver

from lastmile.api.fields import Day, Instant

_DATE_TYPES = (dt.date, dt.datetime, AwareDatetime, NaiveDatetime)
_BOUNDS = {
    validator.func
    for bounded in (Day, Instant)
    for validator in typing.get_args(bounded)[1:]
    if isinstance(validator, AfterValidator)
}


def _dated_inputs(annotation: Any, metadata: list[Any], where: str) -> Iterator[tuple[str, bool]]:
    """Every date or time inside `annotation`: where it is, and whether it is bounded."""
    if typing.get_origin(annotation) is typing.Annotated:
        inner, *more = typing.get_args(annotation)
        yield from _dated_inputs(inner, [*metadata, *more], where)
    elif annotation in _DATE_TYPES:
        funcs = {getattr(item, "func", None) for item in metadata}
        yield where, bool(funcs & _BOUNDS)
    elif typing.get_origin(annotation) is not None or isinstance(annotation, types.UnionType):
        for arg in typing.get_args(annotation):
            yield from _dated_inputs(arg, metadata, where)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, field in annotation.model_fields.items():
            yield from _dated_inputs(field.annotation, list(field.metadata), f"{where}.{name}")


def _route_inputs(app: FastAPI) -> Iterator[tuple[str, bool]]:
    for route in iter_route_contexts(app.routes):
        dependant = getattr(route, "dependant", None)
        pending = [dependant] if dependant is not None else []
        while pending:
            current = pending.pop()
            pending.extend(current.dependencies)
            for param in (
                *current.path_params,
                *current.query_params,
                *current.header_params,
                *current.cookie_params,
                *current.body_params,
            ):
                info = param.field_info
                where = f"{sorted(route.methods or [])} {route.path} {param.alias}"
                yield from _dated_inputs(info.annotation, list(info.metadata), where)


def test_every_date_and_time_the_api_reads_is_bounded(app: FastAPI) -> None:
    inputs = dict(_route_inputs(app))
    assert len(inputs) >= 25  # query, path and body dates of shipments, plans, trips, the app
    assert [where for where, bounded in inputs.items() if not bounded] == []


FAR_LATE = "9999-12-31T22:00:00-14:00"
FAR_EARLY = "0001-01-01T00:00:00+14:00"


def _assert_names(response: Any, *fields: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    named = {error["field"] for error in response.json()["errors"]}
    assert set(fields) <= named, named
    assert "out of range" in response.json()["detail"]


def test_a_window_at_the_end_of_time_is_refused(client: TestClient, org: OrgHandle) -> None:
    window = {"start": "9999-12-31T20:00:00-14:00", "end": FAR_LATE}
    response = client.post(
        "/api/v1/shipments", json=shipment_body(window=window), headers=org.headers
    )
    _assert_names(response, "window.start", "window.end")
    early = shipment_body(window=None, delivery_date="0001-01-01")
    _assert_names(
        client.post("/api/v1/shipments", json=early, headers=org.headers), "delivery_date"
    )


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/analytics/drivers",
        "/api/v1/analytics/drivers.csv",
        "/api/v1/shipments",
        "/api/v1/routes",
        "/api/v1/control-tower/board",
    ],
)
def test_days_at_the_ends_of_the_calendar_are_refused(
    client: TestClient, org: OrgHandle, path: str, day: str
) -> None:
    _assert_names(client.get(path, params={"date": day}, headers=org.headers), "date")


def test_a_drivers_day_trail_and_thread_refuse_the_ends_of_time(
    client: TestClient, org: OrgHandle
) -> None:
    driver = make_driver(client, org)["id"]
    for day in ("9999-12-31", "0001-01-01"):
        trips = client.get(
            f"/api/v1/drivers/{driver}/trips", params={"date": day}, headers=org.headers
        )
        _assert_names(trips, "date")
    track = client.get(
        f"/api/v1/drivers/{driver}/track",
        params={"since": FAR_EARLY, "until": FAR_LATE},
        headers=org.headers,
    )
    _assert_names(track, "since", "until")
    messages = client.get(
        f"/api/v1/drivers/{driver}/messages", params={"after": FAR_LATE}, headers=org.headers
    )
    _assert_names(messages, "after")


def test_an_event_at_the_end_of_time_is_refused(client: TestClient, org: OrgHandle) -> None:
    shipment = client.post("/api/v1/shipments", json=shipment_body(), headers=org.headers).json()
    event = client.post(
        f"/api/v1/shipments/{shipment['tracking_number']}/events",
        json={"status": "at_hub", "at": FAR_EARLY},
        headers=org.headers,
    )
    _assert_names(event, "at")


def test_the_supported_years_are_accepted(client: TestClient, org: OrgHandle) -> None:
    for day in ("2000-01-01", "2999-12-31"):
        response = client.get("/api/v1/shipments", params={"date": day}, headers=org.headers)
        assert response.status_code == 200, response.text
