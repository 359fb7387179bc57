"""events-life's registrations, called once from EventsConfig.ready() (and imported only there,
after the app registry is ready): the receivers of the
events services' signals (notices), the email scope of reminders, the origin for "Document
this", and the events' place in the community page, digests, activity home, search and
health dashboard (each through the registry communities or cop_platform already has)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from communities.activity import ActivitySource, register_activity_source
from communities.digests.registry import DigestSection, register_digest_section
from communities.health.registry import register_health_source
from communities.origins import register_origin
from communities.sections import CommunitySection, register_section
from members.mailing import ExtraScope, register_scope

from . import activity, digest, health, notices, search_sources, signals
from .harvest import event_as_origin
from .reminders import SCOPE, reminders_off, reminders_on


def connect() -> None:
    def on_event_changed(sender, event, changed=(), **kwargs):
        if changes := notices.changes_of(changed):
            notices.event_changed(event=event, changes=changes)

    def on_event_cancelled(sender, event, **kwargs):
        notices.event_changed(event=event, cancelled=True)

    def on_occurrence_changed(sender, occurrence, changed=(), **kwargs):
        if changes := notices.changes_of(changed):
            notices.occurrence_changed(occurrence=occurrence, changes=changes)

    def on_occurrence_cancelled(sender, occurrence, **kwargs):
        notices.occurrence_changed(occurrence=occurrence, cancelled=True)

    def on_occurrences_dropped(sender, event, occurrences=(), **kwargs):
        notices.occurrences_dropped(event=event, occurrences=list(occurrences))

    signals.event_changed.connect(on_event_changed, weak=False, dispatch_uid="events-life-notice-event")
    signals.event_cancelled.connect(on_event_cancelled, weak=False, dispatch_uid="events-life-notice-event-cancel")
    signals.occurrence_changed.connect(on_occurrence_changed, weak=False, dispatch_uid="events-life-notice-occ")
    signals.occurrences_dropped.connect(on_occurrences_dropped, weak=False, dispatch_uid="events-life-notice-dropped")
    signals.occurrence_cancelled.connect(
        on_occurrence_cancelled, weak=False, dispatch_uid="events-life-notice-occ-cancel"
    )

    register_scope(
        SCOPE, ExtraScope(what=_("event reminders (a day and an hour before)"), off=reminders_off, on=reminders_on)
    )
    register_origin("event", event_as_origin)
    register_section(
        CommunitySection(
            name="events",
            template="events/partials/_community_upcoming.html",
            context=activity.community_section,
            order=5,
        )
    )
    register_digest_section(
        DigestSection(
            "upcoming_events",
            _("Upcoming events"),
            digest.upcoming_events,
            order=3,
            title_one=_("Upcoming event"),
            counted=ngettext_lazy("%(count)s upcoming event", "%(count)s upcoming events", "count"),
            limit=5,
        )
    )
    register_activity_source(ActivitySource("new_events", activity.new_events))
    register_health_source(health.SOURCE)
    search_sources.register()
