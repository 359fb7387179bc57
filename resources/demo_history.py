"""Months of library history for the demo communities (see discussions/demo_history.py):
links shared over time and practices documented from answered questions, made through the
services and moved back in time, with plausible view and download counters."""

import random
from datetime import timedelta

from django.utils import timezone

from communities.models import Community, Membership
from communities.origins import resolve_origin

from .models import Resource
from .services import resource_create

LINK_TITLES = [
    "Guidance note on {tag}",
    "Toolkit: {tag} for district teams",
    "Review of {tag} evidence",
    "Case studies on {tag}",
]
PRACTICE_BODY = (
    "## Context\n\nA question the community answered about {tag}.\n\n"
    "## What works\n\nAgree the approach with local staff first, start small and record costs.\n\n"
    "## Watch out for\n\nHandovers without a named owner."
)


def seed_library_history(
    *, community: Community, links_per_month: float, answered: list[tuple[int, object]], rng: random.Random
) -> int:
    """Links spread over the community's life, and a practice documented from some of the
    `answered` questions ((thread id, answered at)) a few days after the answer."""
    now = timezone.now()
    members = list(Membership.objects.active().filter(community=community).select_related("user"))
    tags = list(community.tags.names()) or ["practice"]
    months = max(1, (now - community.created_at).days // 30)
    added = 0
    for month in range(months):
        for _ in range(int(links_per_month + rng.random())):
            moment = community.created_at + timedelta(days=30 * month + rng.uniform(0, 30))
            people = [m.user for m in members if m.joined_at and m.joined_at <= moment]
            if not people or moment >= now:
                continue
            tag = rng.choice(tags)
            resource = resource_create(
                actor=rng.choice(people),
                community=community,
                kind="link",
                title=rng.choice(LINK_TITLES).format(tag=tag),
                url=f"https://example.org/library/{community.slug}/{added + 1}",
                summary=f"Shared with the community: useful reading on {tag}.",
                tags=(tag,),
            )
            _age(resource, moment, rng)
            added += 1
    for thread_id, answered_at in answered:
        moment = answered_at + timedelta(days=rng.uniform(2, 10))
        author = rng.choice([m.user for m in members if m.role == "coordinator"] or [m.user for m in members])
        origin = resolve_origin("thread", thread_id, author)
        if origin is None or moment >= now:
            continue
        tag = (origin.tags or tags)[0]
        resource = resource_create(
            actor=author,
            community=community,
            kind="practice",
            title=f"Practice: {origin.title}"[:200],
            body=PRACTICE_BODY.format(tag=tag),
            summary="Documented from a community discussion.",
            tags=(tag,),
            origin=origin,
        )
        _age(resource, moment, rng)
        added += 1
    return added


def _age(resource: Resource, moment, rng: random.Random) -> None:
    """Back-date a demo resource and give it the use an item of its age would have had."""
    days = max(1, (timezone.now() - moment).days)
    views = int(days * rng.uniform(0.3, 1.5))
    Resource.objects.filter(pk=resource.pk).update(
        created_at=moment, updated_at=moment, view_count=views, download_count=views // 4
    )
