"""What apps above discussions do with each new post (email_gateway plans mailing-list mail).

Discussions cannot import them, so each registers a hook in its AppConfig.ready(). A hook is
called with the new post inside the transaction that creates it (thread and author loaded,
attachments not yet attached), so what it records commits with the post or not at all: a
durable record from the moment the post exists. Hooks queue their slow work with
enqueue_on_commit and must stay a few queries whatever the community's size.
"""

from collections.abc import Callable

_hooks: dict[str, Callable[[object], None]] = {}


def register_post_created(name: str, hook: Callable[[object], None]) -> None:
    _hooks[name] = hook  # by name: registering twice replaces, never duplicates


def post_created(post) -> None:
    for hook in _hooks.values():
        hook(post)
