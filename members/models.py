"""The member: one row per person, with the profile that says who they are as a practitioner.

Profile fields live on the user row itself (as Zulip's UserProfile does): every page that shows
a member needs them, so a second table would only add a join or a query.
"""

import secrets
import zoneinfo

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from taggit.managers import TaggableManager

from .language import MEMBER_LANGUAGE_HELP, language_choices
from .querysets import UserQuerySet

TIME_ZONE_CHOICES = [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class ProfileVisibility(models.TextChoices):
    MEMBERS = "members", _("Signed-in members only")
    PUBLIC = "public", _("Anyone, including visitors")


class MemberManager(UserManager.from_queryset(UserQuerySet)):
    pass


def avatar_upload_to(instance, filename):
    # The stored name never comes from the uploader: a random name, always PNG (re-encoded).
    return f"avatars/{secrets.token_hex(16)}.png"


class User(AbstractUser):
    display_name = models.CharField(
        max_length=80, blank=True, help_text=_("How your name is shown. Leave blank to use your username.")
    )
    headline = models.CharField(
        max_length=140, blank=True, help_text=_("One line on what you do, e.g. 'Hydrologist, rural water supply'.")
    )
    bio = models.TextField(blank=True, max_length=5000, help_text=_("Markdown. Your experience and interests."))
    bio_html = models.TextField(blank=True, editable=False)
    organisation = models.CharField(max_length=120, blank=True)
    discipline = models.CharField(
        max_length=80, blank=True, help_text=_("Your field of practice, e.g. 'Public finance' or 'Civil engineering'.")
    )
    country = CountryField(blank=True)
    languages = models.CharField(
        max_length=200, blank=True, help_text=_("Languages you work in, separated by commas: 'English, French'.")
    )
    avatar = models.ImageField(upload_to=avatar_upload_to, blank=True)
    time_zone = models.CharField(max_length=64, choices=TIME_ZONE_CHOICES, default="UTC")
    # The site's and their email's language (members/language.py); blank: the browser's.
    language = models.CharField(
        max_length=10,
        blank=True,
        choices=language_choices,
        help_text=MEMBER_LANGUAGE_HELP,
    )
    profile_visibility = models.CharField(
        max_length=10, choices=ProfileVisibility.choices, default=ProfileVisibility.MEMBERS
    )
    expertise = TaggableManager(
        blank=True, verbose_name=_("expertise"), help_text=_("Topics you know well, separated by commas.")
    )

    # Name, headline, discipline and expertise for search (Postgres; see cop_platform.search).
    search_vector = SearchVectorField(null=True, editable=False)
    # Bounces (members/bouncing.py): the address, in lower case, that our email to this member
    # bounces at, while it does; "" otherwise. A copy of EmailBounceState.bouncing_since kept on
    # the row every request and every email batch loads anyway, so the banner and the "don't
    # send" check cost no query. It only counts while it still equals `email`.
    bouncing_email = models.CharField(max_length=254, blank=True, editable=False)

    objects = MemberManager()

    class Meta:
        ordering = ["username"]
        indexes = [
            models.Index(fields=["discipline"]),
            models.Index(fields=["country"]),
            GinIndex(fields=["search_vector"], name="user_search"),
            # The active members (and whether their profile is public) by id alone: the
            # expertise finder checks its thousands of candidates against the profiles the
            # viewer may see by hashing this small index, not by a probe of the wide user rows
            # per candidate (PostgreSQL; migration 0013 makes it there only).
            models.Index(
                fields=["id"],
                include=["profile_visibility"],
                condition=Q(is_active=True),
                name="member_active_profile",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @cached_property
    def language_list(self) -> list[str]:
        return [part.strip() for part in self.languages.split(",") if part.strip()]

    def get_absolute_url(self):
        return reverse("members:profile", kwargs={"username": self.username})


FORMER_MEMBER = "a former member"


def shown_name(user) -> str:
    """How a member is named where others read about them: their live name, or "a former
    member" once the account is deleted (the foreign key is null) or deactivated. Rows never
    copy a name (see Notification.text), so deleting an account leaves none behind."""
    return user.name if user is not None and user.is_active else FORMER_MEMBER


class NotificationKind(models.TextChoices):
    REPLY = "reply", _("Reply to your post")
    MENTION = "mention", _("Mention")
    FOLLOWED_POST = "followed_post", _("New post in a followed thread")
    POST_HIDDEN = "post_hidden", _("Your post was hidden")
    EVENT = "event", _("Event news (a place opened up, a change, a cancellation)")


# Kinds whose title says what the actor did ("replied to your thread “Pipes”"): the actor's
# name is put in front when shown, from the live user, never stored.
ACTOR_KINDS = frozenset({NotificationKind.REPLY, NotificationKind.MENTION, NotificationKind.FOLLOWED_POST})


class Notification(models.Model):
    """Something a member should know about. Stored for the /notifications/ page and for the
    email and digest senders; the target is any content object (a post, a resource), checked
    against its visibility policy again whenever the notification is shown or sent."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    target_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE)
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    # For ACTOR_KINDS, what the actor did without their name ("replied to your thread “Pipes”"):
    # `text` adds the live name. Other kinds hold the whole sentence.
    title = models.CharField(max_length=300)
    url = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set when an email (immediate or digest) took this notification, in the same transaction
    # that recorded the email, so a retried task never mails it twice.
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_delivery = models.ForeignKey(
        "EmailDelivery", null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One notification of a kind per target and recipient: a post that both replies to
            # you and mentions you notifies once per reason, and retries never duplicate.
            models.UniqueConstraint(
                fields=["recipient", "kind", "target_type", "target_id"], name="one_notification_per_reason"
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox")]

    def __str__(self):
        return self.text

    @property
    def text(self) -> str:
        """What the notification says, as shown and emailed: "Carmen replied to your thread
        “Pipes”", or "A former member replied ..." once Carmen's account is gone. Select the
        actor with the notification (select_related("actor")) when listing many."""
        if self.kind not in ACTOR_KINDS:
            return self.title
        if self.actor_id is not None and self.actor.is_active:
            who = self.actor.name
        else:
            who = gettext("A former member")
        return f"{who} {self.title}"


# --- Email preferences and the record of every member email -------------------------------------


class EmailChoice(models.TextChoices):
    IMMEDIATE = "immediate", _("Email me at once")
    DIGEST = "digest", _("Put it in my digest")
    OFF = "off", _("Don't email me")


class DigestFrequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    OFF = "off", _("Never")


WEEKDAY_CHOICES = list(WEEKDAYS.items())  # 0 = Monday, as date.weekday(); names translated
HOUR_CHOICES = [(hour, f"{hour:02d}:00") for hour in range(24)]


class EmailPreferences(models.Model):
    """What a member wants by email. Members who never changed anything have no row: the
    defaults below apply (members.mailing.preferences_for), so signing up writes nothing."""

    user = models.OneToOneField(User, primary_key=True, on_delete=models.CASCADE, related_name="email_preferences")
    replies = models.CharField(max_length=10, choices=EmailChoice.choices, default=EmailChoice.IMMEDIATE)
    mentions = models.CharField(max_length=10, choices=EmailChoice.choices, default=EmailChoice.IMMEDIATE)
    # Event news addressed to you: a place opened up on a waiting list (events.rsvp).
    events = models.CharField(
        _("event news"), max_length=10, choices=EmailChoice.choices, default=EmailChoice.IMMEDIATE
    )
    digest_frequency = models.CharField(max_length=10, choices=DigestFrequency.choices, default=DigestFrequency.WEEKLY)
    # The hour the digest arrives, 0..23, in the member's own User.time_zone.
    digest_hour = models.PositiveSmallIntegerField(choices=HOUR_CHOICES, default=8)
    # For weekly digests: 0 = Monday .. 6 = Sunday, in the member's time zone.
    digest_weekday = models.PositiveSmallIntegerField(choices=WEEKDAY_CHOICES, default=0)
    # Welcome and inactivity nudges.
    reminders = models.BooleanField(default=True)
    # Alerts to coordinators (waiting join requests, unanswered questions, flags, critical mass).
    coordinator_alerts = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("email preferences")
        verbose_name_plural = _("email preferences")
        constraints = [
            models.CheckConstraint(condition=models.Q(digest_hour__lte=23), name="digest_hour_in_day"),
            models.CheckConstraint(condition=models.Q(digest_weekday__lte=6), name="digest_weekday_in_week"),
        ]

    def __str__(self):
        return f"Email preferences of {self.user_id}"


class EmailKind(models.TextChoices):
    NOTIFICATIONS = "notifications", _("Replies and mentions")
    DIGEST = "digest", _("Digest")
    WELCOME = "welcome", _("Welcome")
    NUDGE = "nudge", _("Inactivity nudge")
    COORDINATOR = "coordinator", _("Coordinator alert")
    DATA_EXPORT = "data_export", _("Your data export is ready")
    MAILING_LIST = "mailing_list", _("Mailing-list mode: a new post")
    EMAIL_IN = "email_in", _("About mail you sent us (refused, or waiting for your confirmation)")
    EVENT_REMINDER = "event_reminder", _("Event reminder")
    EVENT_NOTICE = "event_notice", _("Event changed or cancelled")
    VALUE_SURVEY = "value_survey", _("Value survey")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Skipped")  # nothing to say, or the member opted out meanwhile
    FAILED = "failed", _("Failed")


class EmailDelivery(models.Model):
    """One email we decided to send, recorded BEFORE sending: the unique (recipient, key) makes a
    second beat tick, a retried task or a racing worker harmless, and rows stuck in pending /
    sending after a crash are found and finished by a recovery task."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="email_deliveries")
    kind = models.CharField(max_length=20, choices=EmailKind.choices)
    # What makes this email unique for its recipient, e.g. "digest:weekly:2026-W48",
    # "welcome:c12", "nudge:2026-11", "coordinator:c12:2026-11-23", "notifications:<first id>".
    key = models.CharField(max_length=100)
    # The community it is about, as a plain id: members sits below communities.
    community_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    subject = models.CharField(max_length=300, blank=True)
    summary = models.CharField(max_length=300, blank=True, help_text=_("What it said, for the coordinator log."))
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name_plural = _("email deliveries")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="one_email_per_recipient_and_key")]
        indexes = [models.Index(fields=["state", "claimed_at"], name="email_delivery_state_claimed")]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.recipient_id} ({self.state})"


