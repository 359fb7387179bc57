"""Bounces of our email: when an address bounces we stop emailing it, and tell the member.

What reads a bounce message is email_gateway.bounces (it sits above us); it hands us what it
read through `bounce_record`, which applies the rules:

- a permanent failure (RFC 3463 status 5.x.x) marks the address bouncing at once;
- transient ones (4.x.x, or "delayed") count, and EMAIL_BOUNCE_SOFT_LIMIT of them (3) within
  EMAIL_BOUNCE_SOFT_WINDOW_DAYS (7) mark it bouncing; delay warnings about one message of ours
  count once;
- a bounce for an address that is no longer the member's is recorded and changes nothing;
- each bounce counts once (EmailBounce is unique per member and key).

The state is keyed to the address (EmailBounceState), and copied to User.bouncing_email so that
the checks on every page and every email batch cost no query for members whose email is fine
(one, to confirm against the state, when the copy says bouncing). While the member's current
address is bouncing:

- member email (notifications, digests, reminders, mailing-list mode: everything recorded as an
  EmailDelivery) is skipped, with a summary that says why (`deliveries_skip_bouncing`, called
  by members.mailing.claim_deliveries). Account emails (password reset, address confirmation)
  still go: they are how a member fixes their address;
- every page shows them a banner (`context`, templates/members/partials/_bounce_notice.html)
  with "It's fixed, send again" (`bouncing_clear`). Confirming an address or changing it
  through allauth clears it too (receivers wired in MembersConfig.ready()).
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext, gettext_noop

from .data_export.registry import ExportSection
from .models import BounceKind, BounceOutcome, DeliveryState, EmailBounce, EmailBounceState, EmailDelivery, User

logger = logging.getLogger(__name__)
SKIPPED_SUMMARY = "Not sent: email to the member's address bounces (they were told on the site)"
SPAM_STATUS = "spam"  # the status of a spam complaint reported by a provider (email_gateway.tracking)


def soft_limit() -> int:
    return getattr(settings, "EMAIL_BOUNCE_SOFT_LIMIT", 3)


def soft_window() -> timedelta:
    return timedelta(days=getattr(settings, "EMAIL_BOUNCE_SOFT_WINDOW_DAYS", 7))


def _normal(address: str | None) -> str:
    return (address or "").strip().strip("<>").lower()


# --- Checks (no query) -------------------------------------------------------------------------


def is_bouncing(user) -> bool:
    """Whether our email to `user`'s current address bounces, as the user row says (no query).
    Senders confirm it with `bouncing_user_ids`."""
    bouncing = getattr(user, "bouncing_email", "")
    return bool(bouncing) and bouncing == _normal(user.email)


def bouncing_user_ids(users) -> set[int]:
    """Of `users`, those whose current address bounces. No query unless a user row says so;
    then one, to confirm it against EmailBounceState: the copy on the user row is written with
    UPDATE, and a full save() of a user loaded earlier (the admin, a password change) may put
    back an old value. A copy found stale is corrected; a lost one comes back with the next
    bounce."""
    flagged = {user.pk: user.bouncing_email for user in users if is_bouncing(user)}
    if not flagged:
        return set()
    confirmed = {
        user_id
        for user_id, address in EmailBounceState.objects.filter(
            user_id__in=list(flagged), bouncing_since__isnull=False
        ).values_list("user_id", "address")
        if flagged.get(user_id) == address
    }
    if stale := set(flagged) - confirmed:
        User.objects.filter(pk__in=stale).update(bouncing_email="")
    return confirmed


def deliveries_skip_bouncing(deliveries: list[EmailDelivery]) -> list[EmailDelivery]:
    """Of claimed deliveries (recipients selected with them), finish those to a bouncing address
    as skipped, with a summary saying why, and return the others, to send. No query when nobody
    in the batch bounces; else one to confirm and one UPDATE, whatever the batch size. Nothing
    is lost: the record stays, and the notifications in it stay on the Notifications page."""
    bouncing_ids = bouncing_user_ids([delivery.recipient for delivery in deliveries])
    if not bouncing_ids:
        return deliveries
    skipped = [delivery for delivery in deliveries if delivery.recipient_id in bouncing_ids]
    EmailDelivery.objects.filter(pk__in=[d.pk for d in skipped], state=DeliveryState.SENDING).update(
        state=DeliveryState.SKIPPED, summary=SKIPPED_SUMMARY, error=""
    )
    for delivery in skipped:
        delivery.state, delivery.summary = DeliveryState.SKIPPED, SKIPPED_SUMMARY
    logger.info("Skipped %d email(s) to bouncing addresses", len(skipped))
    return [delivery for delivery in deliveries if delivery.recipient_id not in bouncing_ids]


# --- Recording a bounce ------------------------------------------------------------------------


def _count_soft(state: EmailBounceState, now: datetime, new_original_id: str) -> int:
    """Transient failures of `state`'s address within the window and since it was last cleared,
    with the one being recorded: one per message of ours that came back (a bounce that names
    none counts by itself)."""
    since = now - soft_window()
    if state.cleared_at and state.cleared_at > since:
        since = state.cleared_at
    rows = EmailBounce.objects.filter(
        user_id=state.user_id, address=state.address, kind=BounceKind.TRANSIENT, received_at__gt=since
    ).values_list("pk", "original_id")
    messages = {original_id or f"bounce:{pk}" for pk, original_id in rows}
    messages.add(new_original_id or "this bounce")
    return len(messages)


def _mark(user, state: EmailBounceState, now: datetime) -> None:
    state.bouncing_since = state.bouncing_since or now
    User.objects.filter(pk=user.pk).update(bouncing_email=state.address)
    user.bouncing_email = state.address


def bounce_record(
    *,
    user,
    kind: str,
    address: str = "",
    status: str = "",
    detail: str = "",
    key: str,
    original_id: str = "",
) -> str:
    """Record one bounce of our email to `user` and apply the rules (module docstring). The
    acting party is the mail system (the bounces+ address was signed for this member), so
    there is no actor. `address` is the address that bounced as the bounce names it ("" when it
    names none: the member's current address). Returns the outcome (a BounceOutcome value), or
    "duplicate" when this bounce (same `key`) was recorded already."""
    now = timezone.now()
    key = key[:255]
    with transaction.atomic():
        # One bounce at a time per member: two arriving together must not both miss the limit.
        user = User.objects.select_for_update().get(pk=user.pk)
        if EmailBounce.objects.filter(user_id=user.pk, key=key).exists():
            return "duplicate"
        current = _normal(user.email)
        address = _normal(address) or current
        record = EmailBounce(
            user=user,
            address=address[:254],
            key=key,
            original_id=original_id[:255],
            kind=kind,
            status=status[:12],
            detail=" ".join(detail.split())[:300],
            received_at=now,
        )
        if kind == BounceKind.UNRECOGNISED:
            record.outcome = BounceOutcome.UNRECOGNISED
        elif not current or address != current:
            record.outcome = BounceOutcome.OLD_ADDRESS
        else:
            record.outcome = _apply(user, record, now)
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError:  # the same bounce, recorded by a racing worker meanwhile
            return "duplicate"
    logger.info("Bounce for member %s (%s %s): %s", user.pk, kind, status, record.outcome)
    return record.outcome


def _apply(user, record: EmailBounce, now: datetime) -> str:
    state, _ = EmailBounceState.objects.get_or_create(user_id=user.pk, address=record.address)
    already = state.bouncing_since is not None
    state.bounce_count += 1
    state.last_bounce_status = record.status
    state.last_bounce_detail = record.detail
    state.last_bounce_at = now
    outcome = BounceOutcome.ALREADY if already else BounceOutcome.COUNTED
    if record.kind == BounceKind.PERMANENT:
        if not already:
            _mark(user, state, now)
            outcome = BounceOutcome.MARKED
    else:
        state.soft_bounces = min(_count_soft(state, now, record.original_id), 32767)
        if not already and state.soft_bounces >= soft_limit():
            _mark(user, state, now)
            outcome = BounceOutcome.MARKED
    if already and user.bouncing_email != state.address:
        _mark(user, state, now)  # the copy on the user row was lost: put it back
    state.save()
    return outcome


def bounces_prune(*, older_than_days: int) -> int:
    """Forget bounce records older than the email log (they only count within days). The state
    of each address (EmailBounceState) keeps its last status and whether it bounces."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    return EmailBounce.objects.filter(received_at__lt=cutoff).delete()[0]


# --- Clearing ----------------------------------------------------------------------------------


def bouncing_clear(*, actor, user, address: str | None = None) -> bool:
    """The member (or staff) says their address works again: email to it resumes, the banner
    goes, and transient failures so far no longer count. `address` limits it to one address (a
    confirmation reached it); without it, every address of theirs is cleared. Returns whether
    anything was bouncing."""
    if actor is None or not actor.is_authenticated or (actor.pk != user.pk and not actor.is_staff):
        raise PermissionDenied
    now = timezone.now()
    states = EmailBounceState.objects.filter(user_id=user.pk)
    if address is not None:
        states = states.filter(address=_normal(address))
    with transaction.atomic():
        was_bouncing = states.filter(bouncing_since__isnull=False).exists()
        states.update(bouncing_since=None, soft_bounces=0, cleared_at=now)
        users = User.objects.filter(pk=user.pk).exclude(bouncing_email="")
        if address is not None:
            users = users.filter(bouncing_email=_normal(address))
        if users.update(bouncing_email=""):
            user.bouncing_email = ""
    if was_bouncing:
        logger.info("Bouncing state of member %s cleared by %s", user.pk, actor.pk)
    return was_bouncing


def on_email_confirmed(sender, request=None, email_address=None, **kwargs):
    """allauth: an address was confirmed, so our mail reaches it (the confirmation did)."""
    if email_address is not None and email_address.user_id:
        user = User.objects.filter(pk=email_address.user_id).first()
        if user is not None:
            bouncing_clear(actor=user, user=user, address=email_address.email)


def on_email_changed(sender, request=None, user=None, **kwargs):
    """allauth: the member changed their address; they start clean."""
    if user is not None and user.pk:
        bouncing_clear(actor=user, user=user)


# --- The member's data export -----------------------------------------------------------------


def export_bounces(user, archive):
    """Every bounce of our email to the member we recorded, as read (data export section)."""
    rows = EmailBounce.objects.filter(user_id=user.pk).order_by("received_at", "pk")
    for bounce in rows.iterator(chunk_size=500):
        yield {
            "address": bounce.address,
            "kind": bounce.kind,
            "status": bounce.status,
            "detail": bounce.detail,
            "outcome": bounce.outcome,
            "received_at": bounce.received_at,
        }


EXPORT_SECTION = ExportSection(
    "email_bounces", gettext_noop("bounces of our emails to you, and what they changed"), export_bounces, order=85
)


# --- What the member sees ----------------------------------------------------------------------


@dataclass(frozen=True)
class BounceNotice:
    address: str  # masked: "a…@example.org"
    since: datetime
    reason: str


def mask(address: str) -> str:
    """ "amira@example.org" -> "a…@example.org": enough for the member to recognise it, on a
    page a shoulder-surfer or a screenshot may see."""
    local, at, domain = address.rpartition("@")
    if not at:
        return "…"
    return f"{local[:1]}…@{domain}"


def reason_of(status: str, detail: str) -> str:
    """The reason shown to the member, in words first, with the mail server's own code."""
    if status == SPAM_STATUS:
        return gettext("you marked our email as spam")
    words = {
        "5.1.1": gettext_noop("the mailbox does not exist"),
        "5.1.2": gettext_noop("the mail domain does not exist"),
        "5.1.10": gettext_noop("the mailbox does not exist"),
        "5.2.1": gettext_noop("the mailbox is disabled"),
        "5.2.2": gettext_noop("the mailbox is full"),
        "4.2.2": gettext_noop("the mailbox is full"),
        "5.4.1": gettext_noop("the receiving server refused it"),
        "5.7.1": gettext_noop("the receiving server refused it"),
        "4.4.1": gettext_noop("the receiving server could not be reached"),
        "4.4.7": gettext_noop("it could not be delivered in time"),
    }.get(status)
    if words is None:
        words = (
            gettext_noop("it could not be delivered")
            if status.startswith("5")
            else gettext_noop("it was delayed repeatedly")
        )
    words = gettext(words)
    return f"{words}: {status}" if status else words


def bounce_notice(user) -> BounceNotice | None:
    """What the banner says to `user`, or None. A query only for a member whose address bounces."""
    if user is None or not user.is_authenticated or not is_bouncing(user):
        return None
    state = (
        EmailBounceState.objects.filter(user_id=user.pk, address=user.bouncing_email, bouncing_since__isnull=False)
        .only("address", "bouncing_since", "last_bounce_status", "last_bounce_detail")
        .first()
    )
    if state is None:
        return None
    return BounceNotice(
        address=mask(state.address),
        since=state.bouncing_since,
        reason=reason_of(state.last_bounce_status, state.last_bounce_detail),
    )


def context(request):
    """Template context processor: `bounce_notice` for the banner in base.html (lazy: pages that
    never reach the banner, and members whose email is fine, pay nothing)."""
    user = getattr(request, "user", None)
    return {"bounce_notice": SimpleLazyObject(lambda: bounce_notice(user) or False)}
