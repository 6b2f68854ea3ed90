from fastapi.testclient import TestClient
from tests.common import OrgHandle, create_shipment, post_event


def test_tracking_page_shows_status_and_timeline(client: TestClient, org: OrgHandle) -> None:
    shipment = create_shipment(client, org, recipient={"name": "<script>alert(1)</script>"})
    post_event(client, org, shipment["tracking_number"], status="at_hub", note="Sorted at HEL1")
    path = shipment["tracking_url"].removeprefix("http://testserver")

    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert 'data-status="at_hub"' in page.text
    assert "At the delivery hub" in page.text
    assert "Sorted at HEL1" not in page.text  # notes are for staff
    assert shipment["tracking_number"] in page.text
    assert "<script>" not in page.text
    assert "+358401234567" not in page.text


def test_unknown_token_is_a_clear_404_page(client: TestClient) -> None:
    page = client.get("/t/this-token-does-not-exist")
    assert page.status_code == 404
    assert "can't find this tracking link" in page.text


def test_a_link_reveals_only_its_own_shipment(client: TestClient, org: OrgHandle) -> None:
    mine = create_shipment(client, org, reference="MINE")
    other = create_shipment(client, org, reference="OTHER")
    page = client.get(mine["tracking_url"].removeprefix("http://testserver")).text
    assert mine["tracking_number"] in page
    assert other["tracking_number"] not in page
