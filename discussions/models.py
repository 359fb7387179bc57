"""Threads, nested posts, reactions, following, flags and revisions.

Posts form a tree stored as a materialized path: each post's `path` is its parent's path plus
a fixed-width, zero-padded sequence number. Ordering by `path` gives the depth-first reading
order, so a whole thread, or the subtrees of one page of top-level replies, is one ordered
range query.
"""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from taggit.managers import TaggableManager

from communities.models import Community

from .querysets import PostQuerySet, ThreadQuerySet

PATH_STEP = 6  # characters per tree level: up to 999,999 replies to one post
MAX_PATH_DEPTH = 40  # 240 characters of path; deeper replies attach to the deepest allowed


class ThreadKind(models.TextChoices):
    DISCUSSION = "discussion", "Discussion"
    QUESTION = "question", "Question"


class Thread(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="threads")
    title = models.CharField(max_length=200)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="threads")
    kind = models.CharField(max_length=12, choices=ThreadKind.choices, default=ThreadKind.DISCUSSION)
    tags = TaggableManager("topic tags", blank=True, help_text="Topic tags, separated by commas.")
    is_pinned = models.BooleanField("pinned", default=False)
    is_locked = models.BooleanField(
        "locked", default=False, help_text="Only coordinators can reply to a locked thread."
    )
    is_closed = models.BooleanField("closed", default=False, help_text="Nobody can reply to a closed thread.")
    accepted_post = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    hidden_at = models.DateTimeField(null=True, blank=True, editable=False)
    hidden_reason = models.CharField(max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Denormalised for the thread list; kept by the services with F().
    last_activity_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    reply_count = models.PositiveIntegerField(default=0, editable=False)
    last_post_number = models.PositiveIntegerField(default=0, editable=False)
    # For search (Postgres; kept current by cop_platform.search's signal receivers).
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        ordering = ["-is_pinned", "-last_activity_at"]
        indexes = [
            models.Index(fields=["community", "-is_pinned", "-last_activity_at"], name="thread_listing"),
            GinIndex(fields=["search_vector"], name="thread_search"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse(
            "discussions:thread",
            kwargs={"community_slug": self.community.slug, "thread_id": self.pk, "thread_slug": self.slug},
        )

    @property
    def slug(self) -> str:
        return slugify(self.title)[:60] or "thread"

    @property
    def is_question(self) -> bool:
        return self.kind == ThreadKind.QUESTION

    @property
    def is_answered(self) -> bool:
        return self.accepted_post_id is not None


class Post(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="posts")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    path = models.CharField(max_length=MAX_PATH_DEPTH * PATH_STEP, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    # Sequence numbers handed to this post's children; allocated under the thread's row lock.
    child_count = models.PositiveIntegerField(default=0, editable=False)
    is_opening = models.BooleanField(default=False, editable=False)
    body = models.TextField(max_length=50_000)
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    edited_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    hidden_at = models.DateTimeField(null=True, blank=True, editable=False)
    hidden_reason = models.CharField(max_length=300, blank=True, editable=False)
    # Reaction counts, denormalised so a page of posts needs no per-post counting.
    helpful_count = models.PositiveIntegerField(default=0, editable=False)
    thanks_count = models.PositiveIntegerField(default=0, editable=False)
    agree_count = models.PositiveIntegerField(default=0, editable=False)
    # A key the form sends once: a double-clicked "Post" creates one post.
    submission_key = models.CharField(max_length=64, blank=True, editable=False)
    # For search (Postgres; kept current by cop_platform.search's signal receivers).
    search_vector = SearchVectorField(null=True, editable=False)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["thread", "path"], name="post_path_unique_in_thread"),
            models.UniqueConstraint(
                fields=["author", "submission_key"],
                condition=~Q(submission_key=""),
                name="post_submitted_once",
            ),
        ]
        indexes = [
            models.Index(fields=["thread", "path"], name="post_tree_order"),
            GinIndex(fields=["search_vector"], name="post_search"),
        ]

    def __str__(self):
        return f"Post {self.pk} in {self.thread_id}"

    def get_absolute_url(self):
        return f"{reverse('discussions:post', kwargs={'post_id': self.pk})}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class ReactionKind(models.TextChoices):
    HELPFUL = "helpful", "Helpful"
    THANKS = "thanks", "Thanks"
    AGREE = "agree", "Agree"


class Reaction(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions")
    kind = models.CharField(max_length=10, choices=ReactionKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user", "kind"], name="one_reaction_of_a_kind")]

    def __str__(self):
        return f"{self.get_kind_display()} on post {self.post_id}"


class FollowLevel(models.TextChoices):
    FOLLOWING = "following", "Following"
    MUTED = "muted", "Muted"


class ThreadReadState(models.Model):
    """A member's relation to a thread: whether they follow or muted it, and how far they
    have read (for the unread marker and the jump to the first unread post)."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="read_states")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="thread_states")
    follow = models.CharField(max_length=10, choices=FollowLevel.choices, blank=True)
    last_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="one_read_state_per_thread")]

    def __str__(self):
        return f"{self.user_id} in thread {self.thread_id}: {self.follow or 'default'}"


class PostRevision(models.Model):
    """The text a post had before an edit: visible to its author and the coordinators."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Revision of post {self.post_id} at {self.created_at:%Y-%m-%d %H:%M}"


class FlagStatus(models.TextChoices):
    OPEN = "open", "Open"
    HIDDEN = "hidden", "Post hidden"
    DISMISSED = "dismissed", "Dismissed"


class FlagReason(models.TextChoices):
    SPAM = "spam", "Spam or advertising"
    OFF_TOPIC = "off_topic", "Off topic"
    ABUSE = "abuse", "Rude or abusive"
    OTHER = "other", "Something else"


class Flag(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="flags")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=12, choices=FlagReason.choices)
    detail = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "reporter"], condition=Q(status="open"), name="one_open_flag_per_reporter"
            )
        ]

    def __str__(self):
        return f"Flag on post {self.post_id}: {self.get_reason_display()}"


class Draft(models.Model):
    """What a member was typing in one composer, saved as they type so a reload or a closed tab
    loses nothing. One per member and place: `place` is "new:<community id>" (a new thread),
    "thread:<thread id>" (a reply to the thread) or "post:<post id>" (a reply to that post).
    The foreign keys let the visibility policy and cascades follow the place."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="drafts")
    place = models.CharField(max_length=40)
    community = models.ForeignKey("communities.Community", on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    parent = models.ForeignKey(Post, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [models.UniqueConstraint(fields=["author", "place"], name="one_draft_per_member_and_place")]

    def __str__(self):
        return f"Draft of {self.author_id} at {self.place}"
