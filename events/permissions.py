"""Who may do what with events: pure predicates of (user, community or event, membership).

`membership` is the user's Membership row in the event's community, or None (fetch it once
with communities.services.membership_of).

- See an event: wherever the community's content is visible (events.querysets).
- Schedule: coordinators and staff; every active member too when the community's
  `members_may_schedule_events` is on.
- Edit or cancel: coordinators and staff, and the organiser while still an active member.
- RSVP: active members only, in public communities too (an RSVP is a promise to a
  community's gathering, and the waiting list must not fill with passers-by).
- The meeting link: active members and staff. Visitors of a public community see the event
  but are asked to sign in and join to get the link, so a public page never hands out a call
  address to the whole web.
"""

from communities.permissions import can_coordinate, can_view_content, is_active_member


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated


def can_see_event(user, community, membership) -> bool:
    return can_view_content(user, community, membership)


def can_schedule(user, community, membership) -> bool:
    if can_coordinate(user, community, membership):
        return True
    return _signed_in(user) and community.members_may_schedule_events and is_active_member(membership)


def can_edit_event(user, event, membership) -> bool:
    if can_coordinate(user, event.community, membership):
        return True
    return _signed_in(user) and event.organiser_id == user.pk and is_active_member(membership)


def can_rsvp(user, event, membership) -> bool:
    return _signed_in(user) and is_active_member(membership)


def can_see_meeting_link(user, event, membership) -> bool:
    return _signed_in(user) and (user.is_staff or is_active_member(membership))


def can_see_attendees(user, event, membership) -> bool:
    """Names of who is going: to those who may see the event and are signed in (a public
    community's visitors see counts, not names)."""
    return _signed_in(user) and can_see_event(user, event.community, membership)
