"""Events in /admin/ (staff) and /manage/ (coordinators, scoped to their communities).

Both are read-only lists: scheduling and editing happen on the events pages, where the form
explains times, zones and rules. The only writes here are cancel / restore actions, which
call the same services as the pages."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from cop_platform.admin_sites import (
    CoordinatedCommunityFilter,
    CoordinatorScopedAdmin,
    ReadOnlyAdmin,
    coordinator_site,
    per_row_action,
    site_link,
)

from . import services
from .models import Event

EVENT_ACTIONS = (
    per_row_action(
        "cancel_events",
        _("Cancel (stays listed, marked cancelled)"),
        lambda actor, event: services.event_cancel(actor=actor, event=event),
        keep=lambda event: event.cancelled_at is None,
        skipped=ngettext_lazy("Skipped %(count)s already cancelled.", "Skipped %(count)s already cancelled.", "count"),
        done=ngettext_lazy("Cancelled: %(count)s.", "Cancelled: %(count)s.", "count"),
    ),
    per_row_action(
        "restore_events",
        _("Restore cancelled events"),
        lambda actor, event: services.event_restore(actor=actor, event=event),
        keep=lambda event: event.cancelled_at is not None,
        skipped=ngettext_lazy(
            "Skipped %(count)s that were not cancelled.", "Skipped %(count)s that were not cancelled.", "count"
        ),
        done=ngettext_lazy("Restored: %(count)s.", "Restored: %(count)s.", "count"),
    ),
)


class EventAdminBase(ReadOnlyAdmin):
    list_display = ("title", "community", "starts_at", "time_zone", "recurrence", "capacity", "cancelled_at", "link")
    list_select_related = ("community",)
    search_fields = ("title", "place")
    date_hierarchy = "starts_at"
    ordering = ("-starts_at",)
    actions = EVENT_ACTIONS
    fields = (
        "community", "title", "organiser", "format", "time_zone", "starts_at", "ends_at", "recurrence", "capacity",
        "place", "meeting_url", "cancelled_at", "sequence", "created_at", "description",
    )  # fmt: skip
    readonly_fields = fields

    @admin.display(description=_("On the site"))
    def link(self, event):
        return site_link(event.get_absolute_url())


@admin.register(Event, site=coordinator_site)
class EventManageAdmin(EventAdminBase, CoordinatorScopedAdmin, admin.ModelAdmin):
    list_filter = (CoordinatedCommunityFilter, "format")


@admin.register(Event)
class EventAdmin(EventAdminBase, admin.ModelAdmin):
    list_filter = ("format", "community")