class AccountEmail(models.Model):
    """An account email (address confirmation, password reset, email change, "no account with
    this address") rendered and recorded BEFORE it is sent, so a mail server that is down delays
    it instead of failing the page or losing it (members/account_mail.py). The bodies hold
    one-time links: they are erased once sent, or when the email is given up."""

    to = models.EmailField(max_length=254)
    template = models.CharField(max_length=100, help_text=_("Which account email (allauth's template name)."))
    from_email = models.CharField(max_length=300)
    subject = models.CharField(max_length=300)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    # Pending, sending, sent or failed (given up), as for EmailDelivery; never skipped.
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "created_at"], name="account_email_state_created")]

    def __str__(self):
        return f"{self.template} to {self.to} ({self.state})"


# --- Bounces of our email (members/bouncing.py) ---------------------------------------------------


class BounceKind(models.TextChoices):
    PERMANENT = "permanent", _("Permanent failure (5.x.x)")
    TRANSIENT = "transient", _("Transient failure or delay (4.x.x)")
    UNRECOGNISED = "unrecognised", _("A bounce we could not read")


class BounceOutcome(models.TextChoices):
    MARKED = "marked", _("Marked the address bouncing")
    COUNTED = "counted", _("Counted (transient, below the limit)")
    ALREADY = "already", _("Address was bouncing already")
    OLD_ADDRESS = "old_address", _("For an address the member no longer uses: nothing changed")
    UNRECOGNISED = "unrecognised", _("Not understood: nothing changed")


