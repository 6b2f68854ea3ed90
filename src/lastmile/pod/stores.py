"""Which blob store the settings choose: files under `<data_dir>/blobs`, or an S3 bucket.

Apart from blobs.py (the interface and the file store) and s3.py (the bucket), both of which
it imports, so that neither of them has to know the other.
"""

from lastmile.config import Settings
from lastmile.pod.blobs import BlobStore, FileBlobStore


def open_blob_store(settings: Settings) -> BlobStore:
    """The configured blob store: the filesystem under `<data_dir>/blobs`, or an S3 bucket
    (`LASTMILE_BLOB_STORE=s3`)."""
    if settings.blob_store == "s3":
        from lastmile.pod.s3 import shared_s3_store  # boto3 loads only when S3 is used

        return shared_s3_store(settings)
    return FileBlobStore(settings.data_dir / "blobs")
