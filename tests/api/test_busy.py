"""A busy embedded database answers 503 with Retry-After, as problem+json, not a 500."""

import sqlite3

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError


def test_a_locked_database_is_a_503_to_retry(app: FastAPI) -> None:
    @app.get("/locked-for-test")
    def locked() -> None:
        raise OperationalError("UPDATE x", {}, sqlite3.OperationalError("database is locked"))

    with TestClient(app) as client:
        response = client.get("/locked-for-test")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "busy" in response.json()["detail"]
