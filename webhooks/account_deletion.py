"""What deleting an account means for webhooks: the endpoints she registered stop.

An endpoint acts with its creator's eyes (permissions.creator_may_receive), so without her it
may receive nothing more. Each active one is disabled the way a creator who loses her rights
disables it at the next delivery (delivery.endpoint_disable): with the reason, an audit entry,
and a notice to the community's coordinators (or, site-wide, the superusers), who may re-enable
it as theirs. Runs inside the deleting transaction, after her account was made inactive."""

from .delivery import endpoint_disable
from .models import Endpoint
from .permissions import creator_may_receive


def endpoints_disable_with_account(user) -> None:
    for endpoint in Endpoint.objects.filter(created_by=user, active=True).select_related("community", "created_by"):
        _allowed, why = creator_may_receive(endpoint)
        endpoint_disable(endpoint=endpoint, reason=why)
