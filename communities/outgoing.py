"""The one loop every planned email goes through: claim, send, finish.

Digests and reminders are planned as EmailDelivery rows first (unique per recipient and key:
a second beat tick or a racing worker plans nothing new). A send task then takes a batch of
delivery ids, has the content of the whole batch prepared at once, and for each delivery:

1. claims the batch (pending -> sending, committed; members.mailing.claim_deliveries), leaving
   out what another worker has or what is finished;
2. sends each claimed one over the batch's one SMTP connection;
3. finishes each (sending -> sent) right after the server accepted it.

Why every member gets exactly one email even when a worker is killed mid-run (the kill test
in tests/engagement/test_with_worker.py):
- a delivery is only ever sent by the worker that claimed it, and a claim is exclusive (rows
  locked with SKIP LOCKED on Postgres, then updated), so two workers never send the same one;
- what a killed worker had not sent stays pending (never claimed) or sending (claimed):
  the recovery task (`deliveries_recover`) queues both again, and a claim older than
  EMAIL_CLAIM_TIMEOUT may be taken again, so nothing is lost;
- a message the SMTP server accepted is marked sent by the very next statement, with nothing
  (no rendering, no other query) in between. The only way to send twice is to die in that
  instant between the server's "250 OK" and our UPDATE; plain SMTP cannot close it (the
  server cannot take part in our transaction). Everything else (rendering the next message,
  its MAIL command) happens after that UPDATE, so a worker killed while waiting on the
  network, which is where a crash almost always lands and where the kill test kills it (the
  sink is holding the next message), has recorded every message the server accepted.

Faults of the servers around the loop (tests/faults/):
- the database restarting mid-batch: every database step of the loop rides it out
  (`through_database_outage`: close the broken connection, reconnect, retry for up to
  EMAIL_DB_OUTAGE_PATIENCE seconds), so a message the mail server accepted is still recorded
  sent, and the rest of the batch goes on once the database is back;
- the mail server refusing connections: the whole batch goes back to pending at once,
  without counting an attempt against any delivery, and the task retries with backoff.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import get_connection
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db import connection as db_connection
from django.db.models import F, Q
from django.utils import timezone

from members.language import prepared_in_each_language
from members.mailing import (
    DATABASE_DOWN,
    claim_deliveries,
    finish_delivery,
    render_member_email,
    through_database_outage,
)
from members.models import DeliveryState, EmailDelivery
from members.notifications import notifications_mark_emailed

from .models import Membership, MembershipState

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


@dataclass
class PreparedEmail:
    template: str
    context: dict
    scope: str
    summary: str
    notification_ids: list[int] = field(default_factory=list)  # marked emailed once it is sent
    # Mailing-list mail (email_gateway): its own headers and subject, and the thread a reply
    # by email goes to (Reply-To, when email-in is on; `generation` saves a lookup per email).
    headers: dict = field(default_factory=dict)
    subject: str = ""
    reply_thread_id: int | None = None
    generation: int | None = None


def communities_emailed_about(user_ids) -> dict[int, list[int]]:
    """{member id: ids of the communities our email may tell them about}, in id order (one
    query): where they are an active member (what content_visible_to grants them) and did
    not mute email."""
    found: dict[int, list[int]] = {user_id: [] for user_id in user_ids}
    rows = (
        Membership.objects.filter(user_id__in=list(found), state=MembershipState.ACTIVE, email_muted=False)
        .order_by("community_id")
        .values_list("user_id", "community_id")
    )
    for user_id, community_id in rows:
        found[user_id].append(community_id)
    return found


# prepare(deliveries) -> {delivery id: PreparedEmail, or None when there is nothing to send}
Prepare = Callable[[list[EmailDelivery]], dict[int, PreparedEmail | None]]
# build(deliveries of one kind, now) -> the same
Build = Callable[[list[EmailDelivery], datetime], dict[int, PreparedEmail | None]]

# The options of every task that plans or sends this email (digests, reminders, event email,
# mailing-list mail). A mail server or database that is down is retried with backoff (1, 2,
# 4 ... s, at most 5 min apart, jittered): mail goes out within minutes of its return, for an
# outage of up to about 40 minutes; past that the recovery tasks queue what is still pending.
SEND_TASK_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "autoretry_for": (OSError, SMTPException, OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 14,
}


def prepare_by_kind(builders: dict[str, Build], deliveries: list[EmailDelivery]) -> dict[int, PreparedEmail | None]:
    """Content of a batch, whatever its kinds (a recovered batch may mix them): each kind's
    deliveries go to `builders[kind]`, all with the same `now`."""
    now = timezone.now()
    prepared: dict[int, PreparedEmail | None] = {}
    for kind, builder in builders.items():
        of_kind = [delivery for delivery in deliveries if delivery.kind == kind]
        if of_kind:
            prepared.update(builder(of_kind, now))
    return prepared


def batches(delivery_ids: list[int]) -> Iterator[list[int]]:
    """`delivery_ids` in slices of DIGEST_BATCH_SIZE, one send task each."""
    size = settings.DIGEST_BATCH_SIZE
    for start in range(0, len(delivery_ids), size):
        yield delivery_ids[start : start + size]


def queue_in_batches(task, delivery_ids: list[int]) -> int:
    """Queue `task` once per batch of `delivery_ids`; returns how many ids were queued."""
    for batch in batches(delivery_ids):
        task.delay(delivery_ids=batch)
    return len(delivery_ids)


def stuck_deliveries(*, kinds, pending_after: int):
    """Deliveries of `kinds` a crash left behind: still pending `pending_after` seconds after
    they were planned (their task was lost), or claimed longer than EMAIL_CLAIM_TIMEOUT ago
    (their worker died mid-send). Queuing one that is in fact still on its way is harmless:
    only one claim succeeds."""
    now = timezone.now()
    return EmailDelivery.objects.filter(
        Q(state=DeliveryState.PENDING, created_at__lt=now - timedelta(seconds=pending_after))
        | Q(state=DeliveryState.SENDING, claimed_at__lt=now - timedelta(seconds=settings.EMAIL_CLAIM_TIMEOUT)),
        kind__in=list(kinds),
    )


def send_planned(delivery_ids: list[int], prepare: Prepare) -> dict[str, int]:
    """Send a batch of planned deliveries; returns how many ended in each state."""
    with _query_counter() as queries:
        deliveries = list(
            EmailDelivery.objects.filter(
                pk__in=delivery_ids, state__in=[DeliveryState.PENDING, DeliveryState.SENDING]
            ).select_related("recipient")
        )
        outcome = {"sent": 0, "skipped": 0, "taken": 0}
        if deliveries:
            with _commits_without_waiting_for_disk():
                _send_prepared(deliveries, prepared_in_each_language(prepare, deliveries), outcome)
    if settings.DIGEST_LOG_QUERIES:
        logger.warning(
            "email batch: %d deliveries, %d queries, outcome %s", len(delivery_ids), queries["count"], outcome
        )
    return outcome


def _send_prepared(deliveries, prepared, outcome) -> None:
    claimed = claim_deliveries([delivery.pk for delivery in deliveries])
    outcome["taken"] = len(deliveries) - len(claimed)
    smtp = get_connection()
    opened = False
    try:
        for delivery in claimed:
            email = prepared.get(delivery.pk)
            message = None
            if email is not None:
                message = through_database_outage(lambda d=delivery, e=email: _render(d, e, smtp))
            if message is None:  # nothing new, opted out, or no address
                through_database_outage(
                    lambda d=delivery: finish_delivery(d, state=DeliveryState.SKIPPED, summary="Nothing to send")
                )
                outcome["skipped"] += 1
                continue
            if not opened:
                try:
                    smtp.open()  # one connection for the whole batch
                except (OSError, SMTPException) as error:
                    _release_unreached(claimed, error)
                    raise
                opened = True
            try:
                message.send()
            except (OSError, SMTPException) as error:
                _release_after_failure(claimed, delivery, error)
                raise
            # Nothing between the server's acceptance and this commit (see the module docstring).
            through_database_outage(lambda d=delivery, m=message, e=email: _record_sent(d, m, e))
            outcome["sent"] += 1
    except DATABASE_DOWN:
        # The database stayed away longer than our patience: hand back what we had not sent,
        # if it answers at all, so the task's retry (not the claim timeout) picks it up.
        _release_quietly(claimed)
        raise
    finally:
        if opened:
            smtp.close()


def _render(delivery, email: PreparedEmail, smtp):
    return render_member_email(
        user=delivery.recipient,
        template=email.template,
        context=email.context,
        scope=email.scope,
        connection=smtp,
        headers=email.headers,
        subject=email.subject or None,
        reply_thread_id=email.reply_thread_id,
        generation=email.generation,
    )


def _record_sent(delivery, message, email: PreparedEmail) -> None:
    with transaction.atomic() if email.notification_ids else nullcontext():
        finish_delivery(delivery, state=DeliveryState.SENT, subject=message.subject, summary=email.summary)
        if email.notification_ids:
            notifications_mark_emailed(email.notification_ids, delivery=delivery)


def _release_unreached(claimed, error) -> None:
    """The mail server could not be reached at all: no message was tried, so the whole batch
    goes back to pending at once, without counting the attempt against any delivery (an outage
    is not a reason to give a member's email up), for the task's retry with backoff."""
    EmailDelivery.objects.filter(pk__in=[d.pk for d in claimed], state=DeliveryState.SENDING).update(
        state=DeliveryState.PENDING, attempts=F("attempts") - 1, error=f"{type(error).__name__}: {error}"[:300]
    )


def _release_quietly(claimed) -> None:
    """Back to pending what this batch claimed and did not finish, if the database answers.
    A delivery whose "sent" could not be recorded says sent in memory (finish_delivery sets it
    before saving) and is left claimed: releasing it would send it a second time."""
    try:
        EmailDelivery.objects.filter(
            pk__in=[d.pk for d in claimed if d.state == DeliveryState.SENDING], state=DeliveryState.SENDING
        ).update(state=DeliveryState.PENDING)
    except DatabaseError:
        logger.warning("Database still unavailable: claimed deliveries wait for EMAIL_CLAIM_TIMEOUT")


def _release_after_failure(claimed, failed, error) -> None:
    """The SMTP server refused a message or vanished: the failed delivery and the rest of the
    batch go back to pending for the task's retry (with backoff) or the recovery task; a
    delivery that failed MAX_ATTEMPTS times is given up as failed."""
    state = DeliveryState.FAILED if failed.attempts >= MAX_ATTEMPTS else DeliveryState.PENDING
    finish_delivery(failed, state=state, error=f"{type(error).__name__}: {error}")
    unsent = [d.pk for d in claimed if d.state == DeliveryState.SENDING and d.pk != failed.pk]
    EmailDelivery.objects.filter(pk__in=unsent, state=DeliveryState.SENDING).update(state=DeliveryState.PENDING)


@contextmanager
def _commits_without_waiting_for_disk():
    """Commits that do not wait for the disk (Postgres synchronous_commit off, for this
    connection while the batch runs). Each is visible to every other session at once, so a
    killed worker loses nothing; only a crash of the database server itself within its WAL
    writer delay (~0.2 s) could forget that the last few messages went out, and resend those.
    It saves a disk flush per message: most of a digest run's time otherwise."""
    postgres = db_connection.vendor == "postgresql"
    if postgres:
        with db_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        if postgres:
            try:
                with db_connection.cursor() as cursor:
                    cursor.execute("RESET synchronous_commit")
            except DATABASE_DOWN:
                pass  # a connection that was lost took its setting with it


@contextmanager
def _query_counter():
    counter = {"count": 0}

    def count(execute, sql, params, many, context):
        counter["count"] += 1
        return execute(sql, params, many, context)

    with db_connection.execute_wrapper(count):
        yield counter
