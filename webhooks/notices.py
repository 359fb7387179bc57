"""Telling people that an endpoint was disabled: its creator and the community's
coordinators get a notification and an email, once per disabling."""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _

from communities.models import Membership
from cop_platform.email import absolute_url, send_templated_email
from members.language import language_for, override_for
from members.notifications import notification_create

from .models import Endpoint
from .permissions import can_manage_endpoints

KIND = "webhook_disabled"


def endpoint_url(endpoint: Endpoint) -> str:
    if endpoint.community_id is None:
        return reverse("webhooks:site_detail", kwargs={"endpoint_id": endpoint.pk})
    return reverse("webhooks:detail", kwargs={"slug": endpoint.community.slug, "endpoint_id": endpoint.pk})


def _recipients(endpoint: Endpoint):
    """The community's coordinators, or for a site-wide endpoint the superusers; and its
    creator while they may still manage it (someone removed from the community is not told
    about its endpoints)."""
    users = get_user_model().objects.filter(is_active=True)
    if endpoint.community_id:
        ids = set(
            Membership.objects.filter(
                community_id=endpoint.community_id, state="active", role="coordinator"
            ).values_list("user_id", flat=True)
        )
    else:
        ids = set(users.filter(is_superuser=True).values_list("pk", flat=True))
    creator = endpoint.created_by
    if creator is not None and can_manage_endpoints(creator, endpoint.community):
        ids.add(creator.pk)
    return users.filter(pk__in=ids).order_by("pk")


def endpoint_disabled_notify(*, endpoint_id: int) -> int:
    """Returns how many people were told. A re-run tells nobody twice: the notification is
    unique per (person, kind, endpoint), and only a newly recorded one is emailed."""
    endpoint = Endpoint.objects.select_related("community", "created_by").filter(pk=endpoint_id, active=False).first()
    if endpoint is None:
        return 0  # re-enabled (or deleted) in the meantime
    url = endpoint_url(endpoint)
    told = 0
    for user in _recipients(endpoint):
        with override_for(user):
            title = _("Webhook to %(url)s was disabled: %(reason)s") % {
                "url": endpoint.url,
                "reason": endpoint.disabled_reason,
            }
        if notification_create(recipient=user, actor=None, kind=KIND, target=endpoint, title=title, url=url) is None:
            continue
        if user.email:
            send_templated_email(
                to=[user.email],
                template="webhooks/email/endpoint_disabled",
                context={"endpoint": endpoint, "user": user, "url": absolute_url(url)},
                language=language_for(user),
            )
        told += 1
    return told


def visible_endpoint_ids(user, ids: set[int]) -> set[int]:
    """For members.notifications: the endpoints among `ids` that `user` may still manage."""
    return {
        endpoint.pk
        for endpoint in Endpoint.objects.select_related("community").filter(pk__in=ids)
        if can_manage_endpoints(user, endpoint.community)
    }
