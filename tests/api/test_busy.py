"""A busy database (locked, or no free connection) answers 503 and Retry-After, not a 500."""

import sqlite3
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
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


def test_a_database_pool_with_no_free_connection_is_a_503_to_retry(
    app: FastAPI, tmp_path: Path
) -> None:
    engine = create_engine(
        f"sqlite:///{tmp_path / 'pool.db'}", pool_size=1, max_overflow=0, pool_timeout=0.01
    )

    @app.get("/pool-for-test")
    def second_connection() -> None:
        with engine.connect():
            pass

    try:
        with engine.connect(), TestClient(app) as client:
            response = client.get("/pool-for-test")
    finally:
        engine.dispose()
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "in use" in response.json()["detail"]
