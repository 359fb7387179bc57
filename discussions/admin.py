"""Discussions in the admin: the coordinators' moderation tools on /manage/ and the same tools
for staff on /admin/.

Coordinators work from the flag queue (open flags first), the thread list and the post list
of the communities they coordinate. Nothing is edited in a form here: every change is an
action that calls `discussions.services.moderating` row by row, so hiding a post on /manage/
tells its author why and writes the same audit entry as the button on the thread page. The
actions that need a word from the coordinator (a reason, a destination) show a second page
that asks for it before anything changes.

Both sites share one admin per model (the `...AdminBase` classes) and differ only in scope,
as in communities/admin.py.
"""

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.utils.text import Truncator

from communities.models import Community
from cop_platform.admin_sites import (
    CoordinatedCommunityFilter,
    CoordinatorScopedAdmin,
    ReadOnlyAdmin,
    coordinator_site,
    per_row_action,
    site_link,
)

from .models import Flag, FlagStatus, Post, Thread
from .services import moderating

EXCERPT_LENGTH = 80


def post_excerpt(post: Post) -> str:
    """A post's text on one line, shortened, with its state in front. Plain text: the admin
    escapes it like any other value."""
    if post.is_deleted:
        return "(deleted by its author)"
    text = Truncator(" ".join(post.body.split())).chars(EXCERPT_LENGTH)
    return f"(hidden) {text}" if post.is_hidden else text


class ModerationAdmin(ReadOnlyAdmin):
    """Read-only admins whose only writes are actions that call the moderation services."""

    def move_choices(self, request):
        """Communities a thread may be moved to from this site."""
        return Community.objects.coordinated_by(request.user).order_by("name")

    @admin.display(description="")
    def on_site(self, row):
        return site_link(row.get_absolute_url())


def _reason_form(*, label: str, required: bool, help_text: str) -> type[forms.Form]:
    field = forms.CharField(
        label=label, required=required, max_length=300, help_text=help_text, widget=forms.Textarea(attrs={"rows": 3})
    )
    if required:
        field.error_messages["required"] = "Say why, so the author understands."
    return type("ReasonForm", (forms.Form,), {"reason": field})


PostHideForm = _reason_form(
    label="Reason shown to the author", required=True, help_text="Say why, so the author understands."
)
FlagHideForm = _reason_form(
    label="Reason shown to the authors",
    required=False,
    help_text="Leave it empty to give each author the reason the post was flagged for (e.g. “Off topic”).",
)
ThreadHideForm = _reason_form(
    label="Reason",
    required=False,
    help_text="Shown to the coordinators on the hidden thread's page.",
)


class MoveForm(forms.Form):
    community = forms.ModelChoiceField(
        label="Move to", queryset=Community.objects.none(), empty_label="Choose a community"
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class VisibilityFilter(admin.SimpleListFilter):
    """Filter by whether a coordinator hid the row (and, for posts, its author deleted it)."""

    title = "visibility"
    parameter_name = "visibility"
    conditions: dict[str, tuple[str, Q]] = {}

    def lookups(self, request, model_admin):
        return [(value, label) for value, (label, _) in self.conditions.items()]

    def queryset(self, request, queryset):
        condition = self.conditions.get(self.value())
        return queryset if condition is None else queryset.filter(condition[1])


class ThreadVisibilityFilter(VisibilityFilter):
    conditions = {
        "visible": ("Visible", Q(hidden_at=None)),
        "hidden": ("Hidden by a coordinator", Q(hidden_at__isnull=False)),
    }


class PostVisibilityFilter(VisibilityFilter):
    conditions = {
        "visible": ("Visible", Q(hidden_at=None, deleted_at=None)),
        "hidden": ("Hidden by a coordinator", Q(hidden_at__isnull=False)),
        "deleted": ("Deleted by the author", Q(deleted_at__isnull=False)),
    }


# --- Flags: the queue ---------------------------------------------------------------------------


class FlagStatusFilter(admin.SimpleListFilter):
    """Flag status, open by default: the queue is what still waits for a decision."""

    title = "status"
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*FlagStatus.choices, (self.ALL, "All")]

    def queryset(self, request, queryset):
        value = self.value() or FlagStatus.OPEN
        if value == self.ALL:
            return queryset
        return queryset.filter(status=value if value in FlagStatus.values else FlagStatus.OPEN)

    def choices(self, changelist):
        # Django's first choice is "no value" = everything; here no value means open flags,
        # and "All" is a value of its own.
        choices = list(super().choices(changelist))[1:]
        if self.value() is None:
            choices[0]["selected"] = True
        return choices


def _one_flag_per_post(flags) -> list[Flag]:
    """Deciding on a post resolves all its open flags: act once per post, not per flag."""
    by_post = {}
    for flag in flags:
        by_post.setdefault(flag.post_id, flag)
    return list(by_post.values())


