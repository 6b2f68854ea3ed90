"""Without LASTMILE_PUBLIC_URL, links handed out follow the address the server is served on:
`lastmile serve --port 9000` gives tracking links on 9000, not 8000 (issue #24)."""

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.common import OrgHandle, create_shipment
from typer.testing import CliRunner

import lastmile.cli
from lastmile.cli import app
from lastmile.config import Settings

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("DATABASE_URL", "PUBLIC_URL", "HOST", "PORT"):
        monkeypatch.delenv(f"LASTMILE_{name}", raising=False)
    monkeypatch.setenv("LASTMILE_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("values", "public_url"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"port": 9000}, "http://127.0.0.1:9000"),
        ({"host": "0.0.0.0", "port": 9000}, "http://127.0.0.1:9000"),
        ({"host": "tracker.lan", "port": 8080}, "http://tracker.lan:8080"),
        ({"port": 9000, "public_url": "https://track.example.fi"}, "https://track.example.fi"),
    ],
)
def test_the_public_url_defaults_to_the_served_address(
    data_dir: Path, values: dict[str, Any], public_url: str
) -> None:
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    assert settings.public_url == public_url


def test_the_port_from_the_environment_sets_the_default_too(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LASTMILE_PORT", "9100")
    assert Settings(_env_file=None).public_url == "http://127.0.0.1:9100"  # type: ignore[call-arg]


def _served(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> tuple[FastAPI, Settings]:
    """Run `lastmile ARGS` up to where it would start listening; the app and its settings."""
    served: list[tuple[FastAPI, Settings]] = []
    monkeypatch.setattr(
        lastmile.cli, "_serve", lambda app_, settings, **_: served.append((app_, settings))
    )
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    (found,) = served
    return found


def test_serve_on_another_port_hands_out_tracking_links_on_that_port(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = json.loads(runner.invoke(app, ["org", "create", "Acme", "--json"]).stdout)
    org = OrgHandle(created["org_id"], created["api_key"])

    app_, settings = _served(monkeypatch, ["serve", "--host", "0.0.0.0", "--port", "9000"])

    assert (settings.host, settings.port) == ("0.0.0.0", 9000)
    with TestClient(app_) as client:
        shipment = create_shipment(client, org)
    assert shipment["tracking_url"].startswith("http://127.0.0.1:9000/t/")


def test_a_configured_public_url_wins_over_the_port(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LASTMILE_PUBLIC_URL", "https://track.example.fi")
    _, settings = _served(monkeypatch, ["serve", "--port", "9000"])
    assert settings.public_url == "https://track.example.fi"


def test_serve_explains_host_and_port() -> None:
    result = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert "Interface to listen on (default: LASTMILE_HOST or 127.0.0.1" in result.stdout
    assert "TCP port (default: LASTMILE_PORT or 8000); the links handed out follow" in result.stdout
