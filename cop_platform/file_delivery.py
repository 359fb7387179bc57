"""Handing a private stored file to the browser, once a view has checked who may have it.

Library downloads and data-export archives both live in private storages outside MEDIA_ROOT.
After its own permission check, a view calls `attachment_response`, which delivers the file
the way the deployment chose (RESOURCE_FILE_DELIVERY): streamed by Python ("django"), sent by
nginx from an `internal` location (X-Accel-Redirect, "x-accel"), or by the storage's own
signed, short-lived URL ("storage-url", e.g. S3). Every answer is an attachment that browsers
will not sniff, run or keep in a shared cache.

A signed S3 URL cannot carry our headers, so it carries what the service can set in its stead
(the response-content-disposition and -type parameters, signed with the URL, so they cannot be
edited off): the browser gets the same attachment and the same type as from our own responses,
from another origin than the site's, so a file that ran anyway would reach none of our cookies.
"""

import inspect
from functools import lru_cache
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.files.storage import storages
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
        response = redirect(signed_url(file, filename=filename, content_type=content_type, inline=inline))
    else:
        response = FileResponse(file.open("rb"), as_attachment=not inline, filename=filename, content_type=content_type)
    for header, value in DOWNLOAD_HEADERS.items():
        response[header] = value
    return response


def signed_url(file, *, filename: str, content_type: str, inline: bool = False) -> str:
    """The storage's own URL for `file`, and for a storage that signs response headers into its
    URLs (S3 through django-storages) one that makes the service answer as our own responses
    do: attachment (inline only for images we re-encoded), this name, this type, not kept by
    shared caches. It expires after AWS_QUERYSTRING_EXPIRE seconds."""
    storage = file.storage
    if "parameters" not in inspect.signature(storage.url).parameters:
        return storage.url(file.name)  # FileSystemStorage & co: nothing to sign (check cop.W024)
    parameters = {
        "ResponseContentDisposition": content_disposition_header(as_attachment=not inline, filename=filename),
        "ResponseContentType": content_type,
        "ResponseCacheControl": DOWNLOAD_HEADERS["Cache-Control"],
    }
    return storage.url(file.name, parameters=parameters)


def stored_file_origins() -> str:
    """The origin the browser loads stored files from when they are on object storage (avatars,
    and images in posts, which the attachment view redirects there), for the page's img-src;
    "" when files are served by the site itself."""
    if settings.FILE_STORAGE != "s3" or not settings.AWS_STORAGE_BUCKET_NAME:
        return ""  # without a bucket nothing is stored there (check cop.W021); pages still load
    return _origin_of(
        settings.AWS_S3_ENDPOINT_URL,
        settings.AWS_STORAGE_BUCKET_NAME,
        settings.AWS_S3_REGION_NAME,
        settings.AWS_S3_ADDRESSING_STYLE,
    )


@lru_cache(maxsize=4)
def _origin_of(*configuration) -> str:
    # Asked of the storage itself (one signing, once per configuration): whether the bucket is
    # a host name or a path depends on the service, the region and the addressing style.
    parts = urlsplit(storages["default"].url("avatars/origin"))
    return f"{parts.scheme}://{parts.netloc}"


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
