import json
from pathlib import Path

import httpx
import pytest
from testkit.servers import Server, server_env
from typer.testing import CliRunner

from lastmile.auth import service as auth
from lastmile.cli import app
from lastmile.config import Settings
from lastmile.db import Database

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LASTMILE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LASTMILE_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_org_create_prints_a_working_admin_key(data_dir: Path) -> None:
    result = runner.invoke(app, ["org", "create", "Acme Couriers", "--json"])
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert set(created) == {"org_id", "api_key"}

    database = Database.from_url(Settings().resolved_database_url)
    with database.session() as session:
        key = auth.authenticate_api_key(session=session, key=created["api_key"])
        assert key is not None
        assert str(key.org_id) == created["org_id"]
        assert key.role == "admin"
    database.engine.dispose()


def test_user_create_and_migrate(data_dir: Path) -> None:
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    org_id = json.loads(runner.invoke(app, ["org", "create", "A", "--json"]).stdout)["org_id"]
    result = runner.invoke(
        app,
        [
            "user",
            "create",
            "--org",
            org_id,
            "--email",
            "Dee@Example.com",
            "--name",
            "Dee",
            "--role",
            "dispatcher",
            "--password",
            "long enough password",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "dee@example.com (dispatcher)" in result.stdout


def test_user_create_in_unknown_org_fails_clearly(data_dir: Path) -> None:
    result = runner.invoke(
        app,
        [
            "user",
            "create",
            "--org",
            "00000000-0000-0000-0000-000000000000",
            "--email",
            "a@b.co",
            "--name",
            "A",
            "--password",
            "long enough password",
        ],
    )
    assert result.exit_code != 0
    assert "no organisation" in str(result.exception)


def test_several_workers_need_a_shared_bus_and_no_mqtt(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refused = runner.invoke(app, ["serve", "--workers", "2"])
    assert refused.exit_code != 0
    assert "LASTMILE_BUS_URL" in refused.output
    monkeypatch.setenv("LASTMILE_BUS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("LASTMILE_MQTT_URL", "mqtt://127.0.0.1:1883")
    refused = runner.invoke(app, ["serve", "--workers", "2"])
    assert refused.exit_code != 0
    assert "LASTMILE_MQTT_URL" in refused.output


def test_serve_runs_on_uvloop_with_its_start_up_heap_frozen(tmp_path: Path) -> None:
    server = Server(server_env(tmp_path))
    server.start()
    try:
        health = httpx.get(f"{server.url}/healthz", timeout=10).json()
    finally:
        server.stop()
    assert (health["status"], health["event_loop"], health["heap_frozen"]) == ("ok", "uvloop", True)
    assert health["fast_path"] == {"taken": 0, "fallbacks": {}}


def test_each_of_several_serve_workers_freezes_its_heap(tmp_path: Path, redis_url: str) -> None:
    env = {**server_env(tmp_path), "LASTMILE_BUS_URL": redis_url}
    server = Server(env, workers=2)
    server.start()
    try:
        answers = [httpx.get(f"{server.url}/healthz", timeout=10).json() for _ in range(8)]
    finally:
        server.stop()
    assert all(
        (a["status"], a["event_loop"], a["heap_frozen"]) == ("ok", "uvloop", True) for a in answers
    )
