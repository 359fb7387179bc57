"""Email about membership, sent after the change commits. Thin wrappers, by id, safe to
retry: each looks the rows up again and does nothing if they are gone."""

from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from cop_platform.email import absolute_url, send_templated_email
from members.language import language_for, language_for_address
from members.models import EmailKind

from .digests.build import build_digests
from .digests.schedule import digests_plan
from .health.snapshots import snapshots_take_all
from .models import Community, Invitation, Membership
from .outgoing import SEND_TASK_OPTIONS, queue_in_batches, send_planned, stuck_deliveries
from .reminders.build import BUILDERS, build_reminders
from .reminders.coordinators import coordinator_alerts_plan
from .reminders.members import nudge_plan, welcome_plan
from .value.survey_mail import value_survey_plan

RETRY = {"bind": True, "acks_late": True, "autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
def send_join_decision(self, *, user_id: int, community_id: int, approved: bool):
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    community = Community.objects.filter(pk=community_id).first()
    if user is None or community is None or not user.email:
        return
    send_templated_email(
        to=[user.email],
        template="communities/email/join_approved" if approved else "communities/email/join_declined",
        context={"user": user, "community": community, "community_url": absolute_url(community.get_absolute_url())},
        language=language_for(user),
    )


@shared_task(**RETRY)
def send_join_request_to_coordinators(self, *, membership_id: int):
    membership = (
        Membership.objects.select_related("user", "community").filter(pk=membership_id, state="pending").first()
    )
    if membership is None:
        return
    community = membership.community
    coordinators = [m.user for m in community.memberships.coordinators().select_related("user") if m.user.email]
    for coordinator in coordinators:  # one email each, in each coordinator's language
        send_templated_email(
            to=[coordinator.email],
            template="communities/email/join_requested",
            context={
                "membership": membership,
                "community": community,
                "members_url": absolute_url(reverse("communities:members", kwargs={"slug": community.slug})),
            },
            language=language_for(coordinator),
        )


@shared_task(**RETRY)
def send_invitation(self, *, invitation_id: int):
    invitation = Invitation.objects.select_related("community", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_open:
        return
    send_templated_email(
        to=[invitation.email],
        template="communities/email/invitation",
        context={
            "invitation": invitation,
            "community": invitation.community,
            "invitation_url": absolute_url(invitation.get_absolute_url()),
        },
        language=language_for_address(invitation.email, fallback=invitation.invited_by),
    )


# --- Digests and reminders ------------------------------------------------------------------
# Planning tasks record EmailDelivery rows (unique per recipient and key) and queue send tasks
# of DIGEST_BATCH_SIZE ids; send tasks claim, send and finish each row (communities.outgoing).
# Running any of them twice sends nothing twice; a retry resumes where the last try stopped.
# SEND_TASK_OPTIONS (communities.outgoing) says how an outage of the mail server or database
# is retried.


def _moment(now: str | None) -> datetime:
    """Tasks take the planning moment as an ISO string (tests pin it); default: now."""
    return datetime.fromisoformat(now) if now else timezone.now()


@shared_task(**SEND_TASK_OPTIONS)
def digests_schedule(self, now: str | None = None) -> int:
    """Hourly: plan the digests due now (in each member's time zone) and queue their sending."""
    return queue_in_batches(send_digest_batch, digests_plan(_moment(now)))


@shared_task(**SEND_TASK_OPTIONS)
def send_digest_batch(self, *, delivery_ids: list[int]) -> dict:
    return send_planned(delivery_ids, build_digests)


@shared_task(**SEND_TASK_OPTIONS)
def member_reminders_schedule(self, now: str | None = None) -> int:
    """Hourly: welcomes a few days after joining, nudges to members gone quiet."""
    moment = _moment(now)
    return queue_in_batches(send_reminder_batch, welcome_plan(moment) + nudge_plan(moment))


@shared_task(**SEND_TASK_OPTIONS)
def coordinator_alerts_schedule(self, now: str | None = None) -> int:
    """Daily: one alert per community whose coordinators have something to look at."""
    return queue_in_batches(send_reminder_batch, coordinator_alerts_plan(_moment(now)))


@shared_task(**SEND_TASK_OPTIONS)
def value_survey_schedule(self, now: str | None = None) -> int:
    """Daily: the value survey to members of communities that switched it on, once per member
    and period (communities/value/services.py says who is asked)."""
    return queue_in_batches(send_reminder_batch, value_survey_plan(_moment(now)))


@shared_task(**SEND_TASK_OPTIONS)
def send_reminder_batch(self, *, delivery_ids: list[int]) -> dict:
    return send_planned(delivery_ids, build_reminders)


@shared_task(**SEND_TASK_OPTIONS)
def deliveries_recover(self) -> int:
    """Queue again what a crash left behind: deliveries still pending DELIVERY_RECOVERY_AFTER
    seconds after they were planned (their task was lost), and deliveries claimed longer than
    EMAIL_CLAIM_TIMEOUT ago (their worker died mid-send). Queuing one that is in fact still
    on its way is harmless: only one claim succeeds."""
    stuck = stuck_deliveries(
        kinds=[EmailKind.DIGEST, *BUILDERS], pending_after=settings.DELIVERY_RECOVERY_AFTER
    ).values_list("pk", "kind")[:20_000]
    digests = [pk for pk, kind in stuck if kind == EmailKind.DIGEST]
    reminders = [pk for pk, kind in stuck if kind != EmailKind.DIGEST]
    return queue_in_batches(send_digest_batch, digests) + queue_in_batches(send_reminder_batch, reminders)


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def take_health_snapshots(self):
    """The nightly health snapshots: yesterday's (now complete) and today's for every
    community. Idempotent: each (community, day) row is replaced, never duplicated."""
    today = timezone.now().date()
    return snapshots_take_all(day=today - timedelta(days=1)) + snapshots_take_all(day=today)
