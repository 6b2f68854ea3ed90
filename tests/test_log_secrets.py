"""A real server's log after a realistic session holds no secret: no API key, session token,
password, PIN, sign-in link or tracking token (logs are read by more people than secrets are)."""

from pathlib import Path

import httpx
from testkit.bodies import hub_body, shipment_body
from testkit.servers import Server, create_org, lastmile, server_env
from tests.sign_in import sign_in

PASSWORD = "plum orchard 42 lantern"
PIN = "730164"
WRONG_PIN = "730165"


def test_a_full_session_leaves_no_secret_in_the_log(tmp_path: Path) -> None:
    env = server_env(tmp_path)
    created = create_org(env)
    api_key = created["api_key"]
    lastmile(
        *("user", "create", "--org", created["org_id"], "--email", "ada@example.com"),
        *("--name", "Ada", "--role", "admin", "--password", PASSWORD),
        env=env,
    )
    server = Server(env)
    server.start()
    secrets: dict[str, str] = {"api key": api_key, "api key secret": api_key.rsplit("_", 1)[-1]}
    try:
        with httpx.Client(base_url=server.url, timeout=30) as api:
            api.headers["Authorization"] = f"Bearer {api_key}"
            assert api.post("/api/v1/hubs", json=hub_body()).status_code == 201
            shipment = api.post("/api/v1/shipments", json=shipment_body())
            assert shipment.status_code == 201, shipment.text
            secrets["tracking token"] = shipment.json()["tracking_url"].rsplit("/", 1)[-1]
            assert api.get("/api/v1/shipments").status_code == 200
            driver = api.post(
                "/api/v1/drivers", json={"name": "Mikko", "phone": "+358401112223"}
            ).json()
            assert api.put(f"/api/v1/drivers/{driver['id']}/pin", json={"pin": PIN}).is_success
            link = api.post(f"/api/v1/drivers/{driver['id']}/signin-links").json()["url"]
            secrets["sign-in link"] = link.rsplit("#link=", 1)[-1]

        with httpx.Client(base_url=server.url, timeout=30) as browser:
            assert sign_in(browser, "ada@example.com", "not the password").status_code == 401
            assert sign_in(browser, "ada@example.com", PASSWORD).status_code in (200, 303)
            secrets["session cookie"] = browser.cookies["lastmile_session"]
            assert browser.get("/control-tower").status_code == 200
            assert browser.get("/api/v1/control-tower/board").status_code == 200
            login = browser.post(
                "/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
            )
            assert login.status_code == 200, login.text
            secrets["json session"] = login.cookies["lastmile_session"]
            secrets["csrf token"] = login.json()["csrf_token"]

        with httpx.Client(base_url=server.url, timeout=30) as phone:
            phone_number = {"phone": "+358401112223"}
            wrong = phone.post("/api/v1/driver/session", json={**phone_number, "pin": WRONG_PIN})
            assert wrong.status_code == 401
            session = phone.post("/api/v1/driver/session", json={**phone_number, "pin": PIN})
            assert session.status_code == 201, session.text
            secrets["driver session"] = session.json()["token"]
            headers = {"Authorization": f"Bearer {secrets['driver session']}"}
            assert phone.get("/api/v1/driver/route", headers=headers).status_code in (200, 404)
            redeemed = phone.post(
                "/api/v1/driver/session/link", json={"token": secrets["sign-in link"]}
            )
            assert redeemed.status_code == 201, redeemed.text
            secrets["driver link session"] = redeemed.json()["token"]

        with httpx.Client(base_url=server.url, timeout=30) as recipient:
            page = recipient.get(f"/t/{secrets['tracking token']}")
            assert page.status_code == 200
            assert recipient.get(f"/t/{secrets['tracking token']}x").status_code == 404
    finally:
        server.stop()

    secrets |= {"password": PASSWORD, "pin": PIN, "wrong pin": WRONG_PIN}
    log = server.log.read_text(errors="replace")
    assert "GET /control-tower HTTP/1.1" in log  # the access log is on: requests were logged
    assert [name for name, secret in secrets.items() if secret in log] == []
