"""Email about membership, sent after the change commits. Thin wrappers, by id, safe to
retry: each looks the rows up again and does nothing if they are gone."""

from datetime import timedelta

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from cop_platform.email import absolute_url, send_templated_email

from .health.snapshots import snapshots_take_all
from .models import Community, Invitation, Membership

RETRY = {"bind": True, "acks_late": True, "autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
def send_join_decision(self, *, user_id: int, community_id: int, approved: bool):
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    community = Community.objects.filter(pk=community_id).first()
    if user is None or community is None or not user.email:
        return
    send_templated_email(
        to=[user.email],
        template="communities/email/join_approved" if approved else "communities/email/join_declined",
        context={"user": user, "community": community, "community_url": absolute_url(community.get_absolute_url())},
    )


@shared_task(**RETRY)
def send_join_request_to_coordinators(self, *, membership_id: int):
    membership = (
        Membership.objects.select_related("user", "community").filter(pk=membership_id, state="pending").first()
    )
    if membership is None:
        return
    community = membership.community
    recipients = [m.user.email for m in community.memberships.coordinators().select_related("user") if m.user.email]
    if not recipients:
        return
    send_templated_email(
        to=recipients,
        template="communities/email/join_requested",
        context={
            "membership": membership,
            "community": community,
            "members_url": absolute_url(reverse("communities:members", kwargs={"slug": community.slug})),
        },
    )


@shared_task(**RETRY)
def send_invitation(self, *, invitation_id: int):
    invitation = Invitation.objects.select_related("community", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_open:
        return
    send_templated_email(
        to=[invitation.email],
        template="communities/email/invitation",
        context={
            "invitation": invitation,
            "community": invitation.community,
            "invitation_url": absolute_url(invitation.get_absolute_url()),
        },
    )


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def take_health_snapshots(self):
    """The nightly health snapshots: yesterday's (now complete) and today's for every
    community. Idempotent: each (community, day) row is replaced, never duplicated."""
    today = timezone.now().date()
    return snapshots_take_all(day=today - timedelta(days=1)) + snapshots_take_all(day=today)
