"""Threads: pin, lock, close, move, hide."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from communities.models import Community
from cop_platform.admin_sites import (
    CoordinatedCommunityFilter,
    CoordinatorScopedAdmin,
    coordinator_site,
    per_row_action,
)

from ..models import Thread
from ..services import moderating
from ._shared import ModerationAdmin, MoveForm, ThreadHideForm, ThreadVisibilityFilter


def _thread_switch(action: str, description: str, *, done: str):
    """An action that calls thread_moderate(action=...) for each selected thread."""
    return per_row_action(
        f"{action}_threads",
        description,
        lambda actor, thread: moderating.thread_moderate(actor=actor, thread=thread, action=action),
        done=done,
    )


THREAD_SWITCHES = (
    _thread_switch(
        "pin", _("Pin to the top of the list"), done=ngettext_lazy("Pinned: %(count)s.", "Pinned: %(count)s.", "count")
    ),
    _thread_switch("unpin", _("Unpin"), done=ngettext_lazy("Unpinned: %(count)s.", "Unpinned: %(count)s.", "count")),
    _thread_switch(
        "lock",
        _("Lock (only coordinators can reply)"),
        done=ngettext_lazy("Locked: %(count)s.", "Locked: %(count)s.", "count"),
    ),
    _thread_switch("unlock", _("Unlock"), done=ngettext_lazy("Unlocked: %(count)s.", "Unlocked: %(count)s.", "count")),
    _thread_switch(
        "close", _("Close to new replies"), done=ngettext_lazy("Closed: %(count)s.", "Closed: %(count)s.", "count")
    ),
    _thread_switch(
        "reopen", _("Reopen for replies"), done=ngettext_lazy("Reopened: %(count)s.", "Reopened: %(count)s.", "count")
    ),
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

    @admin.display(description=_("hidden"), boolean=True, ordering="hidden_at")
    def is_hidden(self, thread):
        return thread.hidden_at is not None

    @admin.display(description=_("topic tags"))
    def topic_tags(self, thread):
        return ", ".join(thread.tags.names())

    @admin.action(description=_("Hide from members…"))
    def hide_threads(self, request, queryset):
        return self.hide_with_reason(
            request,
            queryset,
            hide=lambda thread, reason: moderating.thread_hide(actor=request.user, thread=thread, reason=reason),
            action="hide_threads",
            form_class=ThreadHideForm,
            title=_("Hide threads from members"),
            submit=_("Hide the threads"),
            done=ngettext_lazy("Threads hidden: %(count)s.", "Threads hidden: %(count)s.", "count"),
        )

    @admin.action(description=_("Show to members again"))
    def restore_threads(self, request, queryset):
        hidden = self.keep_rows(
            request,
            queryset,
            lambda thread: thread.hidden_at is not None,
            skipped=ngettext_lazy(
                "Skipped %(count)s threads that are not hidden.",
                "Skipped %(count)s threads that are not hidden.",
                "count",
            ),
        )
        self.apply_per_row(
            request,
            hidden,
            lambda thread: moderating.thread_restore(actor=request.user, thread=thread),
            done=ngettext_lazy("Threads shown again: %(count)s.", "Threads shown again: %(count)s.", "count"),
        )

    @admin.action(description=_("Move to community…"))
    def move_threads(self, request, queryset):
        def apply(data):
            target = data["community"]
            threads = self.keep_rows(
                request,
                queryset,
                lambda thread: thread.community_id != target.pk,
                skipped=lambda count: (
                    ngettext(
                        "Skipped %(count)s threads already in %(community)s.",
                        "Skipped %(count)s threads already in %(community)s.",
                        count,
                    )
                    % {"count": count, "community": target.name}
                ),
            )
            self.apply_per_row(
                request,
                threads,
                lambda thread: moderating.thread_move(actor=request.user, thread=thread, to_community=target),
                done=lambda count: (
                    ngettext(
                        "Threads moved to %(community)s: %(count)s.",
                        "Threads moved to %(community)s: %(count)s.",
                        count,
                    )
                    % {"count": count, "community": target.name}
                ),
            )

        return self.ask_then_apply(
            request,
            queryset,
            action="move_threads",
            form_class=MoveForm,
            communities=self.move_choices(request),
            title=_("Move threads to another community"),
            submit=_("Move the threads"),
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
