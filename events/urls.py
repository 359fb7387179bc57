from django.urls import path

from .views import calendars, pages

app_name = "events"

event = "c/<slug:slug>/events/<int:event_id>"
occurrence = f"{event}/o/<int:occurrence_id>"

urlpatterns = [
    path("c/<slug:slug>/events/", pages.event_list, name="list"),
    path("c/<slug:slug>/events/new/", pages.event_new, name="new"),
    path("c/<slug:slug>/events/feed.ics", calendars.community_feed, name="community_feed"),
    path(f"{event}/", pages.event_detail, name="detail"),
    path(f"{event}.ics", calendars.event_ics, name="ics"),
    path(f"{event}/edit/", pages.event_edit, name="edit"),
    path(f"{event}/cancel/", pages.event_cancel, name="cancel"),
    path(f"{occurrence}/", pages.event_detail, name="occurrence"),
    path(f"{occurrence}/edit/", pages.occurrence_edit, name="occurrence_edit"),
    path(f"{occurrence}/cancel/", pages.occurrence_cancel, name="occurrence_cancel"),
    path(f"{occurrence}/rsvp/", pages.rsvp, name="rsvp"),
    path("calendar/<str:token>.ics", calendars.member_feed, name="member_feed"),
    path("settings/calendar/", calendars.calendar_settings, name="calendar_settings"),
    path("settings/calendar/new-address/", calendars.calendar_feed_renew, name="calendar_feed_renew"),
]
