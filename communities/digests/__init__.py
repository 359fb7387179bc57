"""Email digests: what happened in a member's communities since their last one.

- `registry`: the sections (new threads, new resources, ...) that content apps register.
- `schedule`: who is due now, in their own time zone; records one EmailDelivery per period.
- `build`: the content of a batch of digests, each community's sections computed once.
- `views`: "Send me my digest now" for the member who is signed in.
Sending goes through `communities.outgoing`, shared with the reminders.
"""
