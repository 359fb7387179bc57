"""Downloads: the current version of a file or a numbered one, after the visibility check."""

import logging
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import content_disposition_header

from .. import services
from ._shared import READ, _file_resource

logger = logging.getLogger(__name__)

DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Should a browser render the file anyway, it runs nothing and loads nothing.
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Cache-Control": "private",
}


def download(request, community_slug, resource_id, version_number=None):
    """The current version of a file (or a numbered one), after the visibility check, as an
    attachment that browsers will not sniff or run. Delivered by Python, by nginx
    (X-Accel-Redirect) or by the storage's own URL, as RESOURCE_FILE_DELIVERY says."""
    resource, _membership = _file_resource(request, community_slug, resource_id)
    if request.method not in READ:
        return HttpResponseNotAllowed(READ)
    if version_number is None:
        version = resource.current_version
        if version is None:
            raise Http404("This resource has no file.")
    else:
        version = get_object_or_404(resource.versions, number=version_number)
    response = _deliver(version)
    if request.method == "GET":
        services.resource_record_download(resource=resource, version=version)
    for header, value in DOWNLOAD_HEADERS.items():
        response[header] = value
    return response


def _deliver(version):
    delivery = settings.RESOURCE_FILE_DELIVERY
    if delivery == "x-accel":
        response = HttpResponse(content_type=version.content_type)
        response["X-Accel-Redirect"] = quote(f"{settings.RESOURCE_X_ACCEL_PREFIX}{version.file.name}")
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=version.original_name)
        return response
    if delivery == "storage-url":
        return redirect(version.file.url)
    try:
        handle = version.file.open("rb")
    except OSError:
        logger.warning(
            "Library file missing from storage: %s (resource %s, version %s)",
            version.file.name,
            version.resource_id,
            version.number,
        )
        raise Http404("This file is missing.") from None
    return FileResponse(handle, as_attachment=True, filename=version.original_name, content_type=version.content_type)
