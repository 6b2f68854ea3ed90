"""Route edits through the dispatch API: each one leaves exactly one audit entry naming the
shipment or route, the actor and where the stop was and went; a refused edit leaves none."""

from fastapi.testclient import TestClient
from tests.audit.test_views import audit, only
from tests.common import OrgHandle
from tests.dispatch.test_edits import EAST, NEAR, NORTH, TIGHT, _hub, _order, _route

ACTOR = {"type": "api_key", "name": "test"}


def _actor(entry: dict[str, object]) -> dict[str, object]:
    actor = entry["actor"]
    assert isinstance(actor, dict)
    return {"type": actor["type"], "name": actor["name"]}


def test_commit_reorder_move_unassign_insert(client: TestClient, org: OrgHandle) -> None:
    hub = _hub(client, org)
    numbers = [_order(client, org, hub, where) for where in (NORTH, EAST, NEAR)]
    first = _route(client, org, hub)
    committed = only(audit(client, org), "plan.commit")
    assert committed["subject"]["type"] == "plan"
    assert committed["subject"]["label"].endswith(" on 2026-11-24")
    assert len(committed["after"]["routes"]) == 1
    assert _actor(committed) == ACTOR

    by_number = {s["tracking_number"]: s["id"] for s in first["stops"]}
    order = list(reversed([s["tracking_number"] for s in first["stops"]]))
    reordered = client.post(
        f"/api/v1/routes/{first['id']}/reorder",
        json={"stop_ids": [by_number[n] for n in order]},
        headers=org.headers,
    )
    assert reordered.status_code == 200, reordered.text
    entry = only(audit(client, org), "route.reorder")
    assert entry["subject"]["id"] == first["id"]
    assert entry["after"] == {"stops": order}
    assert entry["before"] == {"stops": list(reversed(order))}

    late_number = _order(client, org, hub, NEAR)
    second = _route(client, org, hub)
    moved = client.post(
        f"/api/v1/routes/{first['id']}/stops/{by_number[numbers[0]]}/move",
        json={"to_route_id": second["id"]},
        headers=org.headers,
    )
    assert moved.status_code == 200, moved.text
    entry = only(audit(client, org), "stop.move")
    assert (entry["subject"]["type"], entry["subject"]["label"]) == ("shipment", numbers[0])
    assert entry["before"]["route_id"] == first["id"]
    assert entry["after"]["route_id"] == second["id"]
    assert entry["after"]["driver_id"] == second["driver_id"]
    assert entry["text"].startswith(f"moved shipment {numbers[0]} from Driver ")

    taken = client.delete(
        f"/api/v1/routes/{second['id']}/stops/{by_number[numbers[0]]}", headers=org.headers
    )
    assert taken.status_code == 200, taken.text
    entry = only(audit(client, org), "stop.unassign")
    assert entry["subject"]["label"] == numbers[0]
    assert (entry["before"]["route_id"], entry["after"]) == (second["id"], {"route": None})

    inserted = client.post(
        f"/api/v1/routes/{second['id']}/insert", json={"shipment": numbers[0]}, headers=org.headers
    )
    assert inserted.status_code == 200, inserted.text
    entry = only(audit(client, org), "stop.insert")
    assert entry["subject"]["label"] == numbers[0]
    assert entry["after"]["route_id"] == second["id"]
    assert late_number in [s["tracking_number"] for s in inserted.json()["stops"]]
    assert [e["action"] for e in audit(client, org)].count("plan.commit") == 2


def test_a_refused_edit_leaves_no_entry(client: TestClient, org: OrgHandle) -> None:
    hub = _hub(client, org)
    tight = _order(client, org, hub, NEAR, TIGHT)
    far = [_order(client, org, hub, where) for where in (NORTH, EAST)]
    route = _route(client, org, hub)
    by_number = {s["tracking_number"]: s["id"] for s in route["stops"]}
    before = audit(client, org)

    late = client.post(
        f"/api/v1/routes/{route['id']}/reorder",
        json={"stop_ids": [by_number[n] for n in [*far, tight]]},
        headers=org.headers,
    )

    assert late.status_code == 409, late.text
    assert audit(client, org) == before


def test_a_dispatcher_starting_a_route_is_recorded(client: TestClient, org: OrgHandle) -> None:
    hub = _hub(client, org)
    _order(client, org, hub, NEAR)
    route = _route(client, org, hub)
    started = client.post(f"/api/v1/routes/{route['id']}/start", headers=org.headers)
    assert started.status_code == 200, started.text
    entry = only(audit(client, org), "route.start")
    assert entry["subject"]["id"] == route["id"]
    assert entry["before"] == {"status": "planned", "started_at": None}
    assert entry["after"]["status"] == "in_progress"
    assert entry["text"].startswith("started the route Driver ")
