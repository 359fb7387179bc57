"""Email to members: preferences, signed unsubscribe links, the one sender every member email
goes through, and the claim/finish steps that make each recorded email go out at most once.

Every member email (notifications, digests, reminders, coordinator alerts) is sent by
`send_member_email`, so each one has an HTML and a text part, a link to the preferences page,
and the List-Unsubscribe / List-Unsubscribe-Post headers (RFC 8058 one-click) with a signed
token that works without signing in. Account emails (password reset, address confirmation)
are allauth's and are not member email: nobody can unsubscribe from them.

When email-in is on, the email gateway (which sits above every app) registers a MailRouting
here: member email then carries a Reply-To for the thread it is about and a per-member
envelope sender (VERP) for bounces, and notification emails learn which thread each item is
about. Unsubscribe scopes about one object ("list:<community id>") are registered the same way.
"""

import functools
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import pgettext, pgettext_lazy

from cop_platform.email import absolute_url, render_templated_email

from .bouncing import bouncing_user_ids, deliveries_skip_bouncing
from .language import in_recipients_language
from .models import DeliveryState, DigestFrequency, EmailChoice, EmailDelivery, EmailPreferences, User

logger = logging.getLogger(__name__)
UNSUBSCRIBE_SALT = "members.unsubscribe"
# What a database that is restarting or unreachable raises, on connect or on a query.
DATABASE_DOWN = (OperationalError, InterfaceError)
# Scopes an unsubscribe link can carry, and what each one turns off. "community:<id>" mutes
# one community (a registry filled by communities, which sits above members).
PREFERENCE_SCOPES = {
    "all": pgettext_lazy(
        "unsubscribe from", "all email from us except account emails (password resets, address confirmation)"
    ),
    "digest": pgettext_lazy("unsubscribe from", "your digest"),
    "notifications": pgettext_lazy("unsubscribe from", "emails about replies and mentions"),
    "replies": pgettext_lazy("unsubscribe from", "emails about replies to your posts and threads"),
    "mentions": pgettext_lazy("unsubscribe from", "emails when someone mentions you"),
    "events": pgettext_lazy("unsubscribe from", "emails when a place opens up for you at an event"),
    "reminders": pgettext_lazy("unsubscribe from", "welcome emails and reminders when you have been away"),
    "coordinator_alerts": pgettext_lazy(
        "unsubscribe from", "coordinator alerts (waiting join requests, unanswered questions, flags)"
    ),
}


# --- Preferences -------------------------------------------------------------------------------


def preferences_for(user) -> EmailPreferences:
    """The member's preferences: their row, or an unsaved instance with the defaults when they
    never changed anything (nothing is written for them)."""
    try:
        return EmailPreferences.objects.get(user_id=user.pk)
    except EmailPreferences.DoesNotExist:
        return EmailPreferences(user_id=user.pk)


def preferences_for_many(user_ids: Iterable[int]) -> dict[int, EmailPreferences]:
    """Preferences of many members in one query; defaults for those without a row."""
    user_ids = list(user_ids)
    found = {prefs.user_id: prefs for prefs in EmailPreferences.objects.filter(user_id__in=user_ids)}
    return {user_id: found.get(user_id) or EmailPreferences(user_id=user_id) for user_id in user_ids}


def preferences_save(*, actor, user, **fields) -> EmailPreferences:
    """Change `user`'s email preferences (the member themself or staff). Fields are any of the
    EmailPreferences fields; unknown ones are refused so a typo never silently does nothing,
    and values outside their choices raise ValidationError before anything is written."""
    if actor is None or not actor.is_authenticated or (actor.pk != user.pk and not actor.is_staff):
        raise PermissionDenied
    allowed = {field.name for field in EmailPreferences._meta.fields} - {"user", "updated_at"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"Unknown email preference(s): {', '.join(sorted(unknown))}")
    checked = preferences_for(user)
    for name, value in fields.items():
        setattr(checked, name, value)
    checked.full_clean(exclude=["user"], validate_unique=False, validate_constraints=False)
    # update_or_create, not save(): two first saves at once must not both insert the row.
    prefs, _ = EmailPreferences.objects.update_or_create(user_id=user.pk, defaults=fields)
    return prefs


# --- Community scopes (filled by communities: members cannot import it) -------------------------


