"""The member-facing discussion pages: the thread list, starting a thread, the thread page with
its nested replies, and every button on it.

Thin views: reads start from the visibility policy (404 for anything the viewer may not see),
writes are service calls (PermissionDenied becomes a 403 page that says why, ValidationError
an error next to the field with everything typed kept). Reactions and the Markdown preview
answer htmx requests with a fragment; every form also works as a plain POST.

One module per concern: reading, writing, engaging (reactions, flags, answers, following) and
moderating; _shared holds the private helpers they share. Import from the module itself
(discussions.views.reading); nothing is re-exported here.
"""
