"""Engagement reminders: a welcome after joining, a nudge to members gone quiet, and a daily
alert to coordinators when their community needs attention.

- `registry`: what discussions and resources tell communities about activity.
- `members`: welcome and inactivity nudges; `coordinators`: the coordinator alert.
Each is planned as EmailDelivery rows (unique per recipient and key) and sent by
`communities.outgoing`, like the digests.
"""
