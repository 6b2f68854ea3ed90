"""The filesystem blob store keeps bytes under random keys and refuses any other path."""

from pathlib import Path

import pytest

from lastmile.pod.blobs import FileBlobStore


def test_a_stored_blob_reads_back_under_its_key(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    key = store.put(b"\xff\xd8\xffdata", prefix="pod/org-1", extension="jpg")
    assert key.startswith("pod/org-1/")
    assert key.endswith(".jpg")
    assert store.get(key) == b"\xff\xd8\xffdata"
    assert key != store.put(b"\xff\xd8\xffdata", prefix="pod/org-1", extension="jpg")


@pytest.mark.parametrize(
    "key", ["../etc/passwd", "/etc/passwd", "pod/../../x.jpg", "pod/a.exe", "POD/a.jpg", ""]
)
def test_keys_outside_the_pattern_are_not_found(tmp_path: Path, key: str) -> None:
    (tmp_path / "pod").mkdir()
    with pytest.raises(FileNotFoundError):
        FileBlobStore(tmp_path / "pod").get(key)
