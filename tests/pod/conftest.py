"""An S3-compatible server for the blob store tests: moto's server mode, in this process.

It is an emulator of the S3 protocol over real HTTP on 127.0.0.1 (boto3 signs, sends and
parses real requests), not AWS or MinIO.
"""

import uuid
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer
from testkit.servers import free_port

from lastmile.pod.s3 import S3BlobStore

ACCESS_KEY = "lastmile-test-access"
SECRET_KEY = "lastmile-test-secret-do-not-print"
REGION = "eu-north-1"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    """A new empty bucket on the emulator."""
    name = f"proofs-{uuid.uuid4().hex[:12]}"
    s3_client(s3_endpoint).create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return name


def s3_client(endpoint: str) -> object:
    """A plain boto3 client, for looking at the bucket behind the store's back."""
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


def make_s3_store(endpoint: str, bucket: str, *, key_prefix: str = "") -> S3BlobStore:
    return S3BlobStore(
        bucket=bucket,
        endpoint_url=endpoint,
        region=REGION,
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET_KEY,
        key_prefix=key_prefix,
    )
