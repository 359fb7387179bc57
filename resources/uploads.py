"""Checking library uploads: the shared checks (cop_platform.upload_checks) with the library's
size cap, RESOURCE_MAX_UPLOAD_BYTES."""

from django.conf import settings

from cop_platform.upload_checks import (  # noqa: F401 - the library's forms and services use these names
    ACCEPTED_DESCRIPTION,
    ACCEPTED_EXTENSIONS,
    IMAGE_FORMATS,
    CheckedUpload,
    display_name_of,
    stored_image_without_metadata,
)
from cop_platform.upload_checks import check_upload as _check_upload


def check_upload(upload) -> CheckedUpload:
    """Return what the file is, or raise ValidationError saying why it is refused."""
    return _check_upload(upload, max_bytes=settings.RESOURCE_MAX_UPLOAD_BYTES)
