"""What happened to an event, for the apps and modules that react (notices, reminders,
search). Sent inside the service's transaction: receivers queue their work with
`enqueue_on_commit` so nothing goes out for a change that rolled back.

- event_changed(event, actor, changed: set of field names, moved: list of occurrences whose
  time changed)
- event_cancelled(event, actor)
- occurrence_changed(occurrence, actor, changed: set of field names)
- occurrence_cancelled(occurrence, actor)
- occurrences_dropped(event, actor, occurrences: list, sent before they are deleted because an
  edited rule no longer gives them; their RSVPs go with them)
- rsvp_changed(rsvp, previous: str | None, promoted: bool)
"""

from django.dispatch import Signal

event_created = Signal()
event_changed = Signal()
event_cancelled = Signal()
occurrence_changed = Signal()
occurrence_cancelled = Signal()
occurrences_dropped = Signal()
rsvp_changed = Signal()
