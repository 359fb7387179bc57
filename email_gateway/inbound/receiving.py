"""The one way a message gets in: `receive(raw, ...)` turns it into a post, a thread, a held
message waiting for its sender's confirmation, or a refusal with a polite answer, and says
which (Outcome). The MTA pipe (`manage.py receive_email`), the IMAP poller and the provider
webhooks all call it.

In order, for every message:
1. the size cap (INBOUND_EMAIL_MAX_BYTES): bigger mail is refused and only described;
2. which of our addresses it is for (the envelope recipients, else Delivered-To, X-Original-To,
   To, Cc); a bounce of our own mail (bounces+<token>@) goes to the bounce handler and is
   never answered;
3. automatic mail (auto-replies, bounces, lists, mail from ourselves) is ignored, unanswered;
4. a Message-ID already recorded is a duplicate: nothing happens twice;
5. the text is read (quotes and signature cut, HTML converted); unreadable mail is refused;
6. a reply address posts as its member (the address is the credential); a community address
   starts a thread for the member whose verified primary address sent it, after our MTA's
   Authentication-Results vouch for the From, or else once the member confirms (HeldMessage).

Every decision writes one InboundMessage row. The services do the permission and rate checks;
their refusals become answers in plain words (refusals.py).
"""

import hashlib
import logging
import re
from contextlib import nullcontext

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from communities.models import Community
from discussions.models import Post, PostAttachment, Thread
from discussions.services.attachments import attachment_upload
from discussions.services.posting import post_reply, thread_create
from members.language import override_for

from ..addresses import BounceRoute, CommunityRoute, ReplyRoute, email_in_enabled, gateway_domain, read_address
from ..message_ids import post_ids_from_references
from ..models import HeldMessage, InboundMessage, InboundStatus
from . import answers, authentication, loops, parsing, refusals
from .confirmation import confirmation_answer
from .outcome import DEFERRED, DUPLICATE, Outcome
from .text import html_to_markdown, latest_reply

logger = logging.getLogger(__name__)
DATABASE_DOWN = (OperationalError, InterfaceError)
# How a bounce of our own mail is handled: looked up when one arrives, so the bounce handling
# (email_gateway/bounces.py, built beside this) can land independently. Until it does, bounces
# are recorded and never answered.
BOUNCE_HANDLER = "email_gateway.bounces.handle_bounce"
SUBJECT_PREFIX_RE = re.compile(
    r"^\s*(?:(?:re|fwd?|aw|wg|sv|vs|tr|rif|antw)\s*(?:\[\d+\])?\s*:\s*|\[[^\]]{1,60}\]\s*)+", re.I
)


def receive(
    raw: bytes, *, envelope_sender: str | None = None, recipients: list[str] | None = None, transport: str
) -> Outcome:
    """Take one message. Never raises for bad mail (that is an answer, not an error); a
    database that is down gives a DEFERRED outcome (exit code 75) so the MTA tries again."""
    try:
        return _receive(raw, envelope_sender=envelope_sender, recipients=recipients, transport=transport)
    except DATABASE_DOWN as error:
        logger.warning("Inbound email deferred, database unavailable: %s", error)
        return Outcome(DEFERRED, "The database is unavailable; try again later.")


