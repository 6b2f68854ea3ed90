"""The embedded default under concurrent requests: writers wait their turn, nobody gets 503."""

from collections import Counter
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from sqlalchemy import select, update
from tests.common import make_org
from tests.contention import embedded_app, file_database, in_parallel, steady_writer
from tests.sign_in import form_token, sign_in

from lastmile.auth import service as auth
from lastmile.auth.models import Organization, Role
from lastmile.db import Database
from lastmile.db.contention import writing

PIN = "4821"
PASSWORD = "correct horse battery"


def _drivers(client: httpx.Client, headers: dict[str, str], count: int) -> list[str]:
    phones = []
    for index in range(count):
        phone = f"+35840111{index:04d}"
        driver = client.post(
            "/api/v1/drivers", json={"name": f"Driver {index}", "phone": phone}, headers=headers
        )
        assert driver.status_code == 201, driver.text
        pin = client.put(
            f"/api/v1/drivers/{driver.json()['id']}/pin", json={"pin": PIN}, headers=headers
        )
        assert pin.status_code == 204, pin.text
        phones.append(phone)
    return phones


def test_forty_parallel_pin_sign_ins_all_succeed(tmp_path: Path) -> None:
    database = file_database(tmp_path)
    org = make_org(database, "Fleet")
    with embedded_app(tmp_path, database) as (_, client):
        phones = _drivers(client, org.headers, 8)
        with steady_writer(database, org.org_id) as commits:
            statuses = in_parallel(
                40,
                lambda i: (
                    client.post(
                        "/api/v1/driver/session",
                        json={"phone": phones[i % 8], "pin": PIN if i % 5 else "0000"},
                    ).status_code
                ),
            )
    assert Counter(statuses) == {201: 32, 401: 8}
    assert commits, "the steady writer wrote meanwhile"


def test_parallel_control_tower_sign_ins_all_succeed(tmp_path: Path) -> None:
    database = file_database(tmp_path)
    org = make_org(database, "Fleet")
    with database.session() as session:
        for index in range(15):
            auth.create_user(
                session=session,
                org_id=org.org_id,
                email=f"dispatcher{index}@example.com",
                name=f"Dispatcher {index}",
                role=Role.DISPATCHER,
                password=PASSWORD,
            )
        session.commit()
    with embedded_app(tmp_path, database) as (_, client), steady_writer(database, org.org_id):
        token = form_token(client)  # one form's token: its cookie is the client's for all 15
        responses = in_parallel(
            15,
            lambda i: sign_in(
                client,
                f"dispatcher{i}@example.com",
                PASSWORD,
                token=token,
                headers={"Accept": "text/html"},
                follow_redirects=False,
            ),
        )
    assert [r.status_code for r in responses] == [303] * 15
    assert all(r.headers["location"] == "/control-tower" for r in responses)


def _read_then_write_route(app: FastAPI, database: Database, *, interfere: int) -> list[int]:
    """GET /busy-test: reads, then writes; the first `interfere` runs see another writer commit
    in between (on its own thread), the busy snapshot that a deferred transaction cannot wait
    out."""
    runs: list[int] = []

    @app.get("/busy-test")
    @app.get("/api/v1/busy-test")
    def read_then_write(request: Request) -> dict[str, int]:
        runs.append(1)
        with database.session() as session:
            org = session.scalar(select(Organization))
            assert org is not None
            if len(runs) <= interfere:
                in_parallel(1, lambda _: _rename(database, org.id))
            session.execute(update(Organization).values(name=f"run {len(runs)}"))
            session.commit()
        return {"runs": len(runs)}

    return runs


def _rename(database: Database, org_id: object) -> None:
    with database.session(writes=True) as session:
        session.execute(update(Organization).where(Organization.id == org_id).values(name="x"))
        session.commit()


def test_a_request_that_met_a_busy_database_runs_again(tmp_path: Path) -> None:
    database = file_database(tmp_path)
    make_org(database, "Fleet")
    with embedded_app(tmp_path, database) as (app, client):
        runs = _read_then_write_route(app, database, interfere=1)
        response = client.get("/busy-test")
    assert response.status_code == 200, response.text
    assert response.json() == {"runs": 2}
    assert len(runs) == 2


def test_still_busy_a_browser_gets_a_page_and_an_api_client_a_problem(tmp_path: Path) -> None:
    database = file_database(tmp_path, busy_timeout_ms=50)
    make_org(database, "Fleet")
    with embedded_app(tmp_path, database) as (app, client):
        runs = _read_then_write_route(app, database, interfere=0)
        with database.engine.connect() as holder, writing():
            holder.begin()  # BEGIN IMMEDIATE: another process keeps the write lock throughout
            page = client.get("/busy-test", headers={"Accept": "text/html,*/*;q=0.8"})
            problem = client.get("/api/v1/busy-test", headers={"Accept": "text/html"})
            holder.rollback()
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert "Busy for a moment" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["retry-after"] == "1"
    assert problem.status_code == 503
    assert problem.headers["content-type"] == "application/problem+json"
    assert problem.json()["type"].endswith("/busy")
    assert len(runs) == 8, "each request ran four times before it gave up"
