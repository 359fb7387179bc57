"""Handing a private stored file to the browser, once a view has checked who may have it.

Library downloads and data-export archives both live in private storages outside MEDIA_ROOT.
After its own permission check, a view calls `attachment_response`, which delivers the file
the way the deployment chose (RESOURCE_FILE_DELIVERY): streamed by Python ("django"), sent by
nginx from an `internal` location (X-Accel-Redirect, "x-accel"), or by the storage's own
signed, short-lived URL ("storage-url", e.g. S3). Every answer is an attachment that browsers
will not sniff, run or keep in a shared cache.
"""

from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header

DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Should a browser render the file anyway, it runs nothing and loads nothing.
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Cache-Control": "private",
}


def attachment_response(
    *, file, filename: str, content_type: str, x_accel_prefix: str, inline: bool = False
) -> HttpResponse:
    """`file` (a FieldFile, or anything with .name, .open() and .url) as a download named
    `filename`. `x_accel_prefix` is the nginx location aliased to the file's storage root.
    `inline` (only for raster images this site re-encoded itself) lets an `<img>` show it;
    the sandbox and nosniff headers stay.
    Raises OSError when Python is to stream a file the storage no longer has: the caller
    says what was missing and answers 404."""
    delivery = settings.RESOURCE_FILE_DELIVERY
    if delivery == "x-accel":
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = quote(f"{x_accel_prefix}{file.name}")
        response["Content-Disposition"] = content_disposition_header(as_attachment=not inline, filename=filename)
    elif delivery == "storage-url":
        response = redirect(file.url)
    else:
        response = FileResponse(file.open("rb"), as_attachment=not inline, filename=filename, content_type=content_type)
    for header, value in DOWNLOAD_HEADERS.items():
        response[header] = value
    return response


class StoredFile:
    """A file in a storage by name, shaped like a FieldFile for `attachment_response`, for
    rows that keep only the stored name."""

    def __init__(self, storage, name: str):
        self.storage, self.name = storage, name

    def open(self, mode: str = "rb"):
        return self.storage.open(self.name, mode)

    @property
    def url(self) -> str:
        return self.storage.url(self.name)
