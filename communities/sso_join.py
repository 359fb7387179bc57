"""SSO_AUTO_JOIN: an account's first sign-in through the organisation's identity provider joins
the communities listed for its email domain, e.g. {"example.org": ["water-security"]}.

"First" means when the provider's account is attached to ours: the account is created by that
sign-in, or an existing one is linked to it. Later sign-ins join nothing, so a member who left a
community stays out. Each join goes through `membership_join`, so every joining rule holds: an
open community is joined at once, one that needs approval gets a join request its coordinators
see, and an invitation-only community, or one the member is banned from, is skipped (and logged).
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied

from .models import Community
from .services import membership_join

logger = logging.getLogger(__name__)


def _verified_domain(sociallogin, user) -> str:
    verified = [address.email for address in sociallogin.email_addresses if address.verified]
    email = verified[0] if verified else ""
    return email.rpartition("@")[2].lower()


def communities_auto_join(*, user, domain: str) -> list[str]:
    """Join `user` to the communities SSO_AUTO_JOIN lists for `domain`; the slugs joined (or
    asked to join). Unknown slugs are logged for the operator, never an error for the member."""
    slugs = settings.SSO_AUTO_JOIN.get(domain, [])
    joined = []
    communities = {community.slug: community for community in Community.objects.filter(slug__in=slugs)}
    for slug in slugs:
        community = communities.get(slug)
        if community is None:
            logger.warning("SSO_AUTO_JOIN names %r for %s: there is no such community", slug, domain)
            continue
        try:
            membership_join(actor=user, community=community)
        except PermissionDenied as refusal:
            logger.info("SSO_AUTO_JOIN: %s not joined to %s (%s)", user.pk, slug, refusal)
            continue
        joined.append(slug)
    return joined


def join_after_sso_signup(sender, request, user, sociallogin=None, **kwargs):
    """allauth's user_signed_up: an account created by a sign-in through the provider."""
    if sociallogin is not None and settings.SSO_AUTO_JOIN:
        communities_auto_join(user=user, domain=_verified_domain(sociallogin, user))


def join_after_sso_link(sender, request, sociallogin, **kwargs):
    """allauth's social_account_added: an existing account linked to the provider's."""
    if settings.SSO_AUTO_JOIN:
        communities_auto_join(user=sociallogin.user, domain=_verified_domain(sociallogin, sociallogin.user))
