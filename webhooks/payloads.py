"""What each event says, and who may still read what it is about.

Payloads carry summaries and links, never whole texts: a post's excerpt is taken from its
rendered, sanitised HTML. Every object kind names the visibility policy the pages use, so a
delivery is checked against the endpoint creator's rights again when it is sent.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.text import Truncator

from communities.models import Community, Membership
from cop_platform.email import absolute_url
from discussions.models import Flag, Post, Thread
from events.models import Event
from resources.models import Resource

from .models import EventType

EXCERPT_CHARS = 280
# Event ids are derived from what happened, so dispatching the same thing twice gives one id.
EVENT_NAMESPACE = uuid.UUID("6f1f3b8e-2d0c-4b8a-9a55-0b7f2c6d9e41")


def event_id(event_type: str, object_model: str, object_id: int, occurrence: str = "") -> uuid.UUID:
    return uuid.uuid5(EVENT_NAMESPACE, f"{event_type}:{object_model}:{object_id}:{occurrence}")


def _user(user) -> dict | None:
    if user is None:
        return None
    return {"username": user.username, "display_name": user.name}


def community_summary(community: Community) -> dict:
    return {
        "id": community.pk,
        "slug": community.slug,
        "name": community.name,
        "url": absolute_url(community.get_absolute_url()),
    }


def _thread(thread: Thread) -> dict:
    return {"id": thread.pk, "title": thread.title, "url": absolute_url(thread.get_absolute_url())}


def _post(post: Post) -> dict:
    text = " ".join(strip_tags(post.body_html).split())
    return {
        "id": post.pk,
        "url": absolute_url(post.get_absolute_url()),
        "author": _user(post.author),
        "excerpt": Truncator(text).chars(EXCERPT_CHARS),
    }


@dataclass(frozen=True)
class ObjectKind:
    model: type
    # The related rows a payload needs, fetched in one query.
    related: tuple[str, ...]
    community: Callable[[object], Community]
    data: Callable[[str, object], dict]
    # visible(user, queryset of this model) -> the rows `user` may read, by the pages' policy.
    visible: Callable[[object, object], object]


def _thread_data(event_type, thread):
    return {"thread": {**_thread(thread), "author": _user(thread.author)}}


def _post_data(event_type, post):
    return {"post": _post(post), "thread": _thread(post.thread)}


def _member_data(event_type, membership):
    user = membership.user
    return {
        "member": {
            **_user(user),
            "url": absolute_url(reverse("members:profile", kwargs={"username": user.username})),
            "joined_at": membership.joined_at.isoformat() if membership.joined_at else None,
        }
    }


def _resource_data(event_type, resource):
    return {
        "resource": {
            "id": resource.pk,
            "title": resource.title,
            "kind": resource.kind,
            "url": absolute_url(resource.get_absolute_url()),
            "author": _user(resource.author),
        }
    }


def _flag_data(event_type, flag):
    # Who flagged stays with the coordinators on the site: the receiver learns what and why.
    return {
        "flag": {"id": flag.pk, "reason": flag.reason, "status": flag.status},
        "post": _post(flag.post),
        "thread": _thread(flag.post.thread),
    }


def _event_data(event_type, event):
    return {
        "event": {
            "id": event.pk,
            "title": event.title,
            "starts_at": event.starts_at.isoformat(),
            "ends_at": event.ends_at.isoformat(),
            "time_zone": event.time_zone,
            "format": event.format,
            "url": absolute_url(event.get_absolute_url()),
        }
    }


def _members_visible(user, queryset):
    # The member list is readable where the community's content is (communities.permissions).
    return queryset.filter(community__in=Community.objects.content_visible_to(user), state="active")


def _flags_visible(user, queryset):
    # A flag is coordinator business: its creator must be allowed to read the flagged post, and
    # endpoints exist only for coordinators and staff (checked in permissions.creator_may_receive).
    return queryset.filter(post__in=Post.objects.visible_to(user))


KINDS: dict[str, ObjectKind] = {
    "discussions.thread": ObjectKind(
        Thread,
        ("community", "author"),
        lambda t: t.community,
        _thread_data,
        lambda u, q: q.filter(pk__in=Thread.objects.visible_to(u)),
    ),
    "discussions.post": ObjectKind(
        Post,
        ("thread__community", "author"),
        lambda p: p.thread.community,
        _post_data,
        lambda u, q: q.filter(pk__in=Post.objects.readable_by(u)),
    ),
    "communities.membership": ObjectKind(
        Membership, ("community", "user"), lambda m: m.community, _member_data, _members_visible
    ),
    "resources.resource": ObjectKind(
        Resource,
        ("community", "author"),
        lambda r: r.community,
        _resource_data,
        lambda u, q: q.filter(pk__in=Resource.objects.visible_to(u)),
    ),
    "discussions.flag": ObjectKind(
        Flag, ("post__thread__community", "post__author"), lambda f: f.post.thread.community, _flag_data, _flags_visible
    ),
    "events.event": ObjectKind(
        Event,
        ("community",),
        lambda e: e.community,
        _event_data,
        lambda u, q: q.filter(pk__in=Event.objects.visible_to(u)),
    ),
}

OBJECT_OF_EVENT = {
    EventType.THREAD_CREATED: "discussions.thread",
    EventType.POST_CREATED: "discussions.post",
    EventType.MEMBER_JOINED: "communities.membership",
    EventType.RESOURCE_ADDED: "resources.resource",
    EventType.FLAG_RAISED: "discussions.flag",
    EventType.EVENT_CREATED: "events.event",
}


def load(object_model: str, object_id: int):
    """The object an event is about with what its payload needs, or None if it is gone."""
    kind = KINDS[object_model]
    return kind.model.objects.select_related(*kind.related).filter(pk=object_id).first()


def community_of(object_model: str, obj) -> Community:
    return KINDS[object_model].community(obj)


def build(*, event_type: str, event_uuid, occurred_at, object_model: str, obj) -> dict:
    kind = KINDS[object_model]
    return {
        "id": str(event_uuid),
        "type": event_type,
        "occurred_at": occurred_at,
        "community": community_summary(kind.community(obj)),
        "data": kind.data(event_type, obj),
    }


def visible_to(user, object_model: str, object_id: int) -> bool:
    """Whether `user` may read the object now, by the same policy as the pages."""
    kind = KINDS[object_model]
    return kind.visible(user, kind.model.objects.filter(pk=object_id)).exists()
