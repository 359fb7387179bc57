"""Polls, read-only: coordinators see the polls of their communities' threads on /manage/
(staff every poll on /admin/). Voting, closing and reopening happen on the thread page,
through the same services; nothing is edited here."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from cop_platform.admin_sites import CoordinatedCommunityFilter, CoordinatorScopedAdmin, coordinator_site, site_link

from ..models import Poll
from ._shared import ModerationAdmin


class PollAdminBase(ModerationAdmin):
    community_path = "thread__community"
    list_display = (
        "question",
        "thread",
        "community",
        "multiple",
        "results",
        "closes_at",
        "is_open",
        "voters",
        "on_site",
    )
    search_fields = ("question", "thread__title")
    list_select_related = ("thread__community",)
    ordering = ("-created_at",)
    fields = readonly_fields = ("thread", "question", "multiple", "max_choices", "results", "closes_at", "closed_at")

    def get_queryset(self, request):
        # The voter count in the same query as the rows: one query however many polls.
        return super().get_queryset(request).annotate(voter_count=Count("options__votes__user", distinct=True))

    @admin.display(description=_("community"), ordering="thread__community__name")
    def community(self, poll):
        return poll.thread.community.name

    @admin.display(description=_("open"), boolean=True)
    def is_open(self, poll):
        return not poll.is_closed()

    @admin.display(description=_("voters"), ordering="voter_count")
    def voters(self, poll):
        return poll.voter_count

    @admin.display(description=_("on the site"))
    def on_site(self, poll):
        return site_link(poll.thread.get_absolute_url())


@admin.register(Poll, site=coordinator_site)
class PollManageAdmin(PollAdminBase, CoordinatorScopedAdmin, admin.ModelAdmin):
    list_filter = ("multiple", "results", CoordinatedCommunityFilter)


@admin.register(Poll)
class PollAdmin(PollAdminBase, admin.ModelAdmin):
    list_filter = ("multiple", "results", "thread__community")