class FlagAdminBase(ModerationAdmin):
    list_display = (
        "flagged_post",
        "thread_title",
        "community",
        "reason",
        "detail_excerpt",
        "reporter",
        "status",
        "created_at",
        "on_site",
    )
    search_fields = ("post__body", "post__thread__title", "reporter__username")
    list_select_related = ("post__thread__community", "reporter")
    actions = ("hide_posts", "restore_posts", "dismiss_flags")
    # "0 results (12 total)" would link to the default view, which is the open flags again.
    show_full_result_count = False
    fields = readonly_fields = (
        "post_text",
        "thread_title",
        "community",
        "reason",
        "detail",
        "reporter",
        "status",
        "created_at",
        "resolved_by",
        "resolved_at",
    )

    def view_on_site(self, flag):
        return flag.post.get_absolute_url()

    def describe(self, flag):
        return f"{post_excerpt(flag.post)} (flagged as {flag.get_reason_display()})"

    @admin.display(description="post")
    def flagged_post(self, flag):
        return post_excerpt(flag.post)

    @admin.display(description="post")
    def post_text(self, flag):
        post = flag.post
        return post_excerpt(post) if post.is_deleted else post.body

    @admin.display(description="thread", ordering="post__thread__title")
    def thread_title(self, flag):
        return flag.post.thread.title

    @admin.display(description="community", ordering="post__thread__community__name")
    def community(self, flag):
        return flag.post.thread.community.name

    @admin.display(description="detail")
    def detail_excerpt(self, flag):
        return Truncator(flag.detail).chars(EXCERPT_LENGTH)

    @admin.display(description="")
    def on_site(self, flag):
        return site_link(flag.post.get_absolute_url())

    @admin.action(description="Hide the flagged posts…")
    def hide_posts(self, request, queryset):
        def apply(data):
            self.apply_per_row(
                request,
                _one_flag_per_post(queryset),
                lambda flag: moderating.flag_hide_post(actor=request.user, flag=flag, reason=data["reason"]),
                done="Posts hidden",
            )

        return self.ask_then_apply(
            request,
            queryset,
            action="hide_posts",
            form_class=FlagHideForm,
            title="Hide the flagged posts",
            submit="Hide the posts",
            apply=apply,
        )

    @admin.action(description="Restore the posts")
    def restore_posts(self, request, queryset):
        posts = {flag.post_id: flag.post for flag in queryset}.values()
        hidden = self.keep_rows(request, posts, lambda post: post.is_hidden, skipped="posts that are not hidden")
        self.apply_per_row(
            request, hidden, lambda post: moderating.post_restore(actor=request.user, post=post), done="Posts restored"
        )

    @admin.action(description="Dismiss the flags (the posts stay)")
    def dismiss_flags(self, request, queryset):
        open_flags = self.keep_rows(
            request, queryset, lambda flag: flag.status == FlagStatus.OPEN, skipped="flags already decided"
        )
        self.apply_per_row(
            request,
            _one_flag_per_post(open_flags),
            lambda flag: moderating.flag_dismiss(actor=request.user, flag=flag),
            done="Flags dismissed (per post)",
        )


@admin.register(Flag, site=coordinator_site)
class FlagManageAdmin(FlagAdminBase, CoordinatorScopedAdmin, admin.ModelAdmin):
    """The flag queue of the communities a coordinator runs."""

    community_path = "post__thread__community"
    list_filter = (FlagStatusFilter, "reason", CoordinatedCommunityFilter)


@admin.register(Flag)
class FlagAdmin(FlagAdminBase, admin.ModelAdmin):
    list_filter = (FlagStatusFilter, "reason", ("post__thread__community", admin.RelatedOnlyFieldListFilter))


coordinator_site.add_shortcut(Flag, name="Open flags", query={"status": FlagStatus.OPEN})


# --- Threads ------------------------------------------------------------------------------------


def _thread_switch(action: str, description: str, *, done: str):
    """An action that calls thread_moderate(action=...) for each selected thread."""
    return per_row_action(
        f"{action}_threads",
        description,
        lambda actor, thread: moderating.thread_moderate(actor=actor, thread=thread, action=action),
        done=done,
    )


THREAD_SWITCHES = (
    _thread_switch("pin", "Pin to the top of the list", done="Pinned"),
    _thread_switch("unpin", "Unpin", done="Unpinned"),
    _thread_switch("lock", "Lock (only coordinators can reply)", done="Locked"),
    _thread_switch("unlock", "Unlock", done="Unlocked"),
    _thread_switch("close", "Close to new replies", done="Closed"),
    _thread_switch("reopen", "Reopen for replies", done="Reopened"),
)


