"""Fixtures of the simulator's tests."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from testkit.servers import Server, create_org, server_env


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Server, str]]:
    """The server and its organisation's API key."""
    env = server_env(tmp_path)
    key = create_org(env)["api_key"]
    running = Server(env)
    running.start()
    try:
        yield running, key
    finally:
        running.stop()