class EmailBounceState(models.Model):
    """How our email to one address of one member fares. Keyed to the address: a member who
    changes their email starts clean, and a bounce for an old address changes nothing."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="email_bounce_states")
    address = models.CharField(max_length=254, help_text=_("In lower case."))
    bouncing_since = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text=_("Set while we do not email this address.")
    )
    bounce_count = models.PositiveIntegerField(default=0, help_text=_("Bounces counted for this address, ever."))
    soft_bounces = models.PositiveSmallIntegerField(
        default=0, help_text=_("Transient failures in the current window (EMAIL_BOUNCE_SOFT_WINDOW_DAYS).")
    )
    last_bounce_status = models.CharField(max_length=12, blank=True)
    last_bounce_detail = models.CharField(max_length=300, blank=True)
    last_bounce_at = models.DateTimeField(null=True, blank=True)
    # When the member (or staff) said it is fixed, or confirmed the address again: transient
    # failures before this no longer count.
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("email bounce state")
        ordering = ["-last_bounce_at"]
        constraints = [models.UniqueConstraint(fields=["user", "address"], name="one_bounce_state_per_address")]

    def __str__(self):
        return f"{self.address} ({'bouncing' if self.bouncing_since else 'delivering'})"


class EmailBounce(models.Model):
    """Every bounce of our email that came back to a member's bounces+ address, as received:
    unique per member and key (the bounce's Message-ID, else its Original-Envelope-Id), so a
    bounce delivered twice counts once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="email_bounces")
    address = models.CharField(max_length=254, blank=True, help_text=_("The address that bounced, in lower case."))
    key = models.CharField(max_length=255)
    # Our message that came back (its Message-ID or envelope id): delay warnings about one
    # message count as one transient failure.
    original_id = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=12, choices=BounceKind.choices)
    status = models.CharField(max_length=12, blank=True, help_text=_("RFC 3463 status, e.g. 5.1.1"))
    detail = models.CharField(max_length=300, blank=True)
    outcome = models.CharField(max_length=12, choices=BounceOutcome.choices)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_bounce_per_key")]
        indexes = [models.Index(fields=["user", "address", "received_at"], name="email_bounce_window")]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.address or self.user_id}"


