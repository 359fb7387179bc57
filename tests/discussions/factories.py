"""Discussion content made through the services, so trees, counters and follows are real."""

import itertools

from discussions.services.posting import post_reply, thread_create

_numbers = itertools.count(1)


def make_thread(*, community, author, title=None, body="Opening post", kind="discussion", tags=()):
    return thread_create(
        actor=author,
        community=community,
        title=title or f"Thread {next(_numbers)}",
        body=body,
        kind=kind,
        tags=tags,
    )


def make_reply(*, thread, author, parent=None, body=None):
    return post_reply(actor=author, thread=thread, parent=parent, body=body or f"Reply {next(_numbers)}")
