"""The rate limits as a component: 429 + Retry-After + problem+json on every kind of budget,
one budget per process in memory, one for all processes on Redis."""

import asyncio
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient
from tests.common import OrgHandle

from lastmile.app import create_app
from lastmile.config import Settings
from lastmile.db import Database
from lastmile.ratelimit.limiter import KEY_PREFIX, RateLimiter

BROWSER = {"Accept": "text/html"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "rate_limit_tracking_ip": "3/minute",
            "rate_limit_api_key": "3/minute",
            "rate_limit_sign_in_ip": "4/minute",
        }
    )


def test_tracking_pages_are_limited_per_address(client: TestClient) -> None:
    statuses = [client.get("/t/" + "x" * 32).status_code for _ in range(3)]
    assert statuses == [404] * 3
    page = client.get("/t/" + "x" * 32, headers=BROWSER)
    assert page.status_code == 429
    assert page.headers["content-type"].startswith("text/html"), "a person gets a page"
    assert int(page.headers["retry-after"]) >= 1
    problem = client.get("/t/" + "x" * 32)
    assert problem.json()["status"] == 429


def test_an_api_key_has_a_budget(client: TestClient, org: OrgHandle) -> None:
    statuses = [client.get("/api/v1/me", headers=org.headers).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def _sign_in(client: TestClient, index: int) -> int:
    body = {"email": f"nobody{index}@example.com", "password": "wrong-password"}
    return client.post("/auth/login", json=body).status_code


@pytest.fixture
def two_processes(
    settings: Settings, db: Database, redis_url: str
) -> Iterator[tuple[TestClient, TestClient]]:
    """Two apps as two server processes would be, on one Redis."""
    store = redis.Redis.from_url(redis_url)
    for key in store.scan_iter(f"{KEY_PREFIX}*"):
        store.delete(key)
    store.close()
    shared = settings.model_copy(update={"bus_url": redis_url})
    with (
        TestClient(create_app(shared, database=db)) as one,
        TestClient(create_app(shared, database=db)) as two,
    ):
        yield one, two


def test_processes_on_redis_share_one_budget(two_processes: tuple[TestClient, TestClient]) -> None:
    one, two = two_processes
    statuses = [_sign_in(one, 0), _sign_in(two, 1), _sign_in(one, 2), _sign_in(two, 3)]
    assert statuses == [401] * 4
    assert _sign_in(one, 4) == 429
    assert _sign_in(two, 5) == 429
    assert one.get("/healthz").json()["rate_limits"]["store"] == "redis"


def test_in_memory_each_process_has_its_own(settings: Settings, db: Database) -> None:
    with (
        TestClient(create_app(settings, database=db)) as one,
        TestClient(create_app(settings, database=db)) as two,
    ):
        assert [_sign_in(one, i) for i in range(4)] == [401] * 4
        assert _sign_in(two, 4) == 401
        assert _sign_in(one, 5) == 429


def test_an_unreachable_store_lets_requests_through_and_says_so(settings: Settings) -> None:
    limiter = RateLimiter(settings.model_copy(update={"bus_url": "redis://127.0.0.1:1/0"}))

    async def hit_twice() -> None:
        for _ in range(2):
            await limiter.hit(limiter.rules.sign_in_ip, "198.51.100.7")
        await limiter.close()

    asyncio.run(hit_twice())
    assert limiter.health()["store_failures"] == 2