class InboundContext:
    """What we know about the message being received, passed down the steps."""

    def __init__(self, raw, envelope_sender, recipients, transport):
        if isinstance(raw, str):  # a webhook may hand over text; the bytes are what we keep
            raw = raw.encode("utf-8", "surrogateescape")
        self.raw = raw
        self.envelope_sender = envelope_sender
        self.transport = (transport or "unknown")[:20]
        # The headers decide routing and loops; the body is parsed later, and only when needed.
        self.message = parsing.parse_headers(raw)
        self.sender = (parsing.addresses(self.message, "From") or [""])[0]
        message_ids = parsing.MESSAGE_ID_RE.findall(parsing.header(self.message, "Message-ID"))
        self.message_id = message_ids[0] if message_ids else ""
        self.key = parsing.message_key(self.message_id, raw)
        self.subject = " ".join(parsing.header(self.message, "Subject").split())
        envelope = [address.strip().strip("<>").lower() for address in recipients or () if address]
        headers = parsing.addresses(self.message, "Delivered-To", "X-Original-To", "To", "Cc")
        self.recipients = envelope or headers
        self.recipient = ""
        self.route = None
        # The envelope decides; the headers only when it names none of our addresses (an MTA
        # that hands over a rewritten local recipient, such as an alias).
        for candidates in (envelope, headers) if envelope else (headers,):
            for address in candidates:
                route = read_address(address)
                if route is not None and (self.route is None or isinstance(route, BounceRoute)):
                    self.recipient, self.route = address, route
                if isinstance(self.route, BounceRoute):
                    break  # a bounce wins: it must never be treated as a post
            if self.route is not None:
                break
        if not self.recipient:
            ours = [address for address in self.recipients if address.rpartition("@")[2] == gateway_domain()]
            self.recipient = (ours or self.recipients or [""])[0]

    def record(self, status, detail="", **fields) -> InboundMessage:
        """Write this message's record; a duplicate raises IntegrityError (caller decides)."""
        return InboundMessage.objects.create(
            message_id=self.key,
            sender=self.sender[:254],
            envelope_sender=(self.envelope_sender or "")[:254],
            recipient=self.recipient[:254],
            subject=self.subject[:300],
            transport=self.transport,
            status=status,
            detail=detail[:500],
            size=len(self.raw),
            **fields,
        )


def _already_received(ctx: InboundContext) -> Outcome | None:
    existing = InboundMessage.objects.filter(message_id=ctx.key).values("pk", "status", "post_id", "thread_id").first()
    if existing is None:
        return None
    return Outcome(
        DUPLICATE,
        f"Already received (it was {existing['status']}).",
        post_id=existing["post_id"],
        thread_id=existing["thread_id"],
        inbound_id=existing["pk"],
    )


def _finish(ctx: InboundContext, status, detail="", *, answer=None, user=None, to="", **fields) -> Outcome:
    """Record the decision (and queue its answer in the same transaction)."""
    try:
        with transaction.atomic():
            record = ctx.record(status, detail, answer=answer or {}, user=user, **fields)
            if answer:
                answers.answer_queue(record, user=user, to=to)
    except IntegrityError:
        return _already_received(ctx) or Outcome(DUPLICATE, "Already received.")
    return Outcome(
        status,
        detail,
        post_id=fields.get("post").pk if fields.get("post") else None,
        thread_id=fields.get("thread").pk if fields.get("thread") else None,
        inbound_id=record.pk,
    )


def _refuse(ctx: InboundContext, refusal: refusals.Refusal, *, user=None) -> Outcome:
    """Refuse with an answer: to the member (their own verified address) when we know who it
    is for, else to the envelope sender or From (throttled per address)."""
    to = "" if user is not None else (ctx.envelope_sender or ctx.sender)
    return _finish(
        ctx, InboundStatus.REFUSED, refusal.reason, answer=refusal.as_answer(subject=ctx.subject), user=user, to=to
    )


def _receive(raw, *, envelope_sender, recipients, transport) -> Outcome:
    ctx = InboundContext(raw, envelope_sender, recipients, transport)
    if not email_in_enabled():
        # No address of ours exists, so none can be answered for: keep the trace, say nothing.
        return _finish(ctx, InboundStatus.REFUSED, "Email-in is off (INBOUND_EMAIL_DOMAIN is not set).")
    if isinstance(ctx.route, BounceRoute):
        return _bounce(ctx)
    automatic = loops.automatic_reason(ctx.message, envelope_sender=envelope_sender, sender=ctx.sender)
    if automatic:
        if duplicate := _already_received(ctx):
            return duplicate
        return _finish(ctx, InboundStatus.IGNORED, automatic)
    if duplicate := _already_received(ctx):
        return duplicate
    user = ctx.route.user if isinstance(ctx.route, ReplyRoute) else None
    with _in_language_of(user):  # a reply address's member reads our answer in their language
        return _routed(ctx, user)