@dataclass(frozen=True)
class CommunityMuting:
    """How members reaches per-community mutes, which live on communities.Membership."""

    name_of: Callable[[object, int], str | None]  # (user, community_id) -> its name if user is a member
    set_muted: Callable[[object, int, bool], bool]  # (user, community_id, muted) -> done?
    muted_ids: Callable[[Iterable[int]], dict[int, set[int]]]  # user ids -> muted community ids


_registry: dict[str, CommunityMuting] = {}


def register_community_muting(muting: CommunityMuting) -> None:
    _registry["community"] = muting


def _muting() -> CommunityMuting | None:
    return _registry.get("community")


def muted_community_ids(user_ids: Iterable[int]) -> dict[int, set[int]]:
    """{user_id: ids of the communities they muted} for every given user (one query)."""
    user_ids = list(user_ids)
    found = _muting().muted_ids(user_ids) if _muting() else {}
    return {user_id: set(found.get(user_id, ())) for user_id in user_ids}


# --- Email participation (filled by email_gateway: members cannot import it) --------------------


@dataclass(frozen=True)
class PrefixedScope:
    """An unsubscribe scope about one object, "<prefix>:<id>" (e.g. "list:<community id>" for
    mailing-list mode), registered by an app above members in its ready()."""

    describe: Callable[[object, int], str | None]  # (user, id) -> what it stops, None if gone
    set_off: Callable[[object, int, bool], bool]  # (user, id, off) -> done?
    all_off: Callable[[object], None] | None = None  # unsubscribing from "all" turns it off too


_prefixed_scopes: dict[str, PrefixedScope] = {}


def register_prefixed_scope(prefix: str, scope: PrefixedScope) -> None:
    _prefixed_scopes[prefix] = scope


def _prefixed(scope: str) -> tuple[PrefixedScope, int] | None:
    prefix, _, rest = scope.partition(":")
    handler = _prefixed_scopes.get(prefix)
    return (handler, int(rest)) if handler is not None and rest.isdigit() else None


@dataclass(frozen=True)
class MailRouting:
    """How member email reaches the email gateway's addresses (all None when email-in is off):
    the Reply-To that lets a member answer a thread by email, the envelope sender (VERP) that
    makes a bounce name its member, and which threads notifications are about."""

    email_in: Callable[[], bool]  # is email-in on (INBOUND_EMAIL_DOMAIN set)?
    reply_address: Callable[..., str | None]  # (user, thread_id, generation=) -> address
    generations: Callable[[list[int]], dict[int, int]]  # user ids -> generation (one query)
    envelope_sender: Callable[[object], str | None]  # (user) -> bounces+...@domain
    # (notifications) -> {notification id: (thread id, thread title)} for those about a thread
    notification_threads: Callable[[list], dict[int, tuple[int, str]]]
    # (user, notifications) -> ids of those whose post the member already gets by list mail
    sent_as_list_mail: Callable[[object, list], set[int]]


_routing: dict[str, MailRouting] = {}


def register_mail_routing(routing: MailRouting) -> None:
    _routing["gateway"] = routing


def mail_routing() -> MailRouting | None:
    return _routing.get("gateway")


def reply_mailto(address: str | None, title: str) -> str:
    """A mailto: link that opens a reply to `address` with "Re: <title>" as its subject."""
    if not address:
        return ""
    return f"mailto:{address}?{urlencode({'subject': f'Re: {title}'}, quote_via=quote)}"


def _route(message, user, reply_thread_id: int | None, generation: int | None):
    """Reply-To (the member's address for the thread) and the envelope sender, when email-in
    is on. The envelope sender is `from_email` with the visible From kept in a From header:
    Django's SMTP backend sends MAIL FROM from_email, and anymail reads the pair the same way
    (From header shown, from_email the envelope). ESP backends (anymail) bounce through their
    own return path and report bounces to the tracking webhook, and many refuse a custom
    envelope sender, so VERP is set only for the other backends."""
    routing = mail_routing()
    if routing is None:
        return message
    if reply_thread_id is not None:
        address = routing.reply_address(user, reply_thread_id, generation=generation)
        if address:
            message.reply_to = [address]
    sender = routing.envelope_sender(user)
    if sender and not settings.EMAIL_BACKEND.startswith("anymail."):
        message.extra_headers.setdefault("From", message.from_email)
        message.from_email = sender
    return message


# --- Unsubscribe tokens ------------------------------------------------------------------------


def _community_id_of(scope: str) -> int | None:
    prefix, _, rest = scope.partition(":")
    return int(rest) if prefix == "community" and rest.isdigit() else None


