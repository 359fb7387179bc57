"""What deleting an account means for email-in: the inbound log (kept INBOUND_EMAIL_RETENTION_DAYS
for duplicate detection) keeps each message's Message-ID and outcome, but no longer says who sent
it or what it was about; the per-address answer throttle forgets her addresses. Held messages go
with the account (their foreign key cascades)."""

from django.db.models import Q

from members.account_deletion import addresses_of

from .models import InboundMessage, SenderAnswer


def inbound_mail_forget_sender(user) -> None:
    """Runs in the deleting transaction, before the user row goes."""
    addresses = addresses_of(user)
    hers = Q(user=user)
    for address in addresses:
        hers |= Q(sender__iexact=address) | Q(envelope_sender__iexact=address)
    InboundMessage.objects.filter(hers).update(sender="", envelope_sender="", subject="", answer={}, user=None)
    if addresses:
        to_her = Q()
        for address in addresses:
            to_her |= Q(address__iexact=address)
        SenderAnswer.objects.filter(to_her).delete()
