"""The community audit log's webhook rows."""

from communities.models import AuditEntry

from .models import Endpoint


def audit(*, endpoint: Endpoint, actor, action: str, detail: str = "") -> None:
    """A row in the community's audit log (site-wide endpoints have none): an endpoint sends
    community content out of the platform, so who pointed it where is worth keeping."""
    if endpoint.community_id is not None:
        AuditEntry.objects.create(
            community_id=endpoint.community_id, actor=actor, action=action, detail=(detail or endpoint.url)[:300]
        )
