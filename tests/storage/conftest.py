"""A real S3 server on the loopback (moto's server mode) for the object-storage tests, and
settings that put every stored file there (FILE_STORAGE=s3) with the local file directories
pointing at empty folders, so a test passes only if nothing is read from or written to disk."""

import uuid

import pytest

from tests.loopback import free_port


def needs_s3_server():
    """Skip cleanly where the S3 extra or moto's server (requirements-dev.txt) is not installed."""
    pytest.importorskip("storages", reason="the S3 extra (requirements-s3.txt) is not installed")
    pytest.importorskip("boto3", reason="the S3 extra (requirements-s3.txt) is not installed")
    return pytest.importorskip("moto.server", reason="moto[server] (requirements-dev.txt) is not installed")


REGION = "eu-west-1"
# The server takes any key; these only have to look like keys.
ACCESS_KEY, SECRET_KEY = "cop-test-access", "cop-test-secret"


@pytest.fixture(scope="session")
def s3_endpoint():
    """One moto S3 server for the session (each test gets its own bucket)."""
    moto_server = needs_s3_server()
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_client(s3_endpoint):
    """A plain S3 client on the same server, to look at objects the way an operator would."""
    boto3 = pytest.importorskip("boto3")  # optional (requirements-s3.txt)
    return boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


@pytest.fixture
def bucket(s3_client):
    name = f"cop-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


def s3_storages(bucket: str) -> dict:
    """STORAGES as settings.py builds them for FILE_STORAGE=s3 (same prefixes and options)."""
    backend = "storages.backends.s3.S3Storage"
    private = {"default_acl": None, "object_parameters": {"ContentDisposition": "attachment"}}
    return {
        "resources": {"BACKEND": backend, "OPTIONS": {"location": "resources", **private}},
        "post_attachments": {"BACKEND": backend, "OPTIONS": {"location": "post-attachments", **private}},
        "data_exports": {"BACKEND": backend, "OPTIONS": {"location": "data-exports", **private}},
        "default": {
            "BACKEND": "cop_platform.object_storage.AvatarStorage",
            "OPTIONS": {"location": "media", "default_acl": None},
        },
    }


@pytest.fixture
def on_s3(settings, tmp_path, s3_endpoint, bucket):
    """Every stored file in `bucket`; the local file directories exist but stay empty."""
    settings.FILE_STORAGE = "s3"
    settings.RESOURCE_FILE_DELIVERY = "storage-url"
    settings.AWS_STORAGE_BUCKET_NAME = bucket
    settings.AWS_S3_ENDPOINT_URL = s3_endpoint
    settings.AWS_S3_REGION_NAME = REGION
    settings.AWS_S3_ADDRESSING_STYLE = "path"
    settings.AWS_ACCESS_KEY_ID, settings.AWS_SECRET_ACCESS_KEY = ACCESS_KEY, SECRET_KEY
    disk = tmp_path / "disk"
    for folder in ("media", "library", "exports", "attachments"):
        (disk / folder).mkdir(parents=True)
    settings.MEDIA_ROOT = disk / "media"
    settings.RESOURCE_FILES_ROOT = disk / "library"
    settings.DATA_EXPORT_ROOT = disk / "exports"
    settings.POST_ATTACHMENT_ROOT = disk / "attachments"
    settings.STORAGES = {**settings.STORAGES, **s3_storages(bucket)}
    yield disk
    assert [path for path in disk.rglob("*") if path.is_file()] == [], "a file was written to the local disk"
