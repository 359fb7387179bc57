"""`manage.py check --deploy` says what is wrong with a file storage set-up before the first
upload fails: object storage without a bucket, nginx asked to send files it cannot see, and
signed links asked of a disk that has none."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from cop_platform.checks import file_storage

from .conftest import s3_storages


def ids() -> list[str]:
    return [warning.id for warning in file_storage(None)]


@pytest.fixture
def s3(settings):
    settings.FILE_STORAGE = "s3"
    settings.AWS_STORAGE_BUCKET_NAME = "cop-files"
    settings.RESOURCE_FILE_DELIVERY = "storage-url"
    settings.STORAGES = {**settings.STORAGES, **s3_storages("cop-files")}
    return settings


def test_local_disk_with_streamed_or_nginx_delivery_is_fine(settings):
    for delivery in ("django", "x-accel"):
        settings.RESOURCE_FILE_DELIVERY = delivery
        assert ids() == []


def test_object_storage_with_a_bucket_and_signed_links_is_fine(s3):
    pytest.importorskip("storages", reason="the S3 extra (requirements-s3.txt) is not installed")
    assert ids() == []


def test_object_storage_without_a_bucket_is_reported(s3):
    s3.AWS_STORAGE_BUCKET_NAME = ""
    assert "cop.W021" in ids()


def test_pages_still_load_without_a_bucket_while_the_warning_says_why(s3, client, db):
    s3.AWS_STORAGE_BUCKET_NAME = ""
    response = client.get("/")
    assert response.status_code in (200, 302)
    assert "img-src 'self' data:;" in response["Content-Security-Policy"]


def test_nginx_delivery_of_files_on_object_storage_is_reported(s3):
    s3.RESOURCE_FILE_DELIVERY = "x-accel"
    [warning] = [warning for warning in file_storage(None) if warning.id == "cop.W023"]
    assert "nginx has no file to send" in warning.msg and "storage-url" in warning.hint


def test_signed_links_from_the_local_disk_are_reported(settings):
    settings.RESOURCE_FILE_DELIVERY = "storage-url"
    assert ids() == ["cop.W024"]


def test_an_unknown_storage_name_is_reported(settings):
    settings.FILE_STORAGE = "S3 "
    assert ids() == ["cop.W020"]


def test_the_warnings_stop_a_deploy_check_that_fails_on_warnings(s3):
    s3.AWS_STORAGE_BUCKET_NAME = ""
    with pytest.raises(SystemCheckError, match="cop.W021"):
        call_command("check", deploy=True, fail_level="WARNING")
