"""Demo history for `manage.py seed_demo`: a community that was founded months ago, whose
members joined over time and whose coordinators walked it through the 5D stages, so the
health page's membership chart and lifecycle timeline tell a story.

The services stamp "now"; like the demo discussions, this moves their rows back in time
afterwards. Only for freshly created demo communities (seed_demo calls it once each).
"""

import random
from datetime import timedelta

from django.utils import timezone

from .health.lifecycle import community_change_stage
from .models import AuditEntry, Community, Membership, Stage

STAGE_NOTES = {
    Stage.DREAM: "Founding members agreed on what we want to achieve.",
    Stage.DESIGN: "Charter, norms and a first meeting rhythm in place.",
    Stage.DOCUMENT: "Enough good answers to start writing practices down.",
    Stage.DISSEMINATE: "Sharing our practice notes beyond the community.",
}


def age_community(community: Community, *, founder, age_days: int, growth: str, rng: random.Random) -> None:
    """Found `community` `age_days` ago and spread its members' join dates over its life:
    `growth` "early" (most joined in the first months), "steady" or "late" (most joined
    recently). Then walk it from Discover to its current stage through the stage service,
    each step dated along the way."""
    now = timezone.now()
    founded = now - timedelta(days=age_days)
    Community.objects.filter(pk=community.pk).update(created_at=founded)
    AuditEntry.objects.filter(community=community).update(created_at=founded)
    shape = {"early": 0.5, "steady": 1.0, "late": 2.5}[growth]  # power on a uniform draw
    for membership in Membership.objects.filter(community=community).exclude(user=founder):
        share = rng.random() ** (1 / shape)  # late growth pushes join dates towards now
        joined = founded + timedelta(days=age_days * share * 0.95)
        Membership.objects.filter(pk=membership.pk).update(created_at=joined, joined_at=joined)
    Membership.objects.filter(community=community, user=founder).update(created_at=founded, joined_at=founded)
    _walk_stages(community, founder=founder, founded=founded, age_days=age_days)


def _walk_stages(community: Community, *, founder, founded, age_days: int) -> None:
    target = community.stage
    steps = Stage.values[1 : Stage.values.index(target) + 1]
    Community.objects.filter(pk=community.pk).update(stage=Stage.DISCOVER)
    community.refresh_from_db()
    for number, stage in enumerate(steps, start=1):
        community = community_change_stage(actor=founder, community=community, stage=stage, note=STAGE_NOTES[stage])
        moment = founded + timedelta(days=age_days * number / (len(steps) + 1))
        AuditEntry.objects.filter(pk=AuditEntry.objects.filter(community=community).latest("pk").pk).update(
            created_at=moment
        )
