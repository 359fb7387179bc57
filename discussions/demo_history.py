"""Months of background conversation for the demo communities, so their health pages tell a
story: a mature community with quick answers, a growing one, one going quiet...

Threads, replies, reactions and accepted answers are made through the services, by members
who had joined by then, and moved back in time afterwards (the services stamp "now"). A fixed
random seed gives every fresh database the same history.
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from communities.models import Community, Membership

from .demo import backdate
from .models import Reaction, Thread
from .services.posting import post_reply, thread_create
from .services.reacting import answer_accept, reaction_toggle

TITLES = [
    "How do you measure {tag} progress in the field?",
    "Lessons from our {tag} pilot",
    "Looking for a {tag} template that works",
    "{tag}: what went wrong and what we changed",
    "Any evaluations of {tag} programmes?",
    "Notes from this month's call on {tag}",
    "Who has costed {tag} at district level?",
    "Training materials for {tag}?",
]
OPENINGS = [
    "We are starting on this next quarter and would like to learn from those who have done it.",
    "Sharing what we tried last season; comments and pushback welcome.",
    "Our team keeps coming back to this question. What has worked in your context?",
    "A short summary is below; the full notes are in our project folder.",
]
REPLIES = [
    "We faced the same thing. What helped was agreeing the indicators with the district first.",
    "Happy to share our checklist; the key was a monthly review with the field teams.",
    "In our case the budget was the bottleneck, not the method. Start small and document costs.",
    "Have a look at the practice note in the library, it covers most of this.",
    "Thanks, this is useful. Could you say more about how you handled the handover?",
    "We tried that and it did not stick until local staff owned it.",
]


@dataclass(frozen=True)
class Story:
    """The shape of a community's past: threads per week from its founding to now (one
    number per stretch of weeks, stretched over its age), and how fast questions get a reply."""

    threads_per_week: tuple[float, ...]
    reply_hours: float  # typical wait for a first reply
    replies_per_thread: float
    question_share: float = 0.4
    readers: float = 0.3  # share of members who only read


def _pace(story: Story, progress: float) -> float:
    points = story.threads_per_week
    return points[min(int(progress * len(points)), len(points) - 1)]


def seed_history(*, community: Community, story: Story, rng: random.Random) -> int:
    """Background threads for each past week of `community`; returns how many."""
    now = timezone.now()
    members = list(
        Membership.objects.active().filter(community=community).select_related("user").order_by("joined_at", "pk")
    )
    tags = list(community.tags.names()) or ["practice"]
    weights = _voices(members, story, rng)
    founded = community.created_at
    weeks = max(1, (now - founded).days // 7)
    created = 0
    for week in range(weeks):
        start = founded + timedelta(weeks=week)
        for _ in range(_draw(rng, _pace(story, week / weeks))):
            moment = start + timedelta(hours=rng.uniform(0, 7 * 24))
            people = {m.user: weights[m.pk] for m in members if m.joined_at and m.joined_at <= moment}
            if sum(1 for weight in people.values() if weight) < 2 or moment >= now - timedelta(hours=2):
                continue
            _thread(community, people, story, rng, moment, tag=rng.choice(tags), now=now)
            created += 1
    return created


def _voices(members, story: Story, rng: random.Random) -> dict[int, float]:
    """How often each member speaks: a few voices carry much of the conversation, most chime
    in now and then, and a share (story.readers) only reads. Coordinators always speak."""
    order = sorted(members, key=lambda m: (m.role != "coordinator", rng.random()))
    speakers = max(2, round(len(order) * (1 - story.readers)))
    return {m.pk: (1 / (rank + 1) ** 1.1 if rank < speakers else 0.0) for rank, m in enumerate(order)}


def _pick(rng: random.Random, people: dict, *, besides=None):
    """A member, by how often they speak, other than `besides`."""
    choices = [(person, weight) for person, weight in people.items() if weight and person != besides]
    return rng.choices([person for person, _ in choices], weights=[weight for _, weight in choices])[0]


def _draw(rng: random.Random, mean: float) -> int:
    """A whole number of events around `mean` (never negative)."""
    return max(0, int(mean + rng.uniform(-0.5, 0.5) * max(1.0, mean) + 0.5))


def _thread(community, people, story: Story, rng: random.Random, moment, *, tag: str, now) -> None:
    author = _pick(rng, people)
    kind = "question" if rng.random() < story.question_share else "discussion"
    title = rng.choice(TITLES).format(tag=tag)
    thread = thread_create(
        actor=author,
        community=community,
        title=title[0].upper() + title[1:],
        body=rng.choice(OPENINGS),
        kind=kind,
        tags=(tag,),
    )
    backdate(thread.posts.get(is_opening=True), moment)
    last, first_reply = moment, None
    for number in range(_draw(rng, story.replies_per_thread)):
        wait = rng.expovariate(1 / story.reply_hours) if number == 0 else rng.uniform(1, 72)
        when = last + timedelta(hours=wait)
        if when >= now:
            break
        reply = post_reply(actor=_pick(rng, people, besides=author), thread=thread, body=rng.choice(REPLIES))
        backdate(reply, when)
        first_reply = first_reply or reply
        last = when
        if rng.random() < 0.3:
            reactor = _pick(rng, people, besides=reply.author)
            reaction_toggle(actor=reactor, post=reply, kind=rng.choice(["helpful", "thanks", "agree"]))
            reacted = min(now, when + timedelta(hours=rng.uniform(1, 24)))
            Reaction.objects.filter(post=reply, user=reactor).update(created_at=reacted)
    if kind == "question" and first_reply is not None and rng.random() < 0.6:
        answer_accept(actor=author, post=first_reply)
    Thread.objects.filter(pk=thread.pk).update(created_at=moment, last_activity_at=last)
