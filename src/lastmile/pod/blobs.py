"""The blob store for proof photos and signatures: one small interface, two stores.

`FileBlobStore` keeps files under `<data_dir>/blobs`; `S3BlobStore` (s3.py) keeps objects in a
bucket of any S3-compatible server; `stores.open_blob_store` picks one from the settings. Both
take only keys they made themselves (random, under the organisation's prefix, checked against a
strict pattern).
"""

import os
import re
import secrets
import uuid
from pathlib import Path
from typing import Final, Protocol

_KEY = re.compile(r"^[a-z0-9-]+(/[a-z0-9-]+)*\.(jpg|png|webp)$")
CONTENT_TYPES: Final = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


class BlobStore(Protocol):
    def put(self, data: bytes, *, prefix: str, extension: str) -> str:
        """Store the bytes durably under a new random key and return the key."""
        ...

    def get(self, key: str) -> bytes:
        """The stored bytes; FileNotFoundError for an unknown or malformed key."""
        ...

    def exists(self, key: str) -> bool:
        """Whether a blob is stored under the key (False for a malformed key)."""
        ...

    def content_type(self, key: str) -> str | None:
        """The stored blob's media type, or None when nothing is stored under the key."""
        ...


def org_prefix(org_id: uuid.UUID) -> str:
    """Where one organisation's proof images live: `pod/<org id>`."""
    return f"pod/{org_id}"


def content_type_of_key(key: str) -> str:
    """The media type a key's extension stands for.

    >>> content_type_of_key("pod/x/0a.webp")
    'image/webp'
    """
    return CONTENT_TYPES[key.rsplit(".", 1)[-1]]


def new_key(prefix: str, extension: str) -> str:
    """A fresh random key under `prefix`; ValueError when the result would be malformed."""
    key = f"{prefix}/{secrets.token_hex(16)}.{extension}"
    if not _KEY.match(key):
        raise ValueError(f"prefix {prefix!r} and extension {extension!r} make no valid key")
    return key


def is_valid_key(key: str) -> bool:
    """Whether the key has the shape `new_key` makes (no path tricks, a known extension)."""
    return bool(_KEY.match(key))


class FileBlobStore:
    """Files under one root; keys are random, checked against a strict pattern, never a path
    the caller chose."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not is_valid_key(key):
            raise FileNotFoundError(key)
        return self.root / key

    def put(self, data: bytes, *, prefix: str, extension: str) -> str:
        key = new_key(prefix, extension)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        return key

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return is_valid_key(key) and self._path(key).is_file()

    def content_type(self, key: str) -> str | None:
        return content_type_of_key(key) if self.exists(key) else None