def _in_language_of(user):
    """Refusals and confirmations are worded while the answer is built: in the member's own
    language when we know who wrote (members.language), else in the active one."""
    return override_for(user) if user is not None else nullcontext()


def _routed(ctx: InboundContext, user) -> Outcome:
    if len(ctx.raw) > settings.INBOUND_EMAIL_MAX_BYTES:
        return _refuse(ctx, refusals.too_large(len(ctx.raw)), user=user)
    if ctx.route is None:
        return _refuse(ctx, refusals.unknown_address(ctx.recipient))
    try:
        parsed = parsing.read(ctx.raw)
    except parsing.Unreadable as error:
        return _refuse(ctx, refusals.unreadable(str(error)), user=user)
    if isinstance(ctx.route, ReplyRoute):
        return _reply(ctx, parsed, ctx.route)
    return _community(ctx, parsed, ctx.route)


def _bounce(ctx: InboundContext) -> Outcome:
    """A bounce of our own mail: hand it over, record it, never answer it."""
    if duplicate := _already_received(ctx):
        return duplicate
    try:
        handler = import_string(BOUNCE_HANDLER)
    except ImportError:
        logger.warning("No bounce handler (%s): bounce from %s recorded only", BOUNCE_HANDLER, ctx.sender)
        detail = "Bounce recorded (no bounce handler installed)."
    else:
        detail = str(handler(ctx.route.user, parsing.parse_message(ctx.raw)) or "Bounce handled.")
    return _finish(ctx, InboundStatus.BOUNCE_HANDLED, detail, user=ctx.route.user)


def submission_key(ctx: InboundContext) -> str:
    """The posting services' double-submit key, from the Message-ID: a redelivered message
    posts once even when its InboundMessage record was lost."""
    return "email:" + hashlib.sha256(ctx.key.encode("utf-8", "surrogateescape")).hexdigest()[:56]


class Body:
    """A post body made from a parsed message: its text with inline images in place, the
    attachment ids to claim, and notes about the files we could not take."""

    def __init__(self, text="", attachment_ids=(), notes=()):
        self.text = text
        self.attachment_ids = list(attachment_ids)
        self.notes = list(notes)


def _body_text(parsed: parsing.Parsed) -> str:
    text = html_to_markdown(parsed.text) if parsed.from_html else parsed.text
    return latest_reply(text)


def _attach(*, user, community, parsed: parsing.Parsed, text: str) -> Body:
    """Upload the message's files through the same checks as web uploads. A refused file is
    named in a note; the post still goes in. Inline images (cid:) take their place in the text."""
    body = Body(text=text, notes=[_("We left out %(what)s.") % {"what": skipped} for skipped in parsed.skipped])
    limit = settings.POST_ATTACHMENTS_PER_POST
    for part in parsed.parts:
        if len(body.attachment_ids) >= limit:
            body.notes.append(
                _("%(filename)s: a post can have at most %(limit)s attachments.")
                % {"filename": part.filename, "limit": limit}
            )
            continue
        upload = SimpleUploadedFile(part.filename, part.content, content_type=part.content_type)
        try:
            attachment = attachment_upload(actor=user, community=community, upload=upload)
        except (ValidationError, PermissionDenied) as error:
            body.notes.append(
                _("%(filename)s: %(reason)s") % {"filename": part.filename, "reason": refusals.error_text(error)}
            )
            continue
        body.attachment_ids.append(attachment.pk)
        if part.content_id and f"cid:{part.content_id}" in body.text:
            body.text = body.text.replace(f"cid:{part.content_id}", attachment.get_absolute_url())
    # Inline images whose part was refused or missing: drop the broken image, keep its words.
    body.text = re.sub(r"!\[([^\]]*)\]\(cid:[^)]*\)", r"\1", body.text).strip()
    if not body.text and body.attachment_ids:
        body.text = _("(Sent by email with attachments.)")
    return body


