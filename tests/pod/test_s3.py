"""The S3 blob store against an S3-compatible server (moto's emulator over real HTTP): what
lands in the bucket, secrets kept out of logs, and a photo sent through the POD API."""

import json
import logging
import uuid
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient
from pydantic import ValidationError
from tests.common import OrgHandle
from tests.driver_app import image_bytes, make_driver_day, sign_in
from tests.pod.conftest import ACCESS_KEY, REGION, SECRET_KEY, make_s3_store, s3_client

from lastmile.config import Settings
from lastmile.db import Database
from lastmile.pod.s3 import S3BlobStore, shared_s3_store
from lastmile.pod.stores import open_blob_store


@pytest.fixture
def settings(tmp_path: Path, s3_endpoint: str, s3_bucket: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        env="test",
        data_dir=tmp_path,
        public_url="http://testserver",
        run_workers=False,
        blob_store="s3",
        s3_endpoint_url=s3_endpoint,
        s3_bucket=s3_bucket,
        s3_region=REGION,
        s3_access_key_id=ACCESS_KEY,
        s3_secret_access_key=SECRET_KEY,
        s3_key_prefix="lastmile",
    )


def test_the_object_lands_in_the_bucket_with_its_content_type(
    s3_endpoint: str, s3_bucket: str
) -> None:
    store = make_s3_store(s3_endpoint, s3_bucket, key_prefix="tenant-a/")
    key = store.put(b"\x89PNG...", prefix="pod/org-1", extension="png")
    raw: Any = s3_client(s3_endpoint)
    found = raw.get_object(Bucket=s3_bucket, Key=f"tenant-a/{key}")
    assert found["Body"].read() == b"\x89PNG..."
    assert found["ContentType"] == "image/png"
    listed = raw.list_objects_v2(Bucket=s3_bucket)["Contents"]
    assert [item["Key"] for item in listed] == [f"tenant-a/{key}"]


def test_a_missing_bucket_is_an_error_not_a_missing_photo(s3_endpoint: str) -> None:
    store = make_s3_store(s3_endpoint, "no-such-bucket")
    with pytest.raises(ClientError, match="NoSuchBucket"):
        store.get("pod/org-1/00000000000000000000000000000000.jpg")


def test_the_secret_is_never_shown(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="lastmile")
    store = shared_s3_store(settings)
    assert isinstance(store, S3BlobStore)
    assert store is shared_s3_store(settings)
    assert open_blob_store(settings) is store
    shown = [repr(store), repr(settings), str(settings.model_dump()), caplog.text]
    assert settings.s3_bucket in caplog.text
    for text in shown:
        assert SECRET_KEY not in text


def test_s3_without_a_bucket_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValidationError, match="LASTMILE_S3_BUCKET"):
        Settings(_env_file=None, blob_store="s3")  # type: ignore[call-arg]


def test_a_photo_uploaded_through_the_api_lands_in_the_bucket_and_is_served_back(
    client: TestClient, db: Database, org: OrgHandle, s3_endpoint: str, s3_bucket: str
) -> None:
    day = sign_in(client, make_driver_day(client, db, org, cod_on=None))
    started = client.post("/api/v1/driver/route/start", json=day.action(), headers=day.headers)
    assert started.status_code == 200, started.text
    photo = image_bytes("JPEG")
    uploaded = client.post(
        f"/api/v1/driver/stops/{day.stop_ids[0]}/images",
        data={"action": json.dumps(day.action()), "kind": "photo"},
        files={"file": ("door.jpg", photo, "application/octet-stream")},
        headers=day.headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    proof_id = uploaded.json()["id"]

    raw: Any = s3_client(s3_endpoint)
    objects = raw.list_objects_v2(Bucket=s3_bucket)["Contents"]
    assert len(objects) == 1
    key = objects[0]["Key"]
    assert key.startswith(f"lastmile/pod/{org.org_id}/")
    stored = raw.get_object(Bucket=s3_bucket, Key=key)
    assert stored["Body"].read() == photo
    assert stored["ContentType"] == "image/jpeg"

    served = client.get(f"/api/v1/proofs/{proof_id}/image", headers=org.headers)
    assert served.status_code == 200
    assert served.content == photo
    assert served.headers["content-type"] == "image/jpeg"


def test_another_organisation_cannot_read_the_photo(
    client: TestClient, db: Database, org: OrgHandle, other_org: OrgHandle
) -> None:
    day = sign_in(client, make_driver_day(client, db, org, cod_on=None))
    assert (
        client.post(
            "/api/v1/driver/route/start", json=day.action(), headers=day.headers
        ).status_code
        == 200
    )
    uploaded = client.post(
        f"/api/v1/driver/stops/{day.stop_ids[0]}/images",
        data={"action": json.dumps(day.action()), "kind": "photo"},
        files={"file": ("door.jpg", image_bytes("JPEG"), "application/octet-stream")},
        headers=day.headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    proof_id = uuid.UUID(uploaded.json()["id"])
    response = client.get(f"/api/v1/proofs/{proof_id}/image", headers=other_org.headers)
    assert response.status_code == 404
