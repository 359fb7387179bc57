"""Every write to endpoints: only a community's coordinators (and staff) for its endpoints,
only staff for site-wide ones. Views and tests call these, never `.save()`."""

import uuid
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cop_platform.tasks import enqueue_on_commit
from members.models import Notification

from . import tasks
from .audit import audit
from .models import PING, Delivery, Endpoint, EventType, new_secret
from .notices import KIND
from .payloads import community_summary
from .permissions import can_manage_endpoints
from .validation import validate_endpoint_url


def _require(actor, community) -> None:
    if not can_manage_endpoints(actor, community):
        if community is None:
            raise PermissionDenied(_("Only staff can manage site-wide webhooks."))
        raise PermissionDenied(_("Only this community's coordinators can manage its webhooks."))


def _clean(url: str, events) -> tuple[str, list[str]]:
    url = (url or "").strip()
    validate_endpoint_url(url)
    known = set(EventType.values)
    chosen = [event for event in EventType.values if event in set(events)]
    if not chosen or set(events) - known:
        raise ValidationError({"events": _("Choose at least one event to send.")})
    return url, chosen


def endpoint_create(*, actor, community, url: str, events, description: str = "") -> Endpoint:
    """Register an endpoint for `community` (None: site-wide). Its secret is generated here."""
    _require(actor, community)
    try:
        url, events = _clean(url, events)
    except ValidationError as error:
        raise error if hasattr(error, "error_dict") else ValidationError({"url": error.messages}) from error
    with transaction.atomic():
        endpoint = Endpoint.objects.create(
            community=community, url=url, events=events, description=description.strip()[:200], created_by=actor
        )
        audit(endpoint=endpoint, actor=actor, action="webhook_added")
    return endpoint


def endpoint_update(*, actor, endpoint: Endpoint, url: str, events, description: str = "") -> Endpoint:
    _require(actor, endpoint.community)
    try:
        url, events = _clean(url, events)
    except ValidationError as error:
        raise error if hasattr(error, "error_dict") else ValidationError({"url": error.messages}) from error
    endpoint.url, endpoint.events, endpoint.description = url, events, description.strip()[:200]
    with transaction.atomic():
        endpoint.save(update_fields=["url", "events", "description", "updated_at"])
        audit(endpoint=endpoint, actor=actor, action="webhook_changed")
    return endpoint


def endpoint_delete(*, actor, endpoint: Endpoint) -> None:
    _require(actor, endpoint.community)
    with transaction.atomic():
        audit(endpoint=endpoint, actor=actor, action="webhook_deleted")
        endpoint.delete()


def endpoint_rotate_secret(*, actor, endpoint: Endpoint) -> Endpoint:
    """A new secret at once; the old one stops working with the next delivery."""
    _require(actor, endpoint.community)
    endpoint.secret = new_secret()
    with transaction.atomic():
        endpoint.save(update_fields=["secret", "updated_at"])
        audit(endpoint=endpoint, actor=actor, action="webhook_secret_rotated")
    return endpoint


def endpoint_enable(*, actor, endpoint: Endpoint) -> Endpoint:
    """Turn a disabled endpoint back on with a clean failure count. Whoever re-enables it
    becomes its creator: an endpoint sends with the eyes of someone who may manage it now."""
    _require(actor, endpoint.community)
    with transaction.atomic():
        endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        endpoint.active = True
        endpoint.consecutive_failures = 0
        endpoint.disabled_at = None
        endpoint.disabled_reason = ""
        endpoint.created_by = actor
        endpoint.save()
        audit(endpoint=endpoint, actor=actor, action="webhook_enabled")
        # The next disabling is news again.
        Notification.objects.filter(
            kind=KIND, target_id=endpoint.pk, target_type=ContentType.objects.get_for_model(Endpoint)
        ).delete()
    return endpoint


def endpoint_ping(*, actor, endpoint: Endpoint) -> Delivery:
    """Send a signed test event now (whatever the endpoint subscribed to)."""
    _require(actor, endpoint.community)
    if not endpoint.active:
        raise ValidationError(_("This endpoint is disabled: enable it before sending a test ping."))
    event_id = uuid.uuid4()
    payload = {
        "id": str(event_id),
        "type": PING,
        "occurred_at": timezone.now().isoformat(),
        "community": community_summary(endpoint.community) if endpoint.community else None,
        "data": {"message": "Test ping from CoP Platform"},
    }
    with transaction.atomic():
        delivery = Delivery.objects.create(endpoint=endpoint, event_type=PING, event_id=event_id, payload=payload)
        enqueue_on_commit(tasks.deliver, delivery_id=delivery.pk)
    return delivery


def deliveries_prune(*, older_than_days: int) -> int:
    """Forget delivery records older than the retention period (the endpoint page shows the
    recent ones; a busy community records one row per event and endpoint)."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    return Delivery.objects.filter(created_at__lt=cutoff).exclude(status="pending").delete()[0]