# --- Data exports (GDPR articles 15 and 20) ----------------------------------------------------


class DataExportState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    BUILDING = "building", _("Being prepared")
    READY = "ready", _("Ready")
    EXPIRED = "expired", _("Expired")
    FAILED = "failed", _("Failed")


class DataExport(models.Model):
    """A copy of one member's data, asked for by the member themself or by staff for them (a
    subject access request). Only whoever asked (`requested_by`) may download it, until
    `expires_at`; then the archive is deleted and the row stays as the record of the request.
    The archive lives in STORAGES["data_exports"] under a random name (members/data_export/)."""

    OPEN_STATES = (DataExportState.QUEUED, DataExportState.BUILDING)

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="data_exports")
    requested_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    # In the download address: ids are guessable, and the address names no one.
    token = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe, editable=False)
    state = models.CharField(max_length=10, choices=DataExportState.choices, default=DataExportState.QUEUED)
    file_name = models.CharField(max_length=300, blank=True, editable=False)
    size = models.PositiveBigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True, help_text=_("Last download by whoever asked."))
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One request at a time per asker and member: a double click or two tabs make one.
            models.UniqueConstraint(
                fields=["user", "requested_by"],
                condition=models.Q(state__in=["queued", "building"]),
                name="one_open_data_export_per_asker",
            )
        ]
        indexes = [models.Index(fields=["state", "expires_at"], name="data_export_state_expiry")]

    def __str__(self):
        return f"Data export of {self.user_id} ({self.state})"

    @property
    def is_subject_access_request(self) -> bool:
        return self.requested_by_id is not None and self.requested_by_id != self.user_id
