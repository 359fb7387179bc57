"""Mailing-list mode: every new post emailed, as it happens, to the members of its community
who turned the mode on (communities.Membership.mailing_list_mode), threaded in mail clients.

1. `list_mail_plan(post)` runs inside the transaction that creates the post
   (discussions.post_hooks): one EmailDelivery per recipient, key "list-post:<post id>", so
   the email's record commits with the post, and a retried or duplicated task finds the rows
   it already has (unique per recipient and key). Its send task is queued on commit.
2. The send task hands the deliveries, in batches, to communities.outgoing.send_planned (the
   loop digests use: claim, send over one SMTP connection, finish), with `build_list_mail`
   preparing each batch in a fixed number of queries. Right before sending it checks again
   who may still see the thread and still wants the mail; a post hidden or deleted meanwhile
   is not sent. `list_mail_recover` (beat) queues what a crash left pending or claimed.

Recipients: active members with mailing-list mode on, who may read the thread (the
visibility policy: thread_readers), did not mute the community, have an address, and did not
write the post. Unsubscribing from "all" turns mailing-list mode off everywhere
(communities.mailing_list), so it needs no check of its own here.

Replies and mentions: a member who got a post by list mail is not sent the reply or mention
notification email about that same post (members.notification_emails drops it through
`notifications_sent_as_list_mail`); the notification stays on /notifications/.
"""

import re
from collections import defaultdict
from email.header import Header

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from communities.mailing_list import list_scope
from communities.models import Membership, MembershipState
from communities.outgoing import PreparedEmail, send_planned
from cop_platform.email import absolute_url
from discussions.models import PATH_STEP, Post
from discussions.permissions import can_start_thread
from discussions.querysets import thread_readers
from members.mailing import reply_mailto
from members.models import DeliveryState, EmailDelivery, EmailKind

from .addresses import community_address, reply_address
from .message_ids import message_id_domain, post_message_id
from .models import MemberMailKey

KEY_PREFIX = "list-post:"
TEMPLATE = "email_gateway/email/list_post"


def list_key(post_id: int) -> str:
    return f"{KEY_PREFIX}{post_id}"


def _post_id_of(key: str) -> int | None:
    rest = key.removeprefix(KEY_PREFIX)
    return int(rest) if key.startswith(KEY_PREFIX) and rest.isdigit() else None


# --- Planning ----------------------------------------------------------------------------------


def _list_members(community_id: int):
    return Membership.objects.filter(
        community_id=community_id, state=MembershipState.ACTIVE, mailing_list_mode=True, email_muted=False
    ).values("user_id")


