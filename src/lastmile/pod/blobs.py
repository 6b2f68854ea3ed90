"""The blob store for proof photos and signatures: a small interface, a filesystem store."""

import os
import re
import secrets
from pathlib import Path
from typing import Protocol

from lastmile.config import Settings

_KEY = re.compile(r"^[a-z0-9-]+(/[a-z0-9-]+)*\.(jpg|png|webp)$")


class BlobStore(Protocol):
    def put(self, data: bytes, *, prefix: str, extension: str) -> str:
        """Store the bytes durably under a new random key and return the key."""
        ...

    def get(self, key: str) -> bytes:
        """The stored bytes; FileNotFoundError for an unknown or malformed key."""
        ...


class FileBlobStore:
    """Files under one root; keys are random, checked against a strict pattern, never a path
    the caller chose."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise FileNotFoundError(key)
        return self.root / key

    def put(self, data: bytes, *, prefix: str, extension: str) -> str:
        key = f"{prefix}/{secrets.token_hex(16)}.{extension}"
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


def open_blob_store(settings: Settings) -> BlobStore:
    """The configured blob store: the filesystem under `<data_dir>/blobs`."""
    return FileBlobStore(settings.data_dir / "blobs")
