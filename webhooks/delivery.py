"""Sending events to endpoints: fan-out, one attempt at a time, retries and disabling.

- `announce` is called inside the transaction that made something happen (a post, a join):
  one query, and only if some endpoint could want it, one outbox row for `dispatch_event`,
  published on commit. Nothing goes out for a write that rolled back.
- `event_dispatch` (a task) builds the payload once and records one Delivery per endpoint
  that subscribed, unique per (endpoint, event id): running it twice records nothing twice.
- `delivery_attempt` (a task) sends one delivery once, holding its row lock so that two
  copies of the task never both send; a final delivery is never sent again.
"""

import json
import logging
from datetime import timedelta

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from cop_platform.tasks import enqueue_on_commit

from . import payloads, tasks, transport
from .audit import audit
from .models import PING, Delivery, DeliveryStatus, Endpoint
from .permissions import creator_may_receive
from .signing import signature_header
from .validation import validate_endpoint_url

logger = logging.getLogger(__name__)

EXCERPT_CHARS = 500
USER_AGENT = "CoP-Platform-Webhooks/1"


def retry_delays() -> list[int]:
    return [int(delay) for delay in settings.WEBHOOKS_RETRY_DELAYS]


# --- Fan-out -------------------------------------------------------------------------------


def _endpoints_for(community_id: int, event_type: str):
    candidates = Endpoint.objects.filter(Q(community_id=community_id) | Q(community=None), active=True)
    # Endpoints are few; JSON containment is not portable to SQLite, so filter here.
    return [
        endpoint for endpoint in candidates.select_related("created_by", "community") if event_type in endpoint.events
    ]


def announce(*, event_type: str, obj, community_id: int, occurrence: str = "") -> None:
    """Queue `event_type` about `obj` for after the commit, if any endpoint might want it."""
    object_model = obj._meta.label_lower
    if not _endpoints_for(community_id, event_type):
        return
    enqueue_on_commit(
        tasks.dispatch_event,
        event_type=event_type,
        object_model=object_model,
        object_id=obj.pk,
        event_id=str(payloads.event_id(event_type, object_model, obj.pk, occurrence)),
        occurred_at=timezone.now().isoformat(),
    )


def event_dispatch(*, event_type: str, object_model: str, object_id: int, event_id: str, occurred_at: str) -> int:
    """Record a delivery of the event for each endpoint that subscribed to it and whose
    creator may read the object; queue each new one. Returns how many were recorded."""
    obj = payloads.load(object_model, object_id)
    if obj is None:
        return 0  # gone before we got to it (deleted right after): nothing to tell
    community = payloads.community_of(object_model, obj)
    payload = payloads.build(
        event_type=event_type, event_uuid=event_id, occurred_at=occurred_at, object_model=object_model, obj=obj
    )
    recorded = 0
    for endpoint in _endpoints_for(community.pk, event_type):
        allowed, why = creator_may_receive(endpoint)
        if not allowed:
            endpoint_disable(endpoint=endpoint, reason=why)
            continue
        if not payloads.visible_to(endpoint.created_by, object_model, object_id):
            continue
        with transaction.atomic():
            delivery, created = Delivery.objects.get_or_create(
                endpoint=endpoint,
                event_id=event_id,
                defaults={
                    "event_type": event_type,
                    "object_model": object_model,
                    "object_id": object_id,
                    "payload": payload,
                },
            )
            if created:
                recorded += 1
                enqueue_on_commit(tasks.deliver, delivery_id=delivery.pk)
    return recorded


# --- One attempt ---------------------------------------------------------------------------


def _post(endpoint: Endpoint, delivery: Delivery) -> tuple[int, str]:
    """POST the delivery; (status code, the start of the answer). Only the first few hundred
    bytes of the answer are read: a receiver cannot make us download a large body."""
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-CoP-Event": delivery.event_type,
        "X-CoP-Delivery": str(delivery.pk),
        "X-CoP-Signature": signature_header(endpoint.secret, body),
    }
    with (
        transport.session() as http,
        http.post(
            endpoint.url,
            data=body,
            headers=headers,
            timeout=settings.WEBHOOKS_TIMEOUT,
            allow_redirects=False,
            stream=True,
        ) as response,
    ):
        start = response.raw.read(EXCERPT_CHARS, decode_content=True) or b""
        return response.status_code, start.decode(response.encoding or "utf-8", errors="replace")


def _finish(delivery: Delivery, status: str, **fields) -> None:
    delivery.status = status
    for name, value in fields.items():
        setattr(delivery, name, value)
    delivery.save()


def delivery_attempt(*, delivery_id: int) -> int | None:
    """Send one pending delivery once. Returns the seconds to wait before the next attempt,
    or None when the delivery is final (delivered, refused, given up, or not allowed).

    2xx is success; a network error, a timeout, 5xx and 429 are retried with the delays of
    WEBHOOKS_RETRY_DELAYS; any other answer (4xx, a redirect) fails at once. A delivery that
    ends in failure counts against its endpoint, which is disabled after
    WEBHOOKS_DISABLE_AFTER in a row."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None or delivery.is_final:
            return None
        endpoint = Endpoint.objects.select_related("created_by", "community").get(pk=delivery.endpoint_id)
        now = timezone.now()
        if not endpoint.active:
            _finish(delivery, DeliveryStatus.SKIPPED, error="The endpoint is disabled.", next_attempt_at=None)
            return None
        allowed, why = creator_may_receive(endpoint)
        if not allowed:
            _finish(delivery, DeliveryStatus.SKIPPED, error=why[:300], next_attempt_at=None)
            endpoint_disable(endpoint=endpoint, reason=why)
            return None
        if delivery.event_type != PING and not payloads.visible_to(
            endpoint.created_by, delivery.object_model, delivery.object_id
        ):
            _finish(
                delivery,
                DeliveryStatus.SKIPPED,
                error="Whoever registered the endpoint may no longer see this.",
                next_attempt_at=None,
            )
            return None
        delivery.attempts += 1
        delivery.last_attempt_at = now
        try:
            validate_endpoint_url(endpoint.url)  # again: DNS may have changed since it was saved
            status_code, excerpt = _post(endpoint, delivery)
        except ValidationError as error:
            return _failed(delivery, endpoint, retry=False, error=" ".join(error.messages))
        except requests.RequestException as error:
            return _failed(delivery, endpoint, retry=True, error=f"{type(error).__name__}: {error}")
        delivery.response_code = status_code
        delivery.response_excerpt = excerpt[:EXCERPT_CHARS]
        if 200 <= status_code < 300:
            _finish(delivery, DeliveryStatus.SUCCEEDED, delivered_at=now, next_attempt_at=None, error="")
            Endpoint.objects.filter(pk=endpoint.pk).exclude(consecutive_failures=0).update(consecutive_failures=0)
            return None
        retry = status_code >= 500 or status_code == 429
        return _failed(delivery, endpoint, retry=retry, error=f"HTTP {status_code}")


def _failed(delivery: Delivery, endpoint: Endpoint, *, retry: bool, error: str) -> int | None:
    delays = retry_delays()
    if retry and delivery.attempts <= len(delays):
        delay = delays[delivery.attempts - 1]
        _finish(
            delivery,
            DeliveryStatus.PENDING,
            error=error[:300],
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
        )
        return delay
    _finish(
        delivery, DeliveryStatus.GAVE_UP if retry else DeliveryStatus.FAILED, error=error[:300], next_attempt_at=None
    )
    if delivery.event_type == PING:
        return None  # a test ping tells its owner at once; it does not count against the endpoint
    Endpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    failures = Endpoint.objects.values_list("consecutive_failures", flat=True).get(pk=endpoint.pk)
    if failures >= settings.WEBHOOKS_DISABLE_AFTER:
        endpoint_disable(
            endpoint=endpoint,
            reason=f"{failures} deliveries in a row failed (the last: {error})"[:300],
        )
    return None


def endpoint_disable(*, endpoint: Endpoint, reason: str) -> bool:
    """Stop an endpoint and tell its creator and the community's coordinators (once)."""
    now = timezone.now()
    changed = Endpoint.objects.filter(pk=endpoint.pk, active=True).update(
        active=False, disabled_at=now, disabled_reason=reason[:300], updated_at=now
    )
    if changed:
        logger.warning("Webhook endpoint %s disabled: %s", endpoint.pk, reason)
        audit(endpoint=endpoint, actor=None, action="webhook_disabled", detail=f"{endpoint.url}: {reason}")
        enqueue_on_commit(tasks.endpoint_disabled_notice, endpoint_id=endpoint.pk)
    return bool(changed)
