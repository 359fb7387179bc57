"""Downloads: the current version of a file or a numbered one, after the visibility check."""

import logging

from django.conf import settings
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404

from cop_platform.file_delivery import DOWNLOAD_HEADERS, attachment_response  # noqa: F401 - the headers nginx must repeat

from .. import services
from ._shared import READ, _file_resource

logger = logging.getLogger(__name__)


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
    return response


def _deliver(version):
    try:
        return attachment_response(
            file=version.file,
            filename=version.original_name,
            content_type=version.content_type,
            x_accel_prefix=settings.RESOURCE_X_ACCEL_PREFIX,
        )
    except OSError:
        logger.warning(
            "Library file missing from storage: %s (resource %s, version %s)",
            version.file.name,
            version.resource_id,
            version.number,
        )
        raise Http404("This file is missing.") from None