class ThreadAdminBase(ModerationAdmin):
    list_display = (
        "title",
        "community",
        "kind",
        "author",
        "reply_count",
        "is_pinned",
        "is_locked",
        "is_closed",
        "is_hidden",
        "last_activity_at",
        "on_site",
    )
    search_fields = ("title", "author__username")
    list_select_related = ("community", "author")
    actions = (*THREAD_SWITCHES, "hide_threads", "restore_threads", "move_threads")
    fields = readonly_fields = (
        "title",
        "community",
        "kind",
        "author",
        "topic_tags",
        "is_pinned",
        "is_locked",
        "is_closed",
        "hidden_at",
        "hidden_reason",
        "reply_count",
        "created_at",
        "last_activity_at",
    )

    def describe(self, thread):
        return f"{thread.title} ({thread.community.name})"

    @admin.display(description="hidden", boolean=True, ordering="hidden_at")
    def is_hidden(self, thread):
        return thread.hidden_at is not None

    @admin.display(description="topic tags")
    def topic_tags(self, thread):
        return ", ".join(thread.tags.names())

    @admin.action(description="Hide from members…")
    def hide_threads(self, request, queryset):
        def apply(data):
            self.apply_per_row(
                request,
                queryset,
                lambda thread: moderating.thread_hide(actor=request.user, thread=thread, reason=data["reason"]),
                done="Threads hidden",
            )

        return self.ask_then_apply(
            request,
            queryset,
            action="hide_threads",
            form_class=ThreadHideForm,
            title="Hide threads from members",
            submit="Hide the threads",
            apply=apply,
        )

    @admin.action(description="Show to members again")
    def restore_threads(self, request, queryset):
        hidden = self.keep_rows(
            request, queryset, lambda thread: thread.hidden_at is not None, skipped="threads that are not hidden"
        )
        self.apply_per_row(
            request,
            hidden,
            lambda thread: moderating.thread_restore(actor=request.user, thread=thread),
            done="Threads shown again",
        )

    @admin.action(description="Move to community…")
    def move_threads(self, request, queryset):
        def apply(data):
            target = data["community"]
            threads = self.keep_rows(
                request,
                queryset,
                lambda thread: thread.community_id != target.pk,
                skipped=f"threads already in {target.name}",
            )
            self.apply_per_row(
                request,
                threads,
                lambda thread: moderating.thread_move(actor=request.user, thread=thread, to_community=target),
                done=f"Threads moved to {target.name}",
            )

        return self.ask_then_apply(
            request,
            queryset,
            action="move_threads",
            form_class=MoveForm,
            communities=self.move_choices(request),
            title="Move threads to another community",
            submit="Move the threads",
            apply=apply,
        )


@admin.register(Thread, site=coordinator_site)
class ThreadManageAdmin(ThreadAdminBase, CoordinatorScopedAdmin, admin.ModelAdmin):
    """Threads of the communities a coordinator runs, hidden ones included."""

    list_filter = ("kind", "is_pinned", "is_locked", "is_closed", ThreadVisibilityFilter, CoordinatedCommunityFilter)


@admin.register(Thread)
class ThreadAdmin(ThreadAdminBase, admin.ModelAdmin):
    list_filter = ("kind", "is_pinned", "is_locked", "is_closed", ThreadVisibilityFilter, "community")

    def move_choices(self, request):
        return Community.objects.order_by("name")  # staff moderate every community


# --- Posts --------------------------------------------------------------------------------------


class PostAdminBase(ModerationAdmin):
    list_display = ("excerpt", "thread", "community", "author", "created_at", "hidden_reason", "on_site")
    search_fields = ("body", "author__username", "author__display_name")
    list_select_related = ("thread__community", "author")
    ordering = ("-created_at",)
    actions = ("hide_posts", "restore_posts")
    fields = readonly_fields = (
        "thread",
        "author",
        "text",
        "created_at",
        "edited_at",
        "deleted_at",
        "hidden_at",
        "hidden_reason",
    )

    def describe(self, post):
        return f"{post_excerpt(post)} (in {post.thread.title})"

    @admin.display(description="post")
    def excerpt(self, post):
        return post_excerpt(post)

    @admin.display(description="text")
    def text(self, post):
        return post_excerpt(post) if post.is_deleted else post.body

    @admin.display(description="community", ordering="thread__community__name")
    def community(self, post):
        return post.thread.community.name

    @admin.action(description="Hide from members…")
    def hide_posts(self, request, queryset):
        def apply(data):
            self.apply_per_row(
                request,
                queryset,
                lambda post: moderating.post_hide(actor=request.user, post=post, reason=data["reason"]),
                done="Posts hidden",
            )

        return self.ask_then_apply(
            request,
            queryset,
            action="hide_posts",
            form_class=PostHideForm,
            title="Hide posts from members",
            submit="Hide the posts",
            apply=apply,
        )

    @admin.action(description="Show to members again")
    def restore_posts(self, request, queryset):
        hidden = self.keep_rows(request, queryset, lambda post: post.is_hidden, skipped="posts that are not hidden")
        self.apply_per_row(
            request, hidden, lambda post: moderating.post_restore(actor=request.user, post=post), done="Posts restored"
        )


@admin.register(Post, site=coordinator_site)
class PostManageAdmin(PostAdminBase, CoordinatorScopedAdmin, admin.ModelAdmin):
    """Posts of the communities a coordinator runs, hidden and deleted ones included."""

    community_path = "thread__community"
    list_filter = (PostVisibilityFilter, CoordinatedCommunityFilter)


@admin.register(Post)
class PostAdmin(PostAdminBase, admin.ModelAdmin):
    list_filter = (PostVisibilityFilter, ("thread__community", admin.RelatedOnlyFieldListFilter))