# Scopes that higher apps add (events: "event_reminders"), with how each turns off and on again;
# "all" turns them off too. Filled in AppConfig.ready(), like the community muting above.
@dataclass(frozen=True)
class ExtraScope:
    what: str  # what unsubscribing stops, in words
    off: Callable[[object], None]  # (user) -> None
    on: Callable[[object], None]


_extra_scopes: dict[str, ExtraScope] = {}


def register_scope(name: str, scope: ExtraScope) -> None:
    _extra_scopes[name] = scope


def is_valid_scope(scope: str) -> bool:
    return (
        scope in PREFERENCE_SCOPES
        or scope in _extra_scopes
        or _community_id_of(scope) is not None
        or _prefixed(scope) is not None
    )


def unsubscribe_token(user, scope: str) -> str:
    """A signed token naming the member and what to unsubscribe them from. It never expires
    (an unsubscribe link in a years-old email must still work) and cannot be altered."""
    if not is_valid_scope(scope):
        raise ValueError(f"Unknown unsubscribe scope {scope!r}")
    return signing.dumps({"u": user.pk, "s": scope}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[User, str] | None:
    """(member, scope) from a token, or None when it was tampered with, is malformed or names
    someone who no longer exists."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user_id, scope = int(data["u"]), str(data["s"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if not is_valid_scope(scope):
        return None
    user = User.objects.filter(pk=user_id).first()
    return (user, scope) if user else None


def unsubscribe_url(user, scope: str) -> str:
    return absolute_url(reverse("members:unsubscribe", kwargs={"token": unsubscribe_token(user, scope)}))


def describe_scope(user, scope: str) -> str | None:
    """What unsubscribing from `scope` stops, in words; None when it no longer applies (the
    member left the community)."""
    if (community_id := _community_id_of(scope)) is not None:
        name = _muting().name_of(user, community_id) if _muting() else None
        return pgettext("unsubscribe from", "all email about %(community)s") % {"community": name} if name else None
    if (prefixed := _prefixed(scope)) is not None:
        return prefixed[0].describe(user, prefixed[1])
    if scope in _extra_scopes:
        return _extra_scopes[scope].what
    return PREFERENCE_SCOPES.get(scope)


_OFF_BY_SCOPE = {
    "digest": {"digest_frequency": DigestFrequency.OFF},
    "replies": {"replies": EmailChoice.OFF},
    "mentions": {"mentions": EmailChoice.OFF},
    "events": {"events": EmailChoice.OFF},
    "reminders": {"reminders": False},
    "coordinator_alerts": {"coordinator_alerts": False},
}
_OFF_BY_SCOPE["notifications"] = {**_OFF_BY_SCOPE["replies"], **_OFF_BY_SCOPE["mentions"]}
_OFF_BY_SCOPE["all"] = {key: value for fields in _OFF_BY_SCOPE.values() for key, value in fields.items()}
_ON_BY_SCOPE = {
    scope: {name: EmailPreferences._meta.get_field(name).default for name in fields}
    for scope, fields in _OFF_BY_SCOPE.items()
}


def unsubscribe(*, user, scope: str) -> bool:
    """Turn off what `scope` covers for `user`. The signed token is the authority (the member
    need not be signed in), so this takes no actor. Doing it twice changes nothing more."""
    if (community_id := _community_id_of(scope)) is not None:
        return bool(_muting() and _muting().set_muted(user, community_id, True))
    if (prefixed := _prefixed(scope)) is not None:
        return prefixed[0].set_off(user, prefixed[1], True)
    if scope in _extra_scopes:
        _extra_scopes[scope].off(user)
        return True
    preferences_save(actor=user, user=user, **_OFF_BY_SCOPE[scope])
    if scope == "all":
        for handler in _prefixed_scopes.values():
            if handler.all_off is not None:
                handler.all_off(user)
        for extra in _extra_scopes.values():
            extra.off(user)
    return True


def resubscribe(*, user, scope: str) -> bool:
    """Undo `unsubscribe` (back to the defaults for what `scope` covers)."""
    if (community_id := _community_id_of(scope)) is not None:
        return bool(_muting() and _muting().set_muted(user, community_id, False))
    if (prefixed := _prefixed(scope)) is not None:
        return prefixed[0].set_off(user, prefixed[1], False)
    if scope in _extra_scopes:
        _extra_scopes[scope].on(user)
        return True
    preferences_save(actor=user, user=user, **_ON_BY_SCOPE[scope])
    if scope == "all":
        for extra in _extra_scopes.values():
            extra.on(user)
    return True


# --- Sending -----------------------------------------------------------------------------------


def member_email_headers(user, scope: str, *, unsubscribe: str | None = None) -> dict[str, str]:
    """`unsubscribe`: the member's unsubscribe_url(user, scope) when the caller has it already
    (signing it costs more than the rest of the headers)."""
    return {
        "List-Unsubscribe": f"<{unsubscribe or unsubscribe_url(user, scope)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        # RFC 3834: no vacation auto-replies to a notification nobody reads.
        "Auto-Submitted": "auto-generated",
    }


@in_recipients_language
def render_member_email(
    *,
    user,
    template: str,
    context: dict,
    scope: str,
    connection=None,
    headers: dict | None = None,
    reply_thread_id: int | None = None,
    generation: int | None = None,
    subject: str | None = None,
):
    """The message `send_member_email` sends, or None for members we never email. `headers`
    add to, replace or (None) drop the usual ones; `reply_thread_id` sets Reply-To to the
    member's reply address for that thread when email-in is on (`generation` saves a lookup);
    `subject` replaces the template's, without the site prefix (list mail has its own)."""
    if not user.is_active or not user.email:
        return None
    unsubscribe = unsubscribe_url(user, scope)  # one signature, for the footer and the header
    context = {
        "recipient": user,
        "preferences_url": absolute_url(reverse("members:settings_notifications")),
        "unsubscribe_url": unsubscribe,
        **context,
    }
    if "unsubscribe_what" not in context:  # callers that know it save describe_scope's query
        context["unsubscribe_what"] = describe_scope(user, scope) or "these emails"
    message = render_templated_email(
        to=[user.email],
        template=template,
        context=context,
        headers={
            name: value
            for name, value in {**member_email_headers(user, scope, unsubscribe=unsubscribe), **(headers or {})}.items()
            if value is not None  # None drops a usual header (list mail is not Auto-Submitted)
        },
        connection=connection,
    )
    if subject:
        message.subject = subject
    return _route(message, user, reply_thread_id, generation)


def send_member_email(*, user, template: str, context: dict, scope: str, connection=None) -> int:
    """Send one member email (templates extend email/base.html and email/base.txt). Returns 1
    when sent, 0 for inactive members and members without an address. SMTP errors propagate
    so the calling task retries. Nothing is sent to an address that bounces (returns 0)."""
    if bouncing_user_ids([user]):
        return 0
    message = render_member_email(user=user, template=template, context=context, scope=scope, connection=connection)
    return message.send() if message is not None else 0


# --- Delivery records --------------------------------------------------------------------------


def _claim_timeout() -> timedelta:
    return timedelta(seconds=getattr(settings, "EMAIL_CLAIM_TIMEOUT", 600))


def _claimable(now) -> Q:
    """Pending, or sending but claimed longer ago than EMAIL_CLAIM_TIMEOUT (its worker died)."""
    return Q(state=DeliveryState.PENDING) | Q(state=DeliveryState.SENDING, claimed_at__lt=now - _claim_timeout())


def claim_deliveries(delivery_ids: Iterable[int]) -> list[EmailDelivery]:
    """Take many deliveries for sending at once (state sending, attempts + 1) and return the
    ones this call took, with their recipients, by id. Of two workers racing for the same rows
    each row goes to one of them: on Postgres the rows are locked with SKIP LOCKED before the
    update; SQLite has one writer at a time, and the claimed_at stamp tells which rows are ours.
    Deliveries to an address that bounces are finished as skipped and not returned."""
    now = timezone.now()
    ids = list(delivery_ids)
    claim = {"state": DeliveryState.SENDING, "claimed_at": now, "attempts": F("attempts") + 1}
    with transaction.atomic():
        claimable = EmailDelivery.objects.filter(_claimable(now), pk__in=ids)
        if connection.features.has_select_for_update_skip_locked:
            ids = list(claimable.select_for_update(skip_locked=True).values_list("pk", flat=True))
            EmailDelivery.objects.filter(pk__in=ids).update(**claim)
        else:
            claimable.update(**claim)
            ids = list(
                EmailDelivery.objects.filter(pk__in=ids, state=DeliveryState.SENDING, claimed_at=now).values_list(
                    "pk", flat=True
                )
            )
    claimed = list(EmailDelivery.objects.filter(pk__in=ids).select_related("recipient").order_by("pk"))
    # Not to an address that bounces: finished here as skipped, saying why (members/bouncing.py).
    return deliveries_skip_bouncing(claimed)


def claim_delivery(delivery_id: int) -> EmailDelivery | None:
    """Take one delivery for sending (see claim_deliveries); None when another worker has it,
    it is finished, or it was skipped because the address bounces."""
    claimed = claim_deliveries([delivery_id])
    return claimed[0] if claimed else None


def finish_delivery(delivery: EmailDelivery, *, state: str, subject: str = "", summary: str = "", error: str = ""):
    """Record how a claimed delivery ended: sent, skipped (nothing to say / opted out), failed
    for good, or back to pending (a failure that will be retried)."""
    delivery.state = state
    delivery.subject = subject[:300] or delivery.subject
    delivery.summary = summary[:300] or delivery.summary
    delivery.error = error[:300]
    delivery.sent_at = timezone.now() if state == DeliveryState.SENT else delivery.sent_at
    # One plain UPDATE by id, the statement save(update_fields=...) makes, without the ORM's
    # compiling of it each time: that cost four times the statement itself, and a digest run
    # records one of these right after each message the mail server accepts.
    with connection.cursor() as cursor:
        cursor.execute(
            _finish_sql(),
            [
                delivery.state,
                delivery.subject,
                delivery.summary,
                delivery.error,
                connection.ops.adapt_datetimefield_value(delivery.sent_at),
                delivery.pk,
            ],
        )
    return delivery


_FINISHED_FIELDS = ("state", "subject", "summary", "error", "sent_at")


@functools.cache
def _finish_sql() -> str:
    quote, meta = connection.ops.quote_name, EmailDelivery._meta
    assignments = ", ".join(f"{quote(meta.get_field(name).column)} = %s" for name in _FINISHED_FIELDS)
    # Names from the model, values as parameters.
    return f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608


def through_database_outage(step: Callable):
    """Run one database step of a send, riding out a database restart: on a lost or refused
    connection, close it (Django reconnects on the next query) and try again, for up to
    EMAIL_DB_OUTAGE_PATIENCE seconds. Recording "sent" after the mail server accepted a message
    must not be lost to a restart of a few seconds: the email would stay claimed, and go out a
    second time once its claim timed out. Steps given here must be safe to run twice (they set
    a state, they do not add to it). Inside an outer transaction (a test's) nothing can be
    retried: the error goes up at once."""
    deadline = time.monotonic() + settings.EMAIL_DB_OUTAGE_PATIENCE
    pause = 0.25
    while True:
        try:
            return step()
        except DATABASE_DOWN as error:
            if connection.in_atomic_block or time.monotonic() + pause > deadline:
                raise
            logger.warning("Database unavailable while sending email, retrying in %.2fs: %s", pause, error)
            try:
                connection.close()
            except DatabaseError:
                pass  # it was broken already: closing it was all we wanted
            time.sleep(pause)
            pause = min(pause * 2, 4.0)


def send_claimed_delivery(delivery: EmailDelivery, message, *, summary: str, last_try: bool = False) -> str:
    """Send the message of a delivery this worker claimed, and record how it ended: sent
    (recorded through a database restart, so an accepted email is never sent twice), skipped
    when there is no message (no active address), or back to pending (failed for good on the
    last try) with the error, which goes up so the calling task retries."""
    if message is None:
        finish_delivery(delivery, state=DeliveryState.SKIPPED, summary="No active address")
        return DeliveryState.SKIPPED
    try:
        message.send()
    except Exception as error:
        state = DeliveryState.FAILED if last_try else DeliveryState.PENDING
        finish_delivery(delivery, state=state, subject=message.subject, error=f"{type(error).__name__}: {error}")
        raise
    through_database_outage(
        lambda: finish_delivery(delivery, state=DeliveryState.SENT, subject=message.subject, summary=summary)
    )
    return DeliveryState.SENT


PRUNE_BATCH = 5_000


def deliveries_prune(*, older_than_days: int) -> int:
    """Delete sent, skipped and failed deliveries created more than `older_than_days` ago, in
    batches (short transactions on a large table). Pending and sending rows are never touched:
    the recovery tasks still need them. Returns how many were deleted."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    finished = EmailDelivery.objects.filter(
        created_at__lt=cutoff, state__in=[DeliveryState.SENT, DeliveryState.SKIPPED, DeliveryState.FAILED]
    )
    deleted = 0
    while ids := list(finished.values_list("pk", flat=True)[:PRUNE_BATCH]):
        deleted += EmailDelivery.objects.filter(pk__in=ids).delete()[1].get("members.EmailDelivery", 0)
    return deleted
