"""The flag queue: open flags first, deciding once per post."""

from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from cop_platform.admin_sites import (
    CoordinatedCommunityFilter,
    CoordinatorScopedAdmin,
    coordinator_site,
    site_link,
)

from ..models import Flag, FlagStatus
from ..services import moderating
from ._shared import EXCERPT_LENGTH, FlagHideForm, ModerationAdmin, post_excerpt


class FlagStatusFilter(admin.SimpleListFilter):
    """Flag status, open by default: the queue is what still waits for a decision."""

    title = _("status")
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*FlagStatus.choices, (self.ALL, _("All"))]

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
        return gettext("%(post)s (flagged as %(reason)s)") % {
            "post": post_excerpt(flag.post),
            "reason": flag.get_reason_display(),
        }

    @admin.display(description=_("post"))
    def flagged_post(self, flag):
        return post_excerpt(flag.post)

    @admin.display(description=_("post"))
    def post_text(self, flag):
        post = flag.post
        return post_excerpt(post) if post.is_deleted else post.body

    @admin.display(description=_("thread"), ordering="post__thread__title")
    def thread_title(self, flag):
        return flag.post.thread.title

    @admin.display(description=_("community"), ordering="post__thread__community__name")
    def community(self, flag):
        return flag.post.thread.community.name

    @admin.display(description=_("detail"))
    def detail_excerpt(self, flag):
        return Truncator(flag.detail).chars(EXCERPT_LENGTH)

    @admin.display(description=_("on the site"))
    def on_site(self, flag):
        return site_link(flag.post.get_absolute_url())

    @admin.action(description=_("Hide the flagged posts…"))
    def hide_posts(self, request, queryset):
        return self.hide_with_reason(
            request,
            queryset,
            rows=_one_flag_per_post(queryset),
            hide=lambda flag, reason: moderating.flag_hide_post(actor=request.user, flag=flag, reason=reason),
            action="hide_posts",
            form_class=FlagHideForm,
            title=_("Hide the flagged posts"),
            submit=_("Hide the posts"),
            done=ngettext_lazy("Posts hidden: %(count)s.", "Posts hidden: %(count)s.", "count"),
        )

    @admin.action(description=_("Restore the posts"))
    def restore_posts(self, request, queryset):
        posts = {flag.post_id: flag.post for flag in queryset}.values()
        hidden = self.keep_rows(
            request,
            posts,
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

    @admin.action(description=_("Dismiss the flags (the posts stay)"))
    def dismiss_flags(self, request, queryset):
        open_flags = self.keep_rows(
            request,
            queryset,
            lambda flag: flag.status == FlagStatus.OPEN,
            skipped=ngettext_lazy(
                "Skipped %(count)s flags already decided.", "Skipped %(count)s flags already decided.", "count"
            ),
        )
        self.apply_per_row(
            request,
            _one_flag_per_post(open_flags),
            lambda flag: moderating.flag_dismiss(actor=request.user, flag=flag),
            done=ngettext_lazy(
                "Flags dismissed (per post): %(count)s.", "Flags dismissed (per post): %(count)s.", "count"
            ),
        )


@admin.register(Flag, site=coordinator_site)
class FlagManageAdmin(FlagAdminBase, CoordinatorScopedAdmin, admin.ModelAdmin):
    """The flag queue of the communities a coordinator runs."""

    community_path = "post__thread__community"
    list_filter = (FlagStatusFilter, "reason", CoordinatedCommunityFilter)


@admin.register(Flag)
class FlagAdmin(FlagAdminBase, admin.ModelAdmin):
    list_filter = (FlagStatusFilter, "reason", ("post__thread__community", admin.RelatedOnlyFieldListFilter))


coordinator_site.add_shortcut(Flag, name=_("Open flags"), query={"status": FlagStatus.OPEN})
