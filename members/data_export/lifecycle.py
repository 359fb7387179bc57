"""An export's life after it was asked for: built by a worker, announced by email, downloaded
until it expires, then its archive deleted. Every step here is run by a task in
members/tasks.py and is safe to run twice or late (a retried task, a second beat tick, a
worker that died half way).
"""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from cop_platform.email import absolute_url

from ..mailing import claim_delivery, finish_delivery, render_member_email, send_claimed_delivery
from ..models import DataExport, DataExportState, DeliveryState, EmailDelivery, EmailKind
from .archive import archive_build, export_storage

logger = logging.getLogger(__name__)

EMAIL_TEMPLATE = "members/email/data_export_ready"
# A queued export whose task has not started by then lost it (a broker restart): queue again.
LOST_AFTER = timedelta(minutes=15)
# A build running longer than this belongs to a worker that died: another may take it over.
BUILD_TIMEOUT = timedelta(hours=2)
# Errors worth retrying (a database restart, a full or unmounted disk); anything else is a bug
# that would fail again, so the export is marked failed and the member may ask again.
RETRYABLE = (OSError, OperationalError)


def _delivery_key(export: DataExport) -> str:
    return f"data-export:{export.pk}"


def _claim_for_build(export_id: int):
    """Mark the export building and return (export, the start stamp that makes it ours), or
    None when it is not ours to build (finished, or another worker is on it)."""
    now = timezone.now()
    with transaction.atomic():
        export = DataExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.state not in DataExport.OPEN_STATES:
            return None
        if export.state == DataExportState.BUILDING and export.started_at > now - BUILD_TIMEOUT:
            return None
        export.state, export.started_at, export.attempts = DataExportState.BUILDING, now, export.attempts + 1
        export.save(update_fields=["state", "started_at", "attempts"])
    return DataExport.objects.select_related("user", "requested_by").get(pk=export_id), now


def data_export_build(*, export_id: int, last_try: bool = False) -> int | None:
    """Build the archive of a queued export and mark it ready until DATA_EXPORT_VALID_DAYS from
    now, recording in the same transaction the email that says so. Returns that email's
    delivery id (for the task to queue), or None when there was nothing to do. A retryable
    failure puts the export back in the queue and raises (the task retries); any other, or the
    last try, marks it failed with the reason."""
    claimed = _claim_for_build(export_id)
    if claimed is None:
        return None
    export, started_at = claimed
    try:
        name, size = archive_build(export.user, requested_by=export.requested_by)
    except Exception as error:
        retry = isinstance(error, RETRYABLE) and not last_try
        state = DataExportState.QUEUED if retry else DataExportState.FAILED
        DataExport.objects.filter(pk=export.pk, started_at=started_at).update(
            state=state, error=f"{type(error).__name__}: {error}"[:300]
        )
        if retry:
            raise
        logger.exception("Data export %s failed", export.pk)
        return None
    try:
        return _mark_ready(export, started_at=started_at, name=name, size=size)
    except Exception:
        # Not recorded (the database went away): an archive no row names would never be
        # deleted. The export stays "building" until BUILD_TIMEOUT, then is built again.
        export_storage().delete(name)
        raise


def _mark_ready(export: DataExport, *, started_at, name: str, size: int) -> int | None:
    now = timezone.now()
    with transaction.atomic():
        finished = DataExport.objects.filter(pk=export.pk, state=DataExportState.BUILDING, started_at=started_at)
        finished = finished.update(
            state=DataExportState.READY,
            file_name=name,
            size=size,
            ready_at=now,
            expires_at=now + timedelta(days=settings.DATA_EXPORT_VALID_DAYS),
            error="",
        )
        if not finished:
            # Another worker took over meanwhile (this one was too slow): keep only its archive.
            transaction.on_commit(partial(export_storage().delete, name))
            return None
        if export.requested_by_id is None:
            return None
        delivery, _ = EmailDelivery.objects.get_or_create(
            recipient_id=export.requested_by_id, key=_delivery_key(export), defaults={"kind": EmailKind.DATA_EXPORT}
        )
    return delivery.pk


def _ready_email_context(export: DataExport) -> dict:
    if export.is_subject_access_request:
        where = absolute_url(reverse("admin:members_dataexport_changelist"))
    else:
        where = absolute_url(reverse("members:data_export"))
    return {"export": export, "download_page_url": where}


def data_export_email_send(*, delivery_id: int, last_try: bool = False) -> str | None:
    """Send the "your export is ready" email recorded by data_export_build, at most once
    (the delivery-record pattern of members/mailing.py). Skipped when the export expired or
    went away before it could be sent."""
    delivery = claim_delivery(delivery_id)
    if delivery is None:
        return None
    export_id = delivery.key.removeprefix("data-export:")
    export = DataExport.objects.filter(pk=int(export_id) if export_id.isdigit() else None).first()
    if export is None or export.state != DataExportState.READY:
        finish_delivery(delivery, state=DeliveryState.SKIPPED, summary="The export is no longer there")
        return DeliveryState.SKIPPED
    # Scope "all": the footer's link stops all member email. This one answers the member's
    # own request, so it goes whatever their preferences say.
    message = render_member_email(
        user=delivery.recipient, template=EMAIL_TEMPLATE, context=_ready_email_context(export), scope="all"
    )
    return send_claimed_delivery(delivery, message, summary="Data export ready", last_try=last_try)


def data_exports_expire(*, now=None) -> int:
    """Delete the archives of exports past their date and mark them expired. The file goes
    first: should marking fail, the next run deletes nothing more and marks it. Returns how
    many expired."""
    now = now or timezone.now()
    expired = 0
    due = DataExport.objects.filter(state=DataExportState.READY, expires_at__lte=now).only("pk", "file_name")
    for export in list(due[:1000]):
        if export.file_name:
            export_storage().delete(export.file_name)
        expired += DataExport.objects.filter(pk=export.pk, state=DataExportState.READY).update(
            state=DataExportState.EXPIRED, file_name=""
        )
    return expired


def lost_export_ids(*, now=None) -> list[int]:
    """Exports whose build task was lost (queued long ago) or whose worker died (building for
    longer than BUILD_TIMEOUT): queue them again; only one claim will succeed."""
    now = now or timezone.now()
    lost = DataExport.objects.filter(
        Q(state=DataExportState.QUEUED, created_at__lt=now - LOST_AFTER)
        | Q(state=DataExportState.BUILDING, started_at__lt=now - BUILD_TIMEOUT)
    )
    return list(lost.values_list("pk", flat=True)[:1000])


def lost_email_ids(*, now=None) -> list[int]:
    """ "Ready" emails still unsent long after they were recorded (their task was lost, or
    their worker died mid-send)."""
    now = now or timezone.now()
    claim_timeout = timedelta(seconds=settings.EMAIL_CLAIM_TIMEOUT)
    lost = EmailDelivery.objects.filter(kind=EmailKind.DATA_EXPORT).filter(
        Q(state=DeliveryState.PENDING, created_at__lt=now - LOST_AFTER)
        | Q(state=DeliveryState.SENDING, claimed_at__lt=now - claim_timeout)
    )
    return list(lost.values_list("pk", flat=True)[:1000])


def archive_delete_with_row(sender, instance: DataExport, **kwargs) -> None:
    """post_delete receiver: an export row that goes (its member deleted their account) takes
    its archive with it, once the deletion has committed."""
    if instance.file_name:
        transaction.on_commit(partial(export_storage().delete, instance.file_name))
