"""Communities of practice, who belongs to them, and the record of what coordinators did.

A community row carries its charter: the building blocks every CoP needs (domain, audience,
mandate, norms, coordinators through memberships, lifecycle stage).
"""

import secrets

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from taggit.managers import TaggableManager

from members.language import COMMUNITY_LANGUAGE_HELP, community_language_choices

from .querysets import CommunityQuerySet, InvitationQuerySet, MembershipQuerySet


class Stage(models.TextChoices):
    """The 5D lifecycle a coordinator steers a community through."""

    DISCOVER = "discover", _("Discover")
    DREAM = "dream", _("Dream")
    DESIGN = "design", _("Design")
    DOCUMENT = "document", _("Document")
    DISSEMINATE = "disseminate", _("Disseminate")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public: anyone can read")
    PRIVATE = "private", _("Private: listed, content for members only")
    HIDDEN = "hidden", _("Hidden: unlisted, members only")


class JoinPolicy(models.TextChoices):
    OPEN = "open", _("Open: anyone can join")
    APPROVAL = "approval", _("Approval: coordinators approve requests")
    INVITATION = "invitation", _("Invitation only")


class Community(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(
        max_length=60, unique=True, help_text=_("Used in the community's address, e.g. /c/water-security/.")
    )
    tagline = models.CharField(max_length=200, blank=True, help_text=_("One line shown in the directory."))
    domain = models.TextField(
        _("domain / topic focus"),
        max_length=3000,
        help_text=_("The shared domain of practice: what this community is about."),
    )
    audience = models.TextField(
        _("target audience"), max_length=2000, help_text=_("Who it is for: roles, disciplines, regions.")
    )
    mandate = models.TextField(
        blank=True, max_length=5000, help_text=_("Markdown. Purpose and what the community aims to produce.")
    )
    mandate_html = models.TextField(blank=True, editable=False)
    norms = models.TextField(
        _("norms and rules"), blank=True, max_length=10000, help_text=_("Markdown. How members work together here.")
    )
    norms_html = models.TextField(blank=True, editable=False)
    tags = TaggableManager(_("topic tags"), blank=True, help_text=_("Topic tags, separated by commas."))
    stage = models.CharField(_("lifecycle stage"), max_length=12, choices=Stage.choices, default=Stage.DISCOVER)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    join_policy = models.CharField(max_length=12, choices=JoinPolicy.choices, default=JoinPolicy.OPEN)
    critical_mass = models.PositiveIntegerField(
        default=10, help_text=_("Active members the community needs to sustain itself.")
    )
    # Its content's search language (stemming: cop_platform/search); blank: SEARCH_CONFIG.
    language = models.CharField(
        max_length=10,
        blank=True,
        choices=community_language_choices,
        help_text=COMMUNITY_LANGUAGE_HELP,
    )
    members_may_schedule_events = models.BooleanField(
        default=False, help_text=_("Let every active member schedule events, not only coordinators.")
    )
    # Denormalised: kept by the membership services with F() so lists never count per row.
    member_count = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # For search (Postgres; kept current by cop_platform.search's signal receivers).
    search_vector = SearchVectorField(null=True, editable=False)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("communities")
        indexes = [
            models.Index(fields=["visibility", "stage"]),
            GinIndex(fields=["search_vector"], name="community_search"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("communities:detail", kwargs={"slug": self.slug})

    @property
    def is_listed(self) -> bool:
        return self.visibility != Visibility.HIDDEN

    @property
    def content_is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC


class Role(models.TextChoices):
    MEMBER = "member", _("Member")
    COORDINATOR = "coordinator", _("Coordinator")


class MembershipState(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("membership state", "Active")
    PENDING = "pending", _("Join request pending")
    INVITED = "invited", pgettext_lazy("membership state", "Invited")
    BANNED = "banned", pgettext_lazy("membership state", "Banned")


class Membership(models.Model):
    """A person's standing in one community. One row per (user, community), whatever the
    state, so that a request, an invitation, a membership and a ban can never coexist."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.MEMBER)
    state = models.CharField(max_length=10, choices=MembershipState.choices, default=MembershipState.ACTIVE)
    request_message = models.TextField(
        blank=True, max_length=1000, help_text=_("What the member told the coordinators when asking to join.")
    )
    created_at = models.DateTimeField(default=timezone.now)
    joined_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Per-community mute: no digest content, notification emails or reminders from this community.
    email_muted = models.BooleanField(default=False)
    # Mailing-list mode: every new post in the community emailed as it happens (email_gateway).
    mailing_list_mode = models.BooleanField(
        _("mailing-list mode"), default=False, help_text=_("Email me every new post in this community as it happens.")
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "community"], name="one_membership_per_user_and_community"),
            models.CheckConstraint(
                condition=Q(role="member") | Q(state="active"),
                name="only_active_members_coordinate",
            ),
        ]
        indexes = [models.Index(fields=["community", "state", "role"])]

    def __str__(self):
        return f"{self.user} in {self.community} ({self.get_state_display()}, {self.get_role_display()})"

    @property
    def is_active(self) -> bool:
        return self.state == MembershipState.ACTIVE

    @property
    def is_coordinator(self) -> bool:
        return self.is_active and self.role == Role.COORDINATOR


def new_invitation_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """An invitation by email. Works for someone without an account yet: the link leads
    through sign-up and back. Single use, and it expires."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    token = models.CharField(max_length=64, unique=True, default=new_invitation_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    message = models.TextField(blank=True, max_length=1000)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True, editable=False)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # At most one open invitation per address and community; old ones stay as history.
            models.UniqueConstraint(
                fields=["community", "email"],
                condition=Q(accepted_at=None, revoked_at=None),
                name="one_open_invitation_per_email",
            )
        ]

    def __str__(self):
        return f"Invitation for {self.email} to {self.community}"

    def get_absolute_url(self):
        return reverse("communities:invitation", kwargs={"token": self.token})

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired


class AuditEntry(models.Model):
    """Who did what to a community and when: every coordinator and staff action that
    changes membership or the charter leaves one row."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="audit_entries")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=40)
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = _("audit entries")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor}: {self.action}"


class HealthSnapshot(models.Model):
    """One community's health figures for one day (UTC), computed by the nightly task or the
    backfill command (communities/health/snapshots.py) so the health page reads a few rows
    instead of counting a community's whole history. `figures` holds the numbers by name
    (communities/health/metrics.py FIGURES says what each means); a name the content apps
    add through the health registry simply appears as a new key."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="health_snapshots")
    day = models.DateField()
    figures = models.JSONField(default=dict)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["community", "day"]
        constraints = [models.UniqueConstraint(fields=["community", "day"], name="one_health_snapshot_per_day")]

    def __str__(self):
        return f"{self.community} on {self.day}"


# The value survey and stories (communities/value/): imported here so Django finds them.
from .value.models import Rating, SurveyResponse, ValueStory, ValueSurvey  # noqa: E402, F401
