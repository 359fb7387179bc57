"""Asking for a data export, and finding one to download: what the Settings page and /admin/
call. The archive itself is built later by a task (lifecycle.py)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cop_platform.tasks import enqueue_on_commit

from .. import tasks
from ..models import DataExport, DataExportState, User


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "j F Y, H:i")


def _last_counted_request(user: User) -> DataExport | None:
    """The member's own latest request within DATA_EXPORT_MIN_HOURS_BETWEEN hours that did not
    fail: until that many hours after it, they may not ask again."""
    since = timezone.now() - _min_interval()
    recent = DataExport.objects.filter(user=user, requested_by=user, created_at__gte=since)
    return recent.exclude(state=DataExportState.FAILED).first()


def _min_interval() -> timedelta:
    return timedelta(hours=settings.DATA_EXPORT_MIN_HOURS_BETWEEN)


def data_export_request(*, actor, user: User) -> DataExport:
    """Ask for a copy of `user`'s data: the member themself, or staff for them (a subject
    access request, recorded as asked by that staff member, who alone may download it). One
    request at a time per asker; a member may ask again DATA_EXPORT_MIN_HOURS_BETWEEN hours
    after their last request that did not fail. Raises ValidationError saying when."""
    if actor is None or not actor.is_authenticated or (actor.pk != user.pk and not actor.is_staff):
        raise PermissionDenied("You can only ask for a copy of your own data.")
    mine = DataExport.objects.filter(user=user, requested_by=actor)
    if mine.filter(state__in=DataExport.OPEN_STATES).exists():
        raise ValidationError(_("A copy is already being prepared. We will email you when it is ready."))
    if actor.pk == user.pk and (last := _last_counted_request(user)) is not None:
        raise ValidationError(
            _("You asked for a copy on %(asked)s. You can ask for a new one after %(next)s.")
            % {"asked": _when(last.created_at), "next": _when(last.created_at + _min_interval())}
        )
    try:
        with transaction.atomic():
            export = DataExport.objects.create(user=user, requested_by=actor)
            # In the same transaction: the task's outbox record commits with the request.
            enqueue_on_commit(tasks.build_data_export, export_id=export.pk)
    except IntegrityError:
        # Two requests at once (a double click): the constraint let one through.
        raise ValidationError(_("A copy is already being prepared. We will email you when it is ready.")) from None
    return export


@dataclass(frozen=True)
class ExportStatus:
    """What the Settings page says about the member's latest export."""

    export: DataExport | None
    next_request_at: datetime | None = None

    @property
    def phase(self) -> str:
        """none, queued, building, ready, expired or failed. A ready export past its date
        reads expired even before the beat task has deleted its archive."""
        if self.export is None:
            return "none"
        if self.export.state == DataExportState.READY and self.export.expires_at <= timezone.now():
            return DataExportState.EXPIRED
        return self.export.state

    @property
    def is_open(self) -> bool:
        return self.phase in DataExport.OPEN_STATES


def data_export_status(user: User) -> ExportStatus:
    latest = DataExport.objects.filter(user=user, requested_by=user).first()
    last = _last_counted_request(user) if latest else None
    return ExportStatus(latest, next_request_at=last.created_at + _min_interval() if last else None)


def data_export_for_download(*, actor, token: str) -> DataExport:
    """The export behind a download link, for whoever asked for it and nobody else: anyone
    else (another member, a visitor, staff who did not ask) gets DataExport.DoesNotExist, as
    for an address that never existed. Raises ExportGone for its owner once it has expired."""
    if actor is None or not actor.is_authenticated:
        raise DataExport.DoesNotExist
    export = DataExport.objects.filter(token=token, requested_by=actor).select_related("user").first()
    if export is None or export.state in (*DataExport.OPEN_STATES, DataExportState.FAILED):
        raise DataExport.DoesNotExist
    if export.state == DataExportState.EXPIRED or export.expires_at <= timezone.now() or not export.file_name:
        raise ExportGone(export)
    return export


class ExportGone(Exception):
    def __init__(self, export: DataExport):
        super().__init__(f"Data export {export.pk} has expired")
        self.export = export


def data_export_record_download(export: DataExport) -> None:
    DataExport.objects.filter(pk=export.pk).update(downloaded_at=timezone.now())
