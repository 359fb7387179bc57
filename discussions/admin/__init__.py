"""Discussions in the admin: the coordinators' moderation tools on /manage/ and the same tools
for staff on /admin/.

Coordinators work from the flag queue (open flags first), the thread list and the post list
of the communities they coordinate. Nothing is edited in a form here: every change is an
action that calls `discussions.services.moderating` row by row, so hiding a post on /manage/
tells its author why and writes the same audit entry as the button on the thread page. The
actions that need a word from the coordinator (a reason, a destination) show a second page
that asks for it before anything changes.

Both sites share one admin per model (the `...AdminBase` classes) and differ only in scope,
as in communities/admin.py.
"""

from . import flags, polls, posts, threads  # noqa: F401 - each registers its admins on both sites