def _discard(body: Body) -> None:
    """Uploads made for a post that was then refused go at once (not after PENDING_DAYS)."""
    for attachment in PostAttachment.objects.filter(pk__in=body.attachment_ids, post=None):
        attachment.delete()


def _parent(thread: Thread, parsed: parsing.Parsed) -> Post | None:
    """The post a reply answers, from In-Reply-To / References, when it is in this thread."""
    ids = post_ids_from_references(*(f"<{reference}>" for reference in parsed.references))
    if not ids:
        return None
    found = {post.pk: post for post in Post.objects.filter(thread=thread, pk__in=ids, deleted_at=None)}
    return next((found[pk] for pk in ids if pk in found), None)


class Refused(Exception):
    """A service refused the post; `refusal` says why in mail terms."""

    def __init__(self, refusal: refusals.Refusal):
        super().__init__(refusal.reason)
        self.refusal = refusal


def publish(ctx: InboundContext, parsed: parsing.Parsed, *, user, community, thread: Thread | None = None):
    """Post the message as `user`: a reply to `thread`, or a new thread in `community`, with
    its files, through the posting services (their permission and rate checks). Returns
    (post, notes about files left out); raises Refused."""
    key = submission_key(ctx)
    if (earlier := Post.objects.filter(author=user, submission_key=key).select_related("thread").first()) is not None:
        return earlier, []  # posted before its record was written (a retry after a crash): no new uploads
    body = _attach(user=user, community=community, parsed=parsed, text=_body_text(parsed))
    try:
        if thread is not None:
            post = post_reply(
                actor=user,
                thread=thread,
                body=body.text,
                parent=_parent(thread, parsed),
                submission_key=key,
                attachment_ids=body.attachment_ids,
            )
        else:
            new_thread = thread_create(
                actor=user,
                community=community,
                title=clean_title(parsed.subject),
                body=body.text,
                submission_key=key,
                attachment_ids=body.attachment_ids,
            )
            post = new_thread.posts.select_related("thread").get(is_opening=True)
    except (PermissionDenied, ValidationError) as error:
        _discard(body)
        if thread is not None:
            raise Refused(refusals.for_reply(user=user, thread=thread, error=error)) from error
        raise Refused(refusals.for_thread(user=user, community=community, error=error)) from error
    return post, body.notes


def _published(ctx: InboundContext, parsed, *, user, community, thread=None) -> Outcome:
    try:
        post, notes = publish(ctx, parsed, user=user, community=community, thread=thread)
    except Refused as refused:
        return _refuse(ctx, refused.refusal, user=user)
    answer = refusals.posted_with_notes(notes, url=post.get_absolute_url()) if notes else None
    status, detail = (
        (InboundStatus.POSTED, "Posted as a reply.") if thread else (InboundStatus.THREAD_STARTED, "Started a thread.")
    )
    return _finish(ctx, status, detail, answer=answer, user=user, thread=post.thread, post=post)


def sent_by(user, address: str) -> bool:
    """Whether `address` is one of `user`'s verified addresses."""
    return bool(address) and EmailAddress.objects.filter(user=user, email__iexact=address, verified=True).exists()


def _reply(ctx: InboundContext, parsed: parsing.Parsed, route: ReplyRoute) -> Outcome:
    user = route.user
    if not user.is_active:
        return _finish(ctx, InboundStatus.REFUSED, "The account of this reply address is closed.", user=user)
    thread = Thread.objects.visible_to(user).select_related("community").filter(pk=route.thread_id).first()
    if thread is None:
        return _refuse(ctx, refusals.thread_gone(), user=user)
    if not _body_text(parsed) and not parsed.parts:
        return _refuse(ctx, refusals.empty_body(thread=thread), user=user)
    if not sent_by(user, ctx.sender):
        # The address is the credential, but a notification forwarded to a colleague carries
        # it too: mail from an address that is not the member's waits for their confirmation.
        return _hold(ctx, user=user, community=thread.community, thread=thread)
    return _published(ctx, parsed, user=user, community=thread.community, thread=thread)


