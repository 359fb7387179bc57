"""Webhooks' section of a member's data export: the endpoints they registered. Registered in
WebhooksConfig.ready() (members.data_export.registry).

Never the signing secret (a credential of the receiving system, and the community's), nor the
deliveries (what the community sent, not the member's data)."""

from django.utils.translation import gettext_lazy as _

from communities.data_export import community_record
from members.data_export.registry import ExportSection

from .models import Endpoint

CHUNK = 500


def webhook_endpoints(user, archive):
    rows = Endpoint.objects.filter(created_by=user).select_related("community").order_by("created_at", "pk")
    for endpoint in rows.iterator(chunk_size=CHUNK):
        yield {
            "community": community_record(endpoint.community) if endpoint.community_id else None,
            "url": endpoint.url,
            "description": endpoint.description,
            "events": endpoint.events,
            "created_at": endpoint.created_at,
            "active": endpoint.active,
            "disabled_at": endpoint.disabled_at,
            "disabled_reason": endpoint.disabled_reason,
        }


SECTIONS = (
    ExportSection(
        "webhook_endpoints",
        _("the webhook endpoints you registered (without their secrets)"),
        webhook_endpoints,
        order=81,
    ),
)
