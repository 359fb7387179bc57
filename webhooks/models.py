"""Webhook endpoints and the record of every delivery to them.

A Delivery is unique per (endpoint, event id): the event id is derived from what happened
(see `events.event_id`), so an event dispatched twice, or a task run twice, gives one
delivery, and a receiver gets each event once."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import Community


class EventType(models.TextChoices):
    THREAD_CREATED = "thread.created", _("Thread created")
    POST_CREATED = "post.created", _("Reply posted")
    MEMBER_JOINED = "member.joined", _("Member joined")
    RESOURCE_ADDED = "resource.added", _("Resource added")
    FLAG_RAISED = "flag.raised", _("Post flagged")
    EVENT_CREATED = "event.created", _("Event created")


# The test ping is not an event anyone subscribes to: it goes when its owner asks.
PING = "ping"


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


class Endpoint(models.Model):
    # None: a site-wide endpoint (staff only), receiving every community its creator may see.
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("address"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret = models.CharField(max_length=80, default=new_secret, editable=False)
    events = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="webhook_endpoints"
    )
    active = models.BooleanField(default=True)
    # Deliveries that failed for good in a row; a success resets it.
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["community", "active"], name="webhook_endpoint_lookup")]

    def __str__(self):
        return self.url

    @property
    def is_site_wide(self) -> bool:
        return self.community_id is None

    def event_labels(self) -> list[str]:
        names = dict(EventType.choices)
        return [str(names.get(event, event)) for event in self.events]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")
    GAVE_UP = "gave_up", _("Gave up after retries")
    SKIPPED = "skipped", _("Not sent (no longer allowed)")


FINAL_STATUSES = (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED, DeliveryStatus.GAVE_UP, DeliveryStatus.SKIPPED)


class Delivery(models.Model):
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(max_length=30)
    event_id = models.UUIDField()
    # What the event is about ("discussions.post", 12): checked against its visibility policy
    # again at each attempt, so a creator who lost access receives nothing more.
    object_model = models.CharField(max_length=60, blank=True)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivered_once_per_event"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]
        verbose_name_plural = "deliveries"

    def __str__(self):
        return f"{self.event_type} to {self.endpoint_id} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES
