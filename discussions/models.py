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
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from communities.models import Community

from .querysets import PostQuerySet, ThreadQuerySet

PATH_STEP = 6  # characters per tree level: up to 999,999 replies to one post
MAX_PATH_DEPTH = 40  # 240 characters of path; deeper replies attach to the deepest allowed


class ThreadKind(models.TextChoices):
    DISCUSSION = "discussion", _("Discussion")
    QUESTION = "question", _("Question")


class Thread(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="threads")
    title = models.CharField(max_length=200)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="threads")
    kind = models.CharField(max_length=12, choices=ThreadKind.choices, default=ThreadKind.DISCUSSION)
    tags = TaggableManager(_("topic tags"), blank=True, help_text=_("Topic tags, separated by commas."))
    is_pinned = models.BooleanField(_("pinned"), default=False)
    is_locked = models.BooleanField(
        _("locked"), default=False, help_text=_("Only coordinators can reply to a locked thread.")
    )
    is_closed = models.BooleanField(_("closed"), default=False, help_text=_("Nobody can reply to a closed thread."))
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
            # The thread list's count for everyone who does not see hidden threads: an index-only
            # count, where the plain community index read every thread's row to check hidden_at
            # (24 ms for a community of 17,000 threads; migration 0009, PostgreSQL only).
            models.Index(fields=["community"], condition=Q(hidden_at=None), name="thread_shown_by_community"),
            GinIndex(fields=["search_vector"], name="thread_search"),
            # (thread_title_trigram, made by migration 0006 for the expertise finder, was dropped
            # by 0008: the finder finds a topic's threads by ThreadTerm.)
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
        # A thread's posts in tree order come from post_path_unique_in_thread's index: a second
        # index on (thread, path) only cost space (66 MiB at a million posts) and writes.
        indexes = [
            GinIndex(fields=["search_vector"], name="post_search"),
            # The reactions a thread's authors received, as the expertise index recounts them
            # (discussions.expertise_index, on every reaction and rebuild): an index-only scan
            # of the thread's reacted posts, however long the thread.
            models.Index(
                fields=["thread"],
                include=["author", "helpful_count", "thanks_count", "agree_count"],
                condition=(Q(helpful_count__gt=0) | Q(thanks_count__gt=0) | Q(agree_count__gt=0))
                & Q(hidden_at=None, deleted_at=None),
                name="post_reacted_by_thread",
            ),
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
    HELPFUL = "helpful", _("Helpful")
    THANKS = "thanks", _("Thanks")
    AGREE = "agree", _("Agree")


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
    FOLLOWING = "following", _("Following")
    MUTED = "muted", _("Muted")


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
    OPEN = "open", _("Open")
    HIDDEN = "hidden", _("Post hidden")
    DISMISSED = "dismissed", _("Dismissed")


class FlagReason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    OFF_TOPIC = "off_topic", _("Off topic")
    ABUSE = "abuse", _("Rude or abusive")
    OTHER = "other", _("Something else")


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


class PollResults(models.TextChoices):
    ON_VOTE = "on_vote", _("After voting")
    ON_CLOSE = "on_close", _("Only after the poll closes")


POLL_MIN_OPTIONS, POLL_MAX_OPTIONS = 2, 20


class Poll(models.Model):
    """A question members of the thread's community vote on. It lives and dies with its
    thread, so it follows the thread's visibility (hidden, moved) with no rule of its own.
    Counts are computed when shown (one grouped query), not stored: nothing to drift when a
    vote or an account goes."""

    thread = models.OneToOneField(Thread, on_delete=models.CASCADE, related_name="poll")
    question = models.CharField(max_length=300)
    multiple = models.BooleanField(_("multiple choice"), default=False)
    # With multiple choice: at most this many options per member (None: any number).
    max_choices = models.PositiveSmallIntegerField(null=True, blank=True)
    results = models.CharField(max_length=10, choices=PollResults.choices, default=PollResults.ON_VOTE)
    closes_at = models.DateTimeField(null=True, blank=True)
    # Set when the author or a coordinator closes it early; cleared when they reopen it.
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(max_choices__isnull=True) | Q(max_choices__gte=1), name="poll_max_choices_positive"
            )
        ]

    def __str__(self):
        return self.question

    def is_closed(self, now=None) -> bool:
        now = now or timezone.now()
        return self.closed_at is not None or (self.closes_at is not None and self.closes_at <= now)

    @property
    def choice_limit(self) -> int | None:
        """How many options one member may pick (None: any number)."""
        return self.max_choices if self.multiple else 1


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=200)

    class Meta:
        ordering = ["poll", "position"]
        constraints = [models.UniqueConstraint(fields=["poll", "position"], name="poll_option_position_unique")]

    def __str__(self):
        return self.text


