"""The blob store contract, run over both stores: the filesystem and an S3-compatible bucket
(moto's S3 emulator over real HTTP)."""

import uuid
from pathlib import Path

import pytest
from tests.pod.conftest import make_s3_store

from lastmile.pod.blobs import BlobStore, FileBlobStore, org_prefix

JPEG = b"\xff\xd8\xffdata"


@pytest.fixture(params=["filesystem", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "filesystem":
        return FileBlobStore(tmp_path / "blobs")
    endpoint: str = request.getfixturevalue("s3_endpoint")
    bucket: str = request.getfixturevalue("s3_bucket")
    return make_s3_store(endpoint, bucket)


def test_a_stored_blob_reads_back_under_its_key(store: BlobStore) -> None:
    key = store.put(JPEG, prefix="pod/org-1", extension="jpg")
    assert key.startswith("pod/org-1/")
    assert key.endswith(".jpg")
    assert store.get(key) == JPEG
    assert store.exists(key)
    assert key != store.put(JPEG, prefix="pod/org-1", extension="jpg")


def test_the_content_type_follows_the_image_kind(store: BlobStore) -> None:
    for extension, expected in (
        ("jpg", "image/jpeg"),
        ("png", "image/png"),
        ("webp", "image/webp"),
    ):
        key = store.put(b"bytes", prefix="pod/org-1", extension=extension)
        assert store.content_type(key) == expected
    assert store.content_type("pod/org-1/00000000000000000000000000000000.png") is None


def test_keys_are_scoped_by_organisation(store: BlobStore) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    mine = store.put(b"mine", prefix=org_prefix(first), extension="png")
    theirs = store.put(b"theirs", prefix=org_prefix(second), extension="png")
    assert mine.startswith(f"pod/{first}/")
    assert theirs.startswith(f"pod/{second}/")
    assert store.get(mine) == b"mine"
    assert store.get(theirs) == b"theirs"


def test_an_unknown_key_is_not_found(store: BlobStore) -> None:
    missing = "pod/org-1/00000000000000000000000000000000.jpg"
    assert not store.exists(missing)
    with pytest.raises(FileNotFoundError):
        store.get(missing)


@pytest.mark.parametrize(
    "key", ["../etc/passwd", "/etc/passwd", "pod/../../x.jpg", "pod/a.exe", "POD/a.jpg", ""]
)
def test_keys_outside_the_pattern_are_not_found(store: BlobStore, key: str) -> None:
    with pytest.raises(FileNotFoundError):
        store.get(key)
    assert not store.exists(key)
    assert store.content_type(key) is None


def test_a_prefix_that_makes_a_malformed_key_is_refused(store: BlobStore) -> None:
    with pytest.raises(ValueError, match="no valid key"):
        store.put(JPEG, prefix="../outside", extension="jpg")
    with pytest.raises(ValueError, match="no valid key"):
        store.put(JPEG, prefix="pod/org-1", extension="exe")