def list_mail_plan(post) -> int:
    """Record one list email per recipient of a new `post`, in the caller's transaction (the
    caller queues their sending for after the commit: hooks.py). One query when nobody in the
    community uses mailing-list mode. Returns how many were recorded."""
    thread = post.thread
    users = get_user_model().objects.filter(pk__in=_list_members(thread.community_id), is_active=True)
    users = users.exclude(email="")
    if post.author_id is not None:
        users = users.exclude(pk=post.author_id)
    candidates = list(users.values_list("pk", flat=True))
    if not candidates:  # the usual case: one query, nothing more
        return 0
    users = get_user_model().objects.filter(pk__in=candidates)
    recipient_ids = list(thread_readers(thread, users).values_list("pk", flat=True))
    if not recipient_ids:
        return 0
    now = timezone.now()
    EmailDelivery.objects.bulk_create(
        [
            EmailDelivery(
                recipient_id=user_id,
                kind=EmailKind.MAILING_LIST,
                key=list_key(post.pk),
                community_id=thread.community_id,
                created_at=now,
            )
            for user_id in recipient_ids
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    return len(recipient_ids)


def unsent_deliveries(*, post_id: int, community_id: int) -> list[int]:
    """Ids of the post's list emails not yet finished (on the community_id index)."""
    return list(
        EmailDelivery.objects.filter(
            community_id=community_id,
            key=list_key(post_id),
            kind=EmailKind.MAILING_LIST,
            state__in=[DeliveryState.PENDING, DeliveryState.SENDING],
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def send_list_batch(delivery_ids: list[int]) -> dict[str, int]:
    return send_planned(delivery_ids, build_list_mail)


# --- Headers -----------------------------------------------------------------------------------


def _phrase(text: str) -> str:
    """`text` as an RFC 5322 phrase: a quoted string, or an encoded word when not ASCII."""
    text = " ".join(text.split())
    if text.isascii():
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return Header(text, "utf-8").encode()


def list_id(community) -> str:
    """RFC 2919: a name and a label unique to the community on our domain."""
    return f"{_phrase(community.name)} <{community.slug}.{message_id_domain()}>"


def thread_references(post, opening_id: int | None, ancestor_ids: list[int]) -> tuple[str | None, str | None]:
    """(In-Reply-To, References) of `post`: the post it answers (its parent, or the thread's
    opening post for a top-level reply) and the chain from the opening post down to it
    (RFC 5322 3.6.4). (None, None) for an opening post."""
    chain = [opening_id] if opening_id is not None and opening_id != post.pk else []
    chain += [pk for pk in ancestor_ids if pk not in chain and pk != post.pk]
    if not chain:
        return None, None
    return post_message_id(chain[-1]), " ".join(post_message_id(pk) for pk in chain)


def list_headers(post, *, thread, community, may_start_threads: bool, opening_id, ancestor_ids) -> dict:
    """Every header that makes a post's email a mailing-list message. Inbound parsing reads the
    same Message-IDs back (message_ids.post_id_from_message_id)."""
    in_reply_to, references = thread_references(post, opening_id, ancestor_ids)
    address = community_address(community)
    archive = absolute_url(reverse("discussions:list", kwargs={"community_slug": community.slug}))
    headers = {
        "Message-ID": post_message_id(post),
        "List-Id": list_id(community),
        "List-Post": f"<mailto:{address}>" if address and may_start_threads else "NO",
        "List-Archive": f"<{archive}>",
        # RFC 3834 3.1.7 / RFC 2076: list mail; replies to it are wanted, so it is not
        # Auto-Submitted (member email's usual header is dropped).
        "Precedence": "list",
        "Auto-Submitted": None,
    }
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
        headers["References"] = references
    return headers


def _ancestor_paths(post) -> list[str]:
    return [post.path[:end] for end in range(PATH_STEP, len(post.path), PATH_STEP)]


# --- The post as an email -----------------------------------------------------------------------

_RELATIVE = re.compile(r'(\s(?:href|src)=")(/[^/"][^"]*|/)"')
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r'\s(src|alt)="([^"]*)"')


def email_html(body_html: str) -> str:
    """The post's stored, sanitised HTML made fit for an inbox: links absolute (SITE_URL), and
    images turned into links, since attachments are downloads checked per request and a
    mail client is not signed in. Attribute values are already escaped by the sanitiser."""

    def image_link(match) -> str:
        attrs = dict(_ATTR.findall(match.group(0)))
        label = attrs.get("alt") or "image"
        return f'<a href="{attrs.get("src", "")}">[{label}]</a>' if attrs.get("src") else f"[{label}]"

    html = _IMG.sub(image_link, body_html or "")
    return _RELATIVE.sub(lambda m: f'{m.group(1)}{escape(settings.SITE_URL)}{m.group(2)}"', html)


def reply_generations(user_ids) -> dict[int, int]:
    """{member id: reply-address generation} (one query; no row means 0), for reply_address."""
    return dict(MemberMailKey.objects.filter(user_id__in=list(user_ids)).values_list("user_id", "generation"))


def build_list_mail(deliveries) -> dict[int, PreparedEmail | None]:
    """Prepare a batch of list emails (any mix of posts) in a fixed number of queries per post:
    the post, its attachments, its ancestors, who may still read it, their memberships and
    their reply-address generations. None for a delivery that should no longer go out."""
    by_post: dict[int, list] = defaultdict(list)
    prepared: dict[int, PreparedEmail | None] = {}
    for delivery in deliveries:
        post_id = _post_id_of(delivery.key)
        if post_id is None:
            prepared[delivery.pk] = None
        else:
            by_post[post_id].append(delivery)
    posts = Post.objects.select_related("thread__community", "author").in_bulk(list(by_post))
    for post_id, batch in by_post.items():
        post = posts.get(post_id)
        found = _prepare_post(post, batch) if post is not None else {}
        prepared.update({delivery.pk: found.get(delivery.pk) for delivery in batch})
    return prepared


def _prepare_post(post, deliveries) -> dict[int, PreparedEmail]:
    if post.is_deleted or post.is_hidden:
        return {}
    thread, community = post.thread, post.thread.community
    users = {delivery.recipient_id: delivery.recipient for delivery in deliveries}
    readers = set(
        thread_readers(thread, get_user_model().objects.filter(pk__in=list(users))).values_list("pk", flat=True)
    )
    memberships = {
        membership.user_id: membership
        for membership in Membership.objects.filter(
            community=community, user_id__in=list(readers), state=MembershipState.ACTIVE
        )
    }
    wanted = [
        user_id
        for user_id in readers
        if (m := memberships.get(user_id)) is not None and m.mailing_list_mode and not m.email_muted
    ]
    if not wanted:
        return {}
    related = Post.objects.filter(Q(is_opening=True) | Q(path__in=_ancestor_paths(post)), thread_id=thread.pk)
    related = list(related.values_list("pk", "path", "is_opening"))
    opening_id = next((pk for pk, _, opening in related if opening), None)
    ancestor_ids = [pk for pk, _, _ in sorted((r for r in related if not r[2]), key=lambda r: len(r[1]))]
    attachments = [
        {"name": a.original_name, "url": absolute_url(a.get_absolute_url()), "size": a.size}
        for a in post.attachments.all()
    ]
    generations = reply_generations(wanted)
    is_reply = not post.is_opening
    subject = f"[{community.name}] {'Re: ' if is_reply else ''}{thread.title}".replace("\n", " ")
    shared = {
        "post": post,
        "thread": thread,
        "community": community,
        "author_name": post.author.name if post.author else "A former member",
        "body_html": email_html(post.body_html),
        "attachments": attachments,
        "post_url": absolute_url(post.get_absolute_url()),
        "thread_url": absolute_url(thread.get_absolute_url()),
        "list_settings_url": absolute_url(reverse("communities:email_mutes")),
        "is_reply": is_reply,
        "unsubscribe_what": f"every new post in {community.name} by email (mailing-list mode)",
    }
    out = {}
    for delivery in deliveries:
        user_id = delivery.recipient_id
        if user_id not in wanted:
            continue
        user, generation = users[user_id], generations.get(user_id, 0)
        may_start = can_start_thread(user, community, memberships[user_id])
        address = reply_address(user, thread.pk, generation=generation)
        out[delivery.pk] = PreparedEmail(
            template=TEMPLATE,
            context={
                **shared,
                "reply_address": address,
                "reply_mailto": reply_mailto(address, thread.title),
                "community_address": community_address(community) if may_start else None,
            },
            scope=list_scope(community.pk),
            summary=f"Post {post.pk} in “{thread.title}”"[:300],
            headers=list_headers(
                post,
                thread=thread,
                community=community,
                may_start_threads=may_start,
                opening_id=opening_id,
                ancestor_ids=ancestor_ids,
            ),
            subject=subject,
            reply_thread_id=thread.pk,
            generation=generation,
        )
    return out


# --- Replies and mentions already mailed -------------------------------------------------------


def notifications_sent_as_list_mail(user, notifications) -> set[int]:
    """Of `notifications` (about posts), the ids of those whose post `user` gets by list mail
    (a list email recorded for them): their reply or mention email would say it twice."""
    post_type = ContentType.objects.get_for_model(Post)
    post_ids = {n.target_id for n in notifications if n.target_type_id == post_type.pk}
    if not post_ids:
        return set()
    mailed = set(
        EmailDelivery.objects.filter(
            recipient_id=user.pk, key__in=[list_key(pk) for pk in post_ids], kind=EmailKind.MAILING_LIST
        )
        .exclude(state=DeliveryState.SKIPPED)
        .values_list("key", flat=True)
    )
    return {n.pk for n in notifications if n.target_type_id == post_type.pk and list_key(n.target_id) in mailed}


def notification_threads(notifications) -> dict[int, tuple[int, str]]:
    """{notification id: (thread id, thread title)} for notifications about posts (one query)."""
    post_type = ContentType.objects.get_for_model(Post)
    post_ids = {n.target_id for n in notifications if n.target_type_id == post_type.pk}
    if not post_ids:
        return {}
    threads = {
        pk: (thread_id, title)
        for pk, thread_id, title in Post.objects.filter(pk__in=post_ids).values_list("pk", "thread_id", "thread__title")
    }
    return {
        n.pk: threads[n.target_id] for n in notifications if n.target_type_id == post_type.pk and n.target_id in threads
    }
