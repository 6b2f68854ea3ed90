"""`GET /api/v1/audit.csv`: admins only, the JSON list's filters, formulas made inert."""

import csv
import io
import json

from fastapi.testclient import TestClient
from tests.audit.test_views import audit
from tests.common import OrgHandle, make_org

from lastmile.auth.models import Role
from lastmile.db import Database


def _rows(client: TestClient, org: OrgHandle, **params: object) -> list[dict[str, str]]:
    response = client.get("/api/v1/audit.csv", params=params, headers=org.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="audit-' in response.headers["content-disposition"]
    return list(csv.DictReader(io.StringIO(response.text)))


def test_the_log_as_csv_with_formulas_made_inert(client: TestClient, org: OrgHandle) -> None:
    formula = '=HYPERLINK("https://evil.example/","open")'
    client.post("/api/v1/api-keys", json={"name": formula}, headers=org.headers)
    client.post("/api/v1/api-keys", json={"name": "-1+2", "role": "driver"}, headers=org.headers)
    [newest, oldest] = audit(client, org)
    rows = _rows(client, org)
    assert [r["id"] for r in rows] == [str(newest["id"]), str(oldest["id"])]
    assert rows[1]["subject_label"] == "'" + formula
    assert rows[0]["subject_label"] == "'-1+2"
    assert rows[1]["text"].startswith("API key “test” created the API key “=HYPERLINK")
    assert json.loads(rows[1]["after"]) == {"role": "admin"}
    assert rows[1]["before"] == ""
    assert rows[1]["at"] == oldest["at"].replace("Z", "+00:00")
    for row in rows:
        assert not row["subject_label"].startswith(("=", "+", "-", "@"))


def test_the_same_filters_as_the_list_and_a_cursor_for_more(
    client: TestClient, org: OrgHandle
) -> None:
    for name in ("one", "two", "three"):
        client.post("/api/v1/api-keys", json={"name": name}, headers=org.headers)
    client.post(
        "/api/v1/hubs",
        json={"code": "H1", "name": "Hub", "lat": 60, "lon": 25},
        headers=org.headers,
    )
    assert [r["action"] for r in _rows(client, org, subject_type="hub")] == ["hub.create"]
    assert len(_rows(client, org, action="api_key.create")) == 3
    first = client.get("/api/v1/audit.csv", params={"limit": 2}, headers=org.headers)
    labels = [r["subject_label"] for r in csv.DictReader(io.StringIO(first.text))]
    assert labels == ["Hub (H1)", "three"]
    rest = _rows(client, org, limit=2, cursor=first.headers["X-Next-Cursor"])
    assert [r["subject_label"] for r in rest] == ["two", "one"]


def test_only_admins_download_and_bad_filters_are_problems(
    client: TestClient, org: OrgHandle, other_org: OrgHandle, db: Database
) -> None:
    client.post("/api/v1/api-keys", json={"name": "a-only"}, headers=org.headers)
    assert _rows(client, other_org) == []
    dispatcher = make_org(db, "Org D", role=Role.DISPATCHER)
    refused = client.get("/api/v1/audit.csv", headers=dispatcher.headers)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v1/audit.csv").status_code == 401
    for params, field in (
        ({"since": "2026-11-25T10:00:00"}, "since"),
        ({"since": "2026-11-25T10:00:00Z", "until": "2026-11-24T10:00:00Z"}, "until"),
        ({"limit": 50_001}, "limit"),
        ({"cursor": 2**64}, "cursor"),
    ):
        response = client.get("/api/v1/audit.csv", params=params, headers=org.headers)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert field in response.text
