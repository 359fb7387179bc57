"""What deleting a member's account means for communities besides leaving them
(services.memberships_end_with_account): invitations and audit entries that name her address.

An invitation is addressed to an email, and the audit log records "invitation_sent" and
"invitation_revoked" with that address as their detail. Once the account that owned the
address is deleted, the invitations to it are deleted (a coordinator who still wants her can
invite the address again) and the audit entries keep what happened but say "a former
member's address". Invitations she sent stay, unnamed (invited_by becomes null).
"""

from django.db.models import Q

from members.account_deletion import addresses_of
from members.models import FORMER_MEMBER

from .models import AuditEntry, Invitation

ADDRESS_ACTIONS = ("invitation_sent", "invitation_revoked")


def invitations_forget_address(user) -> None:
    """Runs in the deleting transaction, before the user row goes."""
    addresses = addresses_of(user)
    if not addresses:
        return
    sent_to_her = Q()
    for address in addresses:
        sent_to_her |= Q(email__iexact=address)
    Invitation.objects.filter(sent_to_her).delete()
    naming_her = Q()
    for address in addresses:
        naming_her |= Q(detail__iexact=address)
    AuditEntry.objects.filter(naming_her, action__in=ADDRESS_ACTIONS).update(detail=f"{FORMER_MEMBER}'s address")
