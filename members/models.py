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
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django_countries.fields import CountryField
from taggit.managers import TaggableManager

from .querysets import UserQuerySet

TIME_ZONE_CHOICES = [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class ProfileVisibility(models.TextChoices):
    MEMBERS = "members", "Signed-in members only"
    PUBLIC = "public", "Anyone, including visitors"


class MemberManager(UserManager.from_queryset(UserQuerySet)):
    pass


def avatar_upload_to(instance, filename):
    # The stored name never comes from the uploader: a random name, always PNG (re-encoded).
    return f"avatars/{secrets.token_hex(16)}.png"


class User(AbstractUser):
    display_name = models.CharField(
        max_length=80, blank=True, help_text="How your name is shown. Leave blank to use your username."
    )
    headline = models.CharField(
        max_length=140, blank=True, help_text="One line on what you do, e.g. 'Hydrologist, rural water supply'."
    )
    bio = models.TextField(blank=True, max_length=5000, help_text="Markdown. Your experience and interests.")
    bio_html = models.TextField(blank=True, editable=False)
    organisation = models.CharField(max_length=120, blank=True)
    discipline = models.CharField(
        max_length=80, blank=True, help_text="Your field of practice, e.g. 'Public finance' or 'Civil engineering'."
    )
    country = CountryField(blank=True)
    languages = models.CharField(
        max_length=200, blank=True, help_text="Languages you work in, separated by commas: 'English, French'."
    )
    avatar = models.ImageField(upload_to=avatar_upload_to, blank=True)
    time_zone = models.CharField(max_length=64, choices=TIME_ZONE_CHOICES, default="UTC")
    profile_visibility = models.CharField(
        max_length=10, choices=ProfileVisibility.choices, default=ProfileVisibility.MEMBERS
    )
    expertise = TaggableManager(
        blank=True, verbose_name="expertise", help_text="Topics you know well, separated by commas."
    )

    # Name, headline, discipline and expertise for search (Postgres; see cop_platform.search).
    search_vector = SearchVectorField(null=True, editable=False)

    objects = MemberManager()

    class Meta:
        ordering = ["username"]
        indexes = [
            models.Index(fields=["discipline"]),
            models.Index(fields=["country"]),
            GinIndex(fields=["search_vector"], name="user_search"),
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


class NotificationKind(models.TextChoices):
    REPLY = "reply", "Reply to your post"
    MENTION = "mention", "Mention"
    FOLLOWED_POST = "followed_post", "New post in a followed thread"
    POST_HIDDEN = "post_hidden", "Your post was hidden"


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
    title = models.CharField(max_length=300)
    url = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

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
        return self.title
