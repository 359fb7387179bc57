"""/settings/export/: ask for a copy of your data, see how it is going, and download it."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cop_platform.file_delivery import StoredFile, attachment_response

from .data_export.archive import export_storage
from .data_export.requests import (
    ExportGone,
    data_export_for_download,
    data_export_record_download,
    data_export_request,
    data_export_status,
)
from .models import DataExport

logger = logging.getLogger(__name__)
READ = ("GET", "HEAD")


@login_required
def data_export_page(request):
    """GET shows the member's latest export; POST asks for a new one (refused, with the
    reason shown on the page, while one is on its way or too soon after the last)."""
    error = None
    if request.method == "POST":
        try:
            data_export_request(actor=request.user, user=request.user)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(request, _("We are preparing a copy of your data. We will email you when it is ready."))
            return redirect("members:data_export")
    return render(
        request,
        "members/data_export.html",
        {"status": data_export_status(request.user), "error": error, "valid_days": settings.DATA_EXPORT_VALID_DAYS},
    )


def data_export_download(request, token):
    """The archive, to whoever asked for it and nobody else (404 for anyone else, signed in or
    not); 410 with a way to ask again once it has expired."""
    if request.method not in READ:
        return HttpResponseNotAllowed(READ)
    try:
        export = data_export_for_download(actor=request.user, token=token)
    except DataExport.DoesNotExist:
        raise Http404 from None
    except ExportGone as gone:
        return render(request, "members/data_export_gone.html", {"export": gone.export}, status=410)
    day = timezone.localdate(export.ready_at)
    filename = f"{slugify(settings.SITE_NAME) or 'data'}-{export.user.username}-{day:%Y-%m-%d}.zip"
    try:
        response = attachment_response(
            file=StoredFile(export_storage(), export.file_name),
            filename=filename,
            content_type="application/zip",
            x_accel_prefix=settings.DATA_EXPORT_X_ACCEL_PREFIX,
        )
    except OSError:
        logger.warning("Data export archive missing from storage: %s (export %s)", export.file_name, export.pk)
        raise Http404("This file is missing.") from None
    if request.method == "GET":
        data_export_record_download(export)
    return response