def clean_title(subject: str) -> str:
    """A thread title from a subject: without Re:/Fwd: prefixes and [list] tags."""
    return SUBJECT_PREFIX_RE.sub("", subject or "").strip()[: Thread._meta.get_field("title").max_length]


def member_for_address(address: str):
    """The member whose verified primary address this is, or None."""
    found = (
        EmailAddress.objects.filter(email__iexact=address, verified=True, primary=True, user__is_active=True)
        .select_related("user")
        .first()
    )
    return found.user if found else None


def _community(ctx: InboundContext, parsed: parsing.Parsed, route: CommunityRoute) -> Outcome:
    user = member_for_address(ctx.sender) if ctx.sender else None
    with _in_language_of(user):
        return _community_as(ctx, parsed, route, user)


def _community_as(ctx: InboundContext, parsed: parsing.Parsed, route: CommunityRoute, user) -> Outcome:
    community = Community.objects.filter(slug=route.slug).first()
    if user is None and authentication.sender_failed(ctx.message, ctx.sender):
        # Our MTA says the From is forged: answering would mail whoever was impersonated.
        return _finish(ctx, InboundStatus.REFUSED, "Unknown sender whose From failed DMARC; not answered.")
    if community is None or (community.visibility == "hidden" and not refusals.is_member(user, community)):
        return _refuse(ctx, refusals.unknown_address(ctx.recipient))  # a hidden community is not revealed
    if user is None:
        return _refuse(ctx, refusals.unknown_sender(community))
    if (refusal := refusals.cannot_start_thread(user, community)) is not None:
        return _refuse(ctx, refusal, user=user)
    # "Reply to list" answers a list email at the community address: it names our post in
    # In-Reply-To / References, and goes to that thread, not into a new one.
    thread = _answered_thread(parsed, user=user, community=community)
    if thread is None and not clean_title(parsed.subject):
        return _refuse(ctx, refusals.empty_subject(community), user=user)
    if not _body_text(parsed) and not parsed.parts:
        return _refuse(ctx, refusals.empty_body(community=community, thread=thread), user=user)
    if not authentication.sender_authenticated(ctx.message, ctx.sender):
        return _hold(ctx, user=user, community=community, thread=thread)
    return _published(ctx, parsed, user=user, community=community, thread=thread)


def _answered_thread(parsed: parsing.Parsed, *, user, community) -> Thread | None:
    """The thread of this community whose post the message answers, if `user` may see it."""
    ids = post_ids_from_references(*(f"<{reference}>" for reference in parsed.references))
    if not ids:
        return None
    visible = Thread.objects.visible_to(user).filter(community=community)
    found = dict(Post.objects.filter(pk__in=ids, deleted_at=None, thread__in=visible).values_list("pk", "thread_id"))
    thread_id = next((found[pk] for pk in ids if pk in found), None)
    return Thread.objects.select_related("community").get(pk=thread_id) if thread_id else None


def _hold(ctx: InboundContext, *, user, community, thread: Thread | None = None) -> Outcome:
    """Keep the message until `user` confirms they sent it (the From alone proves nothing)."""
    try:
        with transaction.atomic():
            record = ctx.record(InboundStatus.HELD, "Waiting for the member to confirm they sent it.", user=user)
            held = HeldMessage.objects.create(
                inbound=record, user=user, community=community, reply_to=thread, raw=ctx.raw
            )
            record.answer = confirmation_answer(held)
            record.save(update_fields=["answer"])
            answers.answer_queue(record, user=user)
    except IntegrityError:
        return _already_received(ctx) or Outcome(DUPLICATE, "Already received.")
    return Outcome(InboundStatus.HELD, record.detail, inbound_id=record.pk)