class PollVote(models.Model):
    """One member's choice of one option. A single-choice poll's one-vote-per-member rule is
    kept by the voting service under the poll's row lock; this constraint keeps a double
    click from counting an option twice."""

    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="poll_votes")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["option", "user"], name="one_vote_per_member_per_option")]

    def __str__(self):
        return f"{self.user_id} voted for option {self.option_id}"


class PostAttachment(models.Model):
    """A file or image attached to a post, stored in its own private storage
    (STORAGES["post_attachments"], outside MEDIA_ROOT) under a random name, and handed out
    only by the attachment view after the post's visibility check.

    Uploaded by the composer's button, paste or drop before the post exists, it waits with
    `post` unset, visible to its uploader only, until the post that uses it is submitted.
    Images were re-encoded without metadata on upload; `width` and `height` are their pixels
    (None for other files), so inline images take their place before they load."""

    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="post_attachments"
    )
    stored_name = models.CharField(max_length=300, editable=False)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    alt_text = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["uploader", "created_at"], name="attachment_pending", condition=Q(post=None))]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        # No community or thread in the address: Markdown that links here keeps working when
        # a coordinator moves the thread; who may fetch it is decided per request.
        return reverse("discussions:attachment", kwargs={"attachment_id": self.pk, "name": self.original_name})

    @property
    def is_image(self) -> bool:
        return self.width is not None

    @property
    def address_prefix(self) -> str:
        """What a post's HTML contains where its text shows or links this attachment."""
        return f"/discussions/attachments/{self.pk}/"

    def markdown(self) -> str:
        """What the composer inserts for this attachment: an inline image, or a link."""
        label = self.alt_text or self.original_name
        for char in "[]\\":
            label = label.replace(char, " ")
        return f"{'!' if self.is_image else ''}[{label.strip()}]({self.get_absolute_url()})"


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


class ThreadTerm(models.Model):
    """One word of a thread's title, or one of its tags, for the expertise finder: a topic's
    threads are an index lookup of its terms, where matching titles with LIKE and tags through
    taggit's generic relation read thousands of rows on a large site. A tag is stored as
    "#<name>" and "#<slug>" (lower case), a title word (three letters or more) as itself.
    Kept by discussions.expertise_index whenever a thread is created, retitled or retagged."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["term", "thread"], name="thread_term_unique")]

    def __str__(self):
        return f"{self.term} in thread {self.thread_id}"


class ThreadEvidence(models.Model):
    """What one member showed in one visible (not hidden) thread, for the expertise finder:
    how many of their answers were accepted there (0 or 1) and the reactions their visible,
    undeleted posts received. A tally kept by discussions.expertise_index whenever a post is
    accepted, reacted to, deleted, hidden or restored, or its thread hidden, restored or moved;
    the thread's community is copied here so the visibility policy is applied at query time.
    Only rows with some evidence exist."""

    # Looked up by thread through the unique constraint's index (thread, author).
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+", db_index=False)
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    accepted_answers = models.PositiveIntegerField(default=0)
    reactions = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "author"], name="thread_evidence_unique")]
        indexes = [
            # The finder reads a topic's threads' rows from this index alone (PostgreSQL; the
            # migration makes it there only).
            models.Index(
                fields=["thread"],
                include=["community", "author", "accepted_answers", "reactions"],
                name="thread_evidence_by_thread",
            ),
        ]

    def __str__(self):
        return f"Evidence of {self.author_id} in thread {self.thread_id}"
