"""A simulated day on the bundled Helsinki map sends the real address nearest each pin, so the
day's "needs attention" flags are the few real ones and the deliberately fuzzy ones."""

from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.common import OrgHandle

from lastmile.addresses.extract import read_extract
from lastmile.addresses.index import store
from lastmile.routing.maps import DEFAULT_MAP, map_dir
from lastmile.routing.tiles import build_tiles
from lastmile.sim.world import Api, Scenario, local_network, setup_day

ZONE = ZoneInfo("Europe/Helsinki")


@pytest.fixture(scope="module")
def helsinki_dir(helsinki_pbf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with the bundled map's road tiles, as `lastmile map default` builds them."""
    data_dir = tmp_path_factory.mktemp("data")
    build_tiles(helsinki_pbf, map_dir(data_dir, DEFAULT_MAP))
    return data_dir


def _shipments(client: TestClient, org: OrgHandle, **params: Any) -> list[dict[str, Any]]:
    answer = client.get("/api/v1/shipments", params={"limit": 500, **params}, headers=org.headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["next_cursor"] is None
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def test_a_simulated_day_names_real_addresses_and_flags_only_a_few(
    client: TestClient, org: OrgHandle, session: Session, helsinki_pbf: Path, helsinki_dir: Path
) -> None:
    store(session=session, extract=read_extract(helsinki_pbf), map_name="helsinki", source="")
    network, area = local_network(helsinki_dir, DEFAULT_MAP)
    scenario = Scenario(
        drivers=4, stops_per_driver=25, seed=1, plan_seconds=0.5, pins=False, regular_share=0.2
    )
    tomorrow = datetime.now(ZONE).date() + timedelta(days=1)
    opens = datetime.combine(tomorrow, datetime.min.time(), ZONE) + timedelta(hours=8)
    day = setup_day(
        Api(client, org.api_key), scenario, network=network, area=area, start_s=opens.timestamp()
    )

    shipments = _shipments(client, org, date=day.date.isoformat())
    assert len(shipments) == 100
    assert not [s for s in shipments if s["address"]["text"].startswith("Simulated address")]
    assert all(s["address"]["quality"] is not None for s in shipments)
    flagged = _shipments(client, org, date=day.date.isoformat(), needs_attention="true")
    assert len(flagged) <= 10, [(s["address"]["text"], s["address"]["quality"]) for s in flagged]
    codes = Counter(r["code"] for s in flagged for r in s["address"]["quality"]["reasons"])
    assert codes["no_house_number"] == 3, codes  # the deliberately fuzzy ones, every 33rd
    fuzzy = next(
        s for s in flagged if s["address"]["quality"]["reasons"][0]["code"] == "no_house_number"
    )
    assert fuzzy["address"]["lat"] is not None  # its pin kept: the van still goes there
