"""Posts: hide with a reason, restore."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from cop_platform.admin_sites import (
    CoordinatedCommunityFilter,
    CoordinatorScopedAdmin,
    coordinator_site,
)

from ..models import Post
from ..services import moderating
from ._shared import ModerationAdmin, PostHideForm, PostVisibilityFilter, post_excerpt


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

    @admin.display(description=_("post"))
    def excerpt(self, post):
        return post_excerpt(post)

    @admin.display(description=_("text"))
    def text(self, post):
        return post_excerpt(post) if post.is_deleted else post.body

    @admin.display(description=_("community"), ordering="thread__community__name")
    def community(self, post):
        return post.thread.community.name

    @admin.action(description=_("Hide from members…"))
    def hide_posts(self, request, queryset):
        return self.hide_with_reason(
            request,
            queryset,
            hide=lambda post, reason: moderating.post_hide(actor=request.user, post=post, reason=reason),
            action="hide_posts",
            form_class=PostHideForm,
            title=_("Hide posts from members"),
            submit=_("Hide the posts"),
            done=ngettext_lazy("Posts hidden: %(count)s.", "Posts hidden: %(count)s.", "count"),
        )

    @admin.action(description=_("Show to members again"))
    def restore_posts(self, request, queryset):
        hidden = self.keep_rows(
            request,
            queryset,
            lambda post: post.is_hidden,
            skipped=ngettext_lazy(
                "Skipped %(count)s posts that are not hidden.", "Skipped %(count)s posts that are not hidden.", "count"
            ),
        )
        self.apply_per_row(
            request,
            hidden,
            lambda post: moderating.post_restore(actor=request.user, post=post),
            done=ngettext_lazy("Posts restored: %(count)s.", "Posts restored: %(count)s.", "count"),
        )


@admin.register(Post, site=coordinator_site)
class PostManageAdmin(PostAdminBase, CoordinatorScopedAdmin, admin.ModelAdmin):
    """Posts of the communities a coordinator runs, hidden and deleted ones included."""

    community_path = "thread__community"
    list_filter = (PostVisibilityFilter, CoordinatedCommunityFilter)


@admin.register(Post)
class PostAdmin(PostAdminBase, admin.ModelAdmin):
    list_filter = (PostVisibilityFilter, ("thread__community", admin.RelatedOnlyFieldListFilter))
