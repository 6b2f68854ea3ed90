"""Proof images in a bucket of an S3-compatible server (AWS S3, MinIO, Ceph, Garage, ...)."""

import base64
import hashlib
import logging
import threading
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from lastmile.config import Settings
from lastmile.pod.blobs import content_type_of_key, is_valid_key, new_key

logger = logging.getLogger(__name__)

_MISSING = {"404", "NoSuchKey", "NotFound"}


class S3BlobStore:
    """Objects under `key_prefix` in one bucket; the same keys and behaviour as `FileBlobStore`.

    The client is made here and never holds the secret anywhere we print: `repr` names the
    endpoint and bucket only.
    """

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None,
        region: str,
        access_key_id: str | None,
        secret_access_key: str | None,
        key_prefix: str = "",
        timeout_s: float = 10.0,
    ) -> None:
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.key_prefix = key_prefix.strip("/")
        config = Config(
            region_name=region,
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=timeout_s,
            read_timeout=timeout_s,
            # Integrity is checked with Content-MD5, which every S3-compatible server knows;
            # the newer default CRC checksums are refused by some of them.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        self._client: Any = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=config,
        )

    def __repr__(self) -> str:
        return f"S3BlobStore(bucket={self.bucket!r}, endpoint_url={self.endpoint_url!r})"

    def _object(self, key: str) -> str:
        if not is_valid_key(key):
            raise FileNotFoundError(key)
        return f"{self.key_prefix}/{key}" if self.key_prefix else key

    def put(self, data: bytes, *, prefix: str, extension: str) -> str:
        key = new_key(prefix, extension)
        digest = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        self._client.put_object(
            Bucket=self.bucket,
            Key=self._object(key),
            Body=data,
            ContentType=content_type_of_key(key),
            ContentMD5=digest,
        )
        return key

    def get(self, key: str) -> bytes:
        try:
            found = self._client.get_object(Bucket=self.bucket, Key=self._object(key))
        except ClientError as error:
            if _code(error) in _MISSING:
                raise FileNotFoundError(key) from None
            raise
        data: bytes = found["Body"].read()
        return data

    def exists(self, key: str) -> bool:
        if not is_valid_key(key):
            return False
        try:
            self._client.head_object(Bucket=self.bucket, Key=self._object(key))
        except ClientError as error:
            if _code(error) in _MISSING:
                return False
            raise
        return True

    def content_type(self, key: str) -> str | None:
        """The media type the server holds for the object, or None when it is missing."""
        if not is_valid_key(key):
            return None
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=self._object(key))
        except ClientError as error:
            if _code(error) in _MISSING:
                return None
            raise
        value: str = head["ContentType"]
        return value


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


_lock = threading.Lock()
_stores: dict[tuple[str | None, ...], S3BlobStore] = {}


def s3_store(settings: Settings) -> S3BlobStore:
    """A new store from the `LASTMILE_S3_*` settings."""
    secret = settings.s3_secret_access_key
    return S3BlobStore(
        bucket=settings.s3_bucket or "",
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=secret.get_secret_value() if secret else None,
        key_prefix=settings.s3_key_prefix,
    )


def shared_s3_store(settings: Settings) -> S3BlobStore:
    """One store (and one connection pool) per distinct S3 configuration in this process."""
    secret = settings.s3_secret_access_key
    identity = (
        settings.s3_endpoint_url,
        settings.s3_bucket,
        settings.s3_region,
        settings.s3_access_key_id,
        hashlib.sha256(secret.get_secret_value().encode()).hexdigest() if secret else None,
        settings.s3_key_prefix,
    )
    with _lock:
        store = _stores.get(identity)
        if store is None:
            store = s3_store(settings)
            logger.info("proof images go to %r", store)
            _stores[identity] = store
        return store
