"""Documented practices whose review date has passed.

The owner sees it on the practice's page ("due for review since ...", with "mark reviewed"
and "edit"). When nobody owns the practice any more (no owner, an owner whose account was
closed or deactivated, or who is no longer an active member of the community), the
community's coordinators hear of it in their daily alert: `needs_attention` is registered
with communities.reminders in ResourcesConfig.ready(). One query for any number of
communities.
"""

from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import ngettext_lazy

from communities.models import Membership, MembershipState
from communities.reminders.registry import Attention

from .models import Resource, ResourceKind


def overdue_practices():
    return Resource.objects.filter(kind=ResourceKind.PRACTICE, archived_at=None, review_by__isnull=False)


def ownerless(queryset):
    """Those of `queryset` whose owner is gone: none, inactive, or no longer an active member."""
    owner_is_member = Membership.objects.filter(
        community_id=OuterRef("community_id"), user_id=OuterRef("owner_id"), state=MembershipState.ACTIVE
    )
    return queryset.filter(Q(owner=None) | Q(owner__is_active=False) | ~Exists(owner_is_member))


def needs_attention(community_ids: list[int], older_than: datetime) -> dict[int, list[Attention]]:
    """Practices past their review date (before the alert's day) whose owner has gone."""
    rows = (
        ownerless(overdue_practices().filter(community_id__in=community_ids, review_by__lt=older_than.date()))
        .values("community_id")
        .annotate(count=Count("pk"))
    )
    url = reverse("manage:resources_resource_changelist") + "?kind__exact=practice"
    return {
        row["community_id"]: [
            Attention(
                "",
                row["count"],
                url,
                counted=ngettext_lazy(
                    "%(count)s practice past its review date whose owner has left: give it a new owner or review it",
                    "%(count)s practices past their review date whose owner has left: "
                    "give them a new owner or review them",
                    "count",
                ),
            )
        ]
        for row in rows
    }
